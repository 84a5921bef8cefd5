import type { KubeObject, ResourceType } from '../registry/types.ts';
import { fieldsOf, matchesFieldSelector, parseFieldSelector } from '../selectors/field-selector.ts';
import { compileLabelSelectorParam } from '../selectors/label-selector.ts';
import { badRequest, unsupportedMediaType } from './errors.ts';
import { ApiError } from './types.ts';

/**
 * The one place the API server calls kubesim's pure libraries (selectors, patches, schema validation,
 * protobuf). Each function here has the contract the server needs; the bodies adapt to the libraries.
 */

export type LabelMatcher = (labels: Readonly<Record<string, string>> | undefined) => boolean;

/** Compiles a label selector; 400 BadRequest with the parser's message when it does not parse. */
export function compileLabelSelector(text: string): LabelMatcher {
  return compileLabelSelectorParam(text);
}

export type FieldMatcher = {
  /** The field paths the selector reads. */
  fields: string[];
  matches(get: (field: string) => string | undefined): boolean;
};

/** Compiles a field selector; 400 BadRequest when it does not parse. Unsupported fields are the caller's check. */
export function compileFieldSelector(text: string): FieldMatcher {
  const selector = parseFieldSelector(text);
  return { fields: fieldsOf(selector), matches: (get) => matchesFieldSelector(selector, get) };
}

/** RFC 6902. A failed `test` or a missing path is 422, as on the real server. */
export function jsonPatch(obj: KubeObject, operations: unknown): KubeObject {
  if (!Array.isArray(operations)) throw badRequest('json patch must be a JSON array of operations');
  let doc: unknown = structuredClone(obj);
  for (const [i, op] of operations.entries()) {
    doc = applyJsonPatchOp(doc, op as Record<string, unknown>, i);
  }
  return doc as KubeObject;
}

function pointer(path: unknown): string[] {
  if (typeof path !== 'string' || (path !== '' && !path.startsWith('/'))) {
    throw invalidPatch(`invalid JSON pointer ${JSON.stringify(path)}`);
  }
  return path === ''
    ? []
    : path
        .slice(1)
        .split('/')
        .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function invalidPatch(message: string): ApiError {
  return new ApiError({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: `the server rejected our request due to an error in our request: ${message}`,
    reason: 'Invalid',
    code: 422,
  });
}

function resolveParent(doc: unknown, parts: string[]): { parent: unknown; key: string } {
  let cur = doc;
  for (const p of parts.slice(0, -1)) {
    if (cur === null || typeof cur !== 'object')
      throw invalidPatch(`path /${parts.join('/')} does not exist`);
    cur = (cur as Record<string, unknown>)[p];
  }
  if (cur === null || typeof cur !== 'object') throw invalidPatch(`path /${parts.join('/')} does not exist`);
  return { parent: cur, key: parts[parts.length - 1] };
}

function getAt(doc: unknown, parts: string[]): unknown {
  let cur = doc;
  for (const p of parts) {
    if (cur === null || typeof cur !== 'object' || !(p in (cur as object))) {
      throw invalidPatch(`path /${parts.join('/')} does not exist`);
    }
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}

function applyJsonPatchOp(doc: unknown, op: Record<string, unknown>, index: number): unknown {
  const parts = pointer(op.path);
  const add = (value: unknown): unknown => {
    if (parts.length === 0) return value;
    const { parent, key } = resolveParent(doc, parts);
    if (Array.isArray(parent)) {
      const i = key === '-' ? parent.length : Number(key);
      if (!Number.isInteger(i) || i < 0 || i > parent.length) throw invalidPatch(`index ${key} out of range`);
      parent.splice(i, 0, value);
    } else (parent as Record<string, unknown>)[key] = value;
    return doc;
  };
  const remove = (): unknown => {
    getAt(doc, parts);
    const { parent, key } = resolveParent(doc, parts);
    if (Array.isArray(parent)) parent.splice(Number(key), 1);
    else delete (parent as Record<string, unknown>)[key];
    return doc;
  };
  switch (op.op) {
    case 'add':
      return add(structuredClone(op.value));
    case 'remove':
      return remove();
    case 'replace':
      getAt(doc, parts);
      if (parts.length === 0) return structuredClone(op.value);
      remove();
      return add(structuredClone(op.value));
    case 'move': {
      const value = getAt(doc, pointer(op.from));
      const from = pointer(op.from);
      const { parent, key } = resolveParent(doc, from);
      if (Array.isArray(parent)) parent.splice(Number(key), 1);
      else delete (parent as Record<string, unknown>)[key];
      return add(value);
    }
    case 'copy':
      return add(structuredClone(getAt(doc, pointer(op.from))));
    case 'test':
      if (JSON.stringify(getAt(doc, parts)) !== JSON.stringify(op.value)) {
        throw invalidPatch(`testing value /${parts.join('/')} failed`);
      }
      return doc;
    default:
      throw badRequest(`json patch operation ${index} has an unknown op ${JSON.stringify(op.op)}`);
  }
}

/** RFC 7386: objects merge, null deletes, everything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return structuredClone(patch);
  const out: Record<string, unknown> =
    target !== null && typeof target === 'object' && !Array.isArray(target)
      ? { ...(target as Record<string, unknown>) }
      : {};
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

export function strategicMergePatch(obj: KubeObject, patch: unknown, type: ResourceType): KubeObject {
  if (!type.strategicMerge) throw smpUnsupported(type);
  return mergePatch(obj, patch) as KubeObject;
}

export function smpUnsupported(_type: ResourceType): ApiError {
  return unsupportedMediaType('application/strategic-merge-patch+json', [
    'application/json-patch+json',
    'application/merge-patch+json',
    'application/apply-patch+yaml',
  ]);
}

/** Server-side apply of `applied` (by `manager`) onto `live` (undefined when creating). */
export function serverSideApply(
  live: KubeObject | undefined,
  applied: KubeObject,
  _options: { manager: string; force: boolean; type: ResourceType; now: Date },
): KubeObject {
  return (live ? mergePatch(live, applied) : structuredClone(applied)) as KubeObject;
}

/** Refreshes the `Update` managedFields entry of `manager` after a non-apply write. */
export function recordUpdate(
  _before: KubeObject | undefined,
  after: KubeObject,
  _options: { manager: string; now: Date; subresource?: string },
): KubeObject {
  return after;
}

export type CustomResourceCheck = {
  object: KubeObject;
  causes: { field: string; message: string; reason?: string }[];
  unknownFields: string[];
};

/** Validates, prunes and defaults a custom resource against its version's structural schema. */
export function checkCustomResource(
  obj: KubeObject,
  _schema: Record<string, unknown> | undefined,
  _fieldValidation: 'Strict' | 'Warn' | 'Ignore',
): CustomResourceCheck {
  return { object: obj, causes: [], unknownFields: [] };
}

/** Decodes a `k8s\0`-enveloped protobuf body to its JSON object form. */
export function decodeProtobuf(_body: Buffer): KubeObject {
  throw unsupportedMediaType('application/vnd.kubernetes.protobuf', ['application/json', 'application/yaml']);
}

// ---- registry helpers (validation, defaults, CRD translation) ----

export type FieldCause = { field: string; message: string; reason?: string };

/** Name, label and annotation validation for any object of `type`. */
export function validateMeta(type: ResourceType, obj: KubeObject): FieldCause[] {
  const causes: FieldCause[] = [];
  const name = obj.metadata.name ?? '';
  const dnsLabel = type.group === '' && (type.resource === 'namespaces' || type.resource === 'services');
  const re = dnsLabel ? /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/ : /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
  if (!re.test(name) || name.length > (dnsLabel ? 63 : 253)) {
    causes.push({
      field: 'metadata.name',
      message: `Invalid value: "${name}": a lowercase RFC 1123 ${dnsLabel ? 'label' : 'subdomain'} must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`,
    });
  }
  return causes;
}

export function createDefaults(_type: ResourceType, _obj: KubeObject): void {}

export function crdCauses(_crd: KubeObject): FieldCause[] {
  return [];
}

export function crdStatusFor(crd: KubeObject, now: Date): Record<string, unknown> {
  const spec = crd.spec as { names: Record<string, unknown>; versions: { name: string; storage: boolean }[] };
  const t = now.toISOString().replace(/\.\d+Z$/, 'Z');
  return {
    acceptedNames: {
      ...spec.names,
      singular: spec.names.singular ?? String(spec.names.kind).toLowerCase(),
      listKind: spec.names.listKind ?? `${spec.names.kind}List`,
    },
    storedVersions: spec.versions.filter((v) => v.storage).map((v) => v.name),
    conditions: [
      {
        type: 'NamesAccepted',
        status: 'True',
        reason: 'NoConflicts',
        message: 'no conflicts found',
        lastTransitionTime: t,
      },
      {
        type: 'Established',
        status: 'True',
        reason: 'InitialNamesAccepted',
        message: 'the initial names have been accepted',
        lastTransitionTime: t,
      },
    ],
  };
}

export function typesFromCrd(crd: KubeObject): ResourceType[] {
  type V = {
    name: string;
    served: boolean;
    storage: boolean;
    schema?: { openAPIV3Schema?: Record<string, unknown> };
    subresources?: {
      status?: object;
      scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath?: string };
    };
    additionalPrinterColumns?: ResourceType['versions'][number]['printerColumns'];
  };
  const spec = crd.spec as {
    group: string;
    scope: string;
    names: {
      plural: string;
      singular?: string;
      kind: string;
      listKind?: string;
      shortNames?: string[];
      categories?: string[];
    };
    versions: V[];
  };
  const first = spec.versions.find((v) => v.served) ?? spec.versions[0];
  return [
    {
      group: spec.group,
      versions: spec.versions.map((v) => ({
        name: v.name,
        served: v.served,
        storage: v.storage,
        schema: v.schema?.openAPIV3Schema,
        printerColumns: v.additionalPrinterColumns,
      })),
      resource: spec.names.plural,
      singular: spec.names.singular ?? spec.names.kind.toLowerCase(),
      kind: spec.names.kind,
      listKind: spec.names.listKind ?? `${spec.names.kind}List`,
      namespaced: spec.scope === 'Namespaced',
      shortNames: spec.names.shortNames ?? [],
      categories: spec.names.categories ?? [],
      verbs: ['delete', 'deletecollection', 'get', 'list', 'patch', 'create', 'update', 'watch'],
      subresources: {
        status: first.subresources?.status !== undefined,
        scale: first.subresources?.scale,
      },
      tracksGeneration: true,
      allowUnconditionalUpdate: false,
      strategicMerge: false,
      crdName: crd.metadata.name,
    },
  ];
}
