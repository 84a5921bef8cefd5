import { createHash } from 'node:crypto';

const hex = (text: string, length: number): string =>
  createHash('sha256').update(text).digest('hex').slice(0, length);

/** A label value as Velero shortens it: over 63 characters, the first 57 and 6 hex of its SHA-256. */
export function labelValue(value: string): string {
  return value.length <= 63 ? value : `${value.slice(0, 57)}${hex(value, 6)}`;
}

/**
 * A DNS-1123 object name `<prefix>-<base>-<hash>` of at most 63 characters, the hash (8 hex of `unique`)
 * keeping names from one run distinct and stable across retries of that run.
 */
export function objectName(prefix: string, base: string, unique: string): string {
  const suffix = hex(unique, 8);
  const room = 63 - prefix.length - suffix.length - 2;
  const middle = base
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .slice(0, Math.max(0, room))
    .replace(/-+$/, '');
  return middle ? `${prefix}-${middle}-${suffix}` : `${prefix}-${suffix}`;
}
