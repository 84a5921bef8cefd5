/**
 * Merge patches applied client-side, for resource modifiers: RFC 7386 JSON merge patch, and the subset of
 * Kubernetes strategic merge patch that matters for the objects people modify on restore (lists of
 * containers, volumes, env, ports… merged by their key; `$patch: replace|delete`; `$retainKeys` and
 * `$setElementOrder` accepted). Lists without a known merge key are replaced, as a merge patch would; custom
 * resources get plain merge-patch semantics, as the API server gives them.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** RFC 7386: objects merge recursively, `null` removes, anything else replaces. Returns a new value. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return clone(patch);
  const result: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key], value);
  }
  return result;
}

/** List field → the key its elements merge by, for the built-in types (from the Kubernetes OpenAPI). */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  volumes: 'name',
  env: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  imagePullSecrets: 'name',
  hostAliases: 'ip',
  conditions: 'type',
  topologySpreadConstraints: 'topologyKey',
  resourceClaims: 'name',
  secrets: 'name',
  ownerReferences: 'uid',
};

/** Ports merge by `containerPort` in containers and by `port` in Services. */
function mergeKeyFor(field: string, elements: unknown[]): string | undefined {
  if (field === 'ports') {
    const first = elements.find(isObject);
    if (first && 'containerPort' in first) return 'containerPort';
    if (first && 'port' in first) return 'port';
    return undefined;
  }
  return MERGE_KEYS[field];
}

/**
 * Applies a strategic merge patch to a built-in object. `customResource` true gives merge-patch semantics
 * (the API server refuses strategic patches for custom resources; Velero falls back the same way).
 */
export function applyStrategicMergePatch(target: unknown, patch: unknown, customResource = false): unknown {
  if (customResource) return applyMergePatch(target, stripDirectives(patch));
  return mergeObject(target, patch);
}

function mergeObject(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return clone(patch);
  const directive = patch.$patch;
  if (directive === 'delete') return undefined;
  if (directive === 'replace') return stripDirectives(withoutKey(patch, '$patch'));
  const result: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) mergeKey(result, key, value);
  if (Array.isArray(patch.$retainKeys)) {
    const retain = new Set(patch.$retainKeys as string[]);
    for (const key of Object.keys(result)) if (!retain.has(key)) delete result[key];
  }
  return result;
}

function mergeKey(result: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '$patch' || key === '$retainKeys' || key.startsWith('$setElementOrder/')) return;
  if (key.startsWith('$deleteFromPrimitiveList/')) {
    const field = key.slice('$deleteFromPrimitiveList/'.length);
    const drop = new Set((Array.isArray(value) ? value : []).map((v) => JSON.stringify(v)));
    const current = result[field];
    if (Array.isArray(current)) result[field] = current.filter((v) => !drop.has(JSON.stringify(v)));
    return;
  }
  if (value === null) {
    delete result[key];
    return;
  }
  const merged = Array.isArray(value) ? mergeList(key, result[key], value) : mergeObject(result[key], value);
  if (merged === undefined) delete result[key];
  else result[key] = merged;
}

function mergeList(field: string, target: unknown, patch: unknown[]): unknown[] {
  const current = Array.isArray(target) ? target : [];
  if (patch.some((e) => isObject(e) && e.$patch === 'replace'))
    return patch.filter((e) => !(isObject(e) && e.$patch === 'replace')).map(stripDirectives);
  const key = mergeKeyFor(field, [...patch, ...current]);
  if (!key) return patch.map(stripDirectives);
  const result = current.map(clone);
  for (const element of patch) {
    if (!isObject(element)) continue;
    const id = JSON.stringify(element[key]);
    const at = result.findIndex((e) => isObject(e) && JSON.stringify(e[key]) === id);
    if (element.$patch === 'delete') {
      if (at >= 0) result.splice(at, 1);
      continue;
    }
    if (at >= 0) result[at] = mergeObject(result[at], element);
    else result.push(stripDirectives(element));
  }
  return result;
}

function stripDirectives(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripDirectives);
  if (!isObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (key.startsWith('$')) continue;
    out[key] = stripDirectives(v);
  }
  return out;
}

function withoutKey(value: Record<string, unknown>, key: string): Record<string, unknown> {
  const { [key]: _dropped, ...rest } = value;
  return rest;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function clone<T>(value: T): T {
  return value === undefined ? value : (structuredClone(value) as T);
}

export type { Json };
