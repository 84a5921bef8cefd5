import { randomInt } from 'node:crypto';
import type { KubeObject } from '../registry/types.ts';

/** Server-set metadata rules shared by every kind (kube-api-surface.md §c.6, §c.19). */

/** The alphabet apimachinery's `utilrand.String` draws from: no vowels, no look-alike digits. */
const NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** `generateName` + 5 random characters, as the real name generator does. */
export function generateName(prefix: string, random: (max: number) => number = randomInt): string {
  // The generated part is appended after the prefix is cut so the whole name stays ≤ 63 characters.
  const base = prefix.length > 58 ? prefix.slice(0, 58) : prefix;
  let suffix = '';
  for (let i = 0; i < 5; i++) suffix += NAME_ALPHABET[random(NAME_ALPHABET.length)];
  return base + suffix;
}

let lastSecond = Number.NaN;
let lastText = '';

/** metav1.Time: RFC 3339 at second precision with `Z`. */
export function metaTime(date: Date): string {
  const ms = date.getTime();
  const second = Math.floor(ms / 1000);
  // Writes come in bursts within one second; formatting once per second is measurably cheaper.
  if (second !== lastSecond) {
    lastText = new Date(second * 1000).toISOString().replace('.000Z', 'Z');
    lastSecond = second;
  }
  return lastText;
}

/** Normalises a client-sent timestamp (`…T…Z` with or without fractions) to metav1.Time, or returns it unchanged. */
export function normaliseTime(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const t = Date.parse(value);
  return Number.isNaN(t) ? value : metaTime(new Date(t));
}

/** Structural equality of JSON values (object key order does not matter, array order does). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ak = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const bk = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  if (ak.length !== bk.length) return false;
  for (const k of ak) {
    if (!jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
}

/**
 * Whether anything that counts for `metadata.generation` changed: every top-level field except `metadata`
 * (and `status` when the kind has a status subresource; `apiVersion` and `kind` never count).
 */
export function specChanged(before: KubeObject, after: KubeObject, hasStatusSubresource: boolean): boolean {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  for (const k of keys) {
    if (k === 'metadata' || k === 'apiVersion' || k === 'kind') continue;
    if (k === 'status' && hasStatusSubresource) continue;
    if (!jsonEqual(before[k], after[k])) return true;
  }
  return false;
}

/** A deep copy through JSON, which is what every object in kubesim is. */
export function cloneObject<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
