import type { KubeObject } from '../registry/types.ts';

/**
 * Objects are kept as JSON text with `apiVersion` as the first key, so that serving them in another version of
 * the same resource (conversion strategy None) is a prefix swap, and lists are string concatenation.
 */

/** Whether the object's first three keys are apiVersion, kind, metadata (checked without building a key array). */
function inKubernetesOrder(obj: KubeObject): boolean {
  let i = 0;
  for (const key in obj) {
    if (key !== (i === 0 ? 'apiVersion' : i === 1 ? 'kind' : 'metadata')) return false;
    if (++i === 3) return true;
  }
  return false;
}

/** Serializes with `apiVersion`, `kind`, `metadata` first (Kubernetes' own field order), the rest as given. */
export function serializeObject(obj: KubeObject): string {
  if (inKubernetesOrder(obj)) return JSON.stringify(obj);
  const { apiVersion, kind, metadata, ...rest } = obj;
  return JSON.stringify({ apiVersion, kind, metadata, ...rest });
}

/** Rewrites the leading `apiVersion` of JSON produced by `serializeObject` from `from` to `to`. */
export function convertJson(json: string, from: string, to: string): string {
  if (from === to) return json;
  const prefixLength = 14 + JSON.stringify(from).length; // {"apiVersion":"…"
  return `{"apiVersion":${JSON.stringify(to)}${json.slice(prefixLength)}`;
}
