import type { KubeObject } from '../registry/types.ts';

/**
 * Objects are kept as JSON text with `apiVersion` as the first key, so that serving them in another version of
 * the same resource (conversion strategy None) is a prefix swap, and lists are string concatenation.
 */

/** Serializes with `apiVersion`, `kind`, `metadata` first (Kubernetes' own field order), the rest as given. */
export function serializeObject(obj: KubeObject): string {
  const keys = Object.keys(obj);
  if (keys[0] === 'apiVersion' && keys[1] === 'kind' && keys[2] === 'metadata') return JSON.stringify(obj);
  const { apiVersion, kind, metadata, ...rest } = obj;
  return JSON.stringify({ apiVersion, kind, metadata, ...rest });
}

/** Rewrites the leading `apiVersion` of JSON produced by `serializeObject` from `from` to `to`. */
export function convertJson(json: string, from: string, to: string): string {
  if (from === to) return json;
  const prefixLength = 14 + JSON.stringify(from).length; // {"apiVersion":"…"
  return `{"apiVersion":${JSON.stringify(to)}${json.slice(prefixLength)}`;
}

/** Object key order for output: apiVersion, kind, metadata first. */
export function canonicalOrder(obj: KubeObject): KubeObject {
  const keys = Object.keys(obj);
  if (keys[0] === 'apiVersion' && keys[1] === 'kind' && keys[2] === 'metadata') return obj;
  const { apiVersion, kind, metadata, ...rest } = obj;
  return { apiVersion, kind, metadata, ...rest };
}
