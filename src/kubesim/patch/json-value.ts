/**
 * Helpers over parsed JSON values (plain objects, arrays, strings, finite numbers, booleans, null), shared by
 * the patch and apply code. Nothing here accepts class instances, `undefined` inside arrays or cycles.
 */

export type JsonObject = { [key: string]: unknown };

export type JsonKind = 'object' | 'array' | 'string' | 'number' | 'boolean' | 'null';

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function jsonKind(value: unknown): JsonKind {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  switch (typeof value) {
    case 'object':
      return 'object';
    case 'string':
      return 'string';
    case 'number':
    case 'bigint':
      return 'number';
    case 'boolean':
      return 'boolean';
    default:
      return 'null';
  }
}

/** An own-property check that ignores `Object.prototype` (a label named `constructor` is data). */
export function hasOwn(obj: JsonObject, key: string): boolean {
  return Object.hasOwn(obj, key);
}

/** A deep copy of a JSON value; faster than `structuredClone` for the plain objects the API server handles. */
export function deepCopy<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    const out = new Array(value.length);
    for (let i = 0; i < value.length; i++) out[i] = deepCopy(value[i]);
    return out as T;
  }
  const out: JsonObject = {};
  for (const key of Object.keys(value)) {
    const v = (value as JsonObject)[key];
    if (v !== undefined) setOwn(out, key, deepCopy(v));
  }
  return out as T;
}

/** Assigns a property even when the key is `__proto__`, so such a key stays data rather than a prototype. */
export function setOwn(obj: JsonObject, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    obj[key] = value;
  }
}

/** Structural equality of JSON values; object key order does not matter, array order does. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ak = Object.keys(a);
  const bo = b as JsonObject;
  let bCount = 0;
  for (const key of Object.keys(bo)) if (bo[key] !== undefined) bCount++;
  let aCount = 0;
  for (const key of ak) {
    const av = (a as JsonObject)[key];
    if (av === undefined) continue;
    aCount++;
    if (!Object.hasOwn(bo, key) || !deepEqual(av, bo[key])) return false;
  }
  return aCount === bCount;
}

/** A JSON rendering for error messages, shortened so a huge value cannot flood a Status. */
export function describeJson(value: unknown, max = 200): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
