import { badRequest } from '../apiserver/errors.ts';
import { deepCopy, isJsonObject, type JsonObject, setOwn } from './json-value.ts';

/**
 * RFC 7386 JSON Merge Patch (`application/merge-patch+json`): objects merge recursively, `null` deletes a key,
 * anything else (arrays included) replaces. The result is a fresh value; neither argument is modified.
 */
export function applyMergePatch<T>(doc: T, patch: unknown): T {
  // An API object can only be patched by an object; the real server rejects anything else this way.
  if (!isJsonObject(patch)) throw badRequest('Invalid JSON Patch');
  const out = isJsonObject(doc) ? deepCopy(doc) : {};
  mergeInto(out, patch);
  return out as T;
}

/** Merges `patch` into `target` in place; `target` is already a private copy. */
function mergeInto(target: JsonObject, patch: JsonObject): void {
  for (const key of Object.keys(patch)) {
    const value = patch[key];
    if (value === undefined) continue;
    if (value === null) {
      delete target[key];
      continue;
    }
    const current = Object.hasOwn(target, key) ? target[key] : undefined;
    if (isJsonObject(value)) {
      const next = isJsonObject(current) ? current : {};
      mergeInto(next, value);
      setOwn(target, key, next);
    } else {
      setOwn(target, key, deepCopy(value));
    }
  }
}
