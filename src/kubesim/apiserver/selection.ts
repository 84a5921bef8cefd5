import type { KubeObject, ResourceType } from '../registry/types.ts';
import { badRequest } from './errors.ts';
import { compileFieldSelector, compileLabelSelector } from './libs.ts';
import type { StoredEntry } from './store.ts';

/**
 * Turns a request's label and field selectors into a predicate over stored entries. Labels are kept parsed
 * on each entry; fields other than name and namespace need the object, parsed on demand through a small cache
 * (a watch event is matched by many watchers; a list reads each entry once).
 */
export type EntryFilter = (entry: StoredEntry) => boolean;

const GENERIC_FIELDS = new Set(['metadata.name', 'metadata.namespace']);

/** Returns undefined when nothing filters. Throws 400 for selectors that do not parse or name unknown fields. */
export function compileFilter(
  type: ResourceType,
  labelSelector: string | undefined,
  fieldSelector: string | undefined,
): EntryFilter | undefined {
  const labels = labelSelector?.trim() ? compileLabelSelector(labelSelector) : undefined;
  const fields = fieldSelector?.trim() ? compileFieldSelector(fieldSelector) : undefined;
  if (fields) {
    for (const f of fields.fields) {
      if (!GENERIC_FIELDS.has(f) && !type.fieldSelectors?.[f]) {
        throw badRequest(`field label not supported: ${f}`);
      }
    }
  }
  if (!labels && !fields) return undefined;
  const needsObject = fields?.fields.some((f) => !GENERIC_FIELDS.has(f)) ?? false;
  return (entry) => {
    if (labels && !labels(entry.labels)) return false;
    if (!fields) return true;
    const obj = needsObject ? parsedEntry(entry) : undefined;
    return fields.matches((field) => {
      if (field === 'metadata.name') return entry.name;
      if (field === 'metadata.namespace') return entry.namespace;
      return obj ? type.fieldSelectors?.[field]?.(obj) : undefined;
    });
  };
}

const CACHE_SIZE = 256;
const cache = new Map<StoredEntry, KubeObject>();

/**
 * A read-only parse of an entry, shared through a bounded cache keyed by the (immutable) entry. Callers must
 * not mutate the result.
 */
export function parsedEntry(entry: StoredEntry): KubeObject {
  let obj = cache.get(entry);
  if (!obj) {
    obj = JSON.parse(entry.json) as KubeObject;
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as StoredEntry);
    cache.set(entry, obj);
  }
  return obj;
}
