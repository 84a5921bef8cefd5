import { createHash } from 'node:crypto';

/** A label value as Velero shortens it: over 63 characters, the first 57 and 6 hex of its SHA-256. */
export function labelValue(value: string): string {
  return value.length <= 63
    ? value
    : `${value.slice(0, 57)}${createHash('sha256').update(value).digest('hex').slice(0, 6)}`;
}
