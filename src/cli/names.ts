import { createHash, randomBytes } from 'node:crypto';

const pad = (n: number) => String(n).padStart(2, '0');

/** `<base>-YYYYMMDDhhmmss` in UTC, Velero's default name for restores and backups from a schedule. */
export function timestampedName(base: string, now: Date): string {
  const stamp = `${now.getUTCFullYear()}${pad(now.getUTCMonth() + 1)}${pad(now.getUTCDate())}${pad(now.getUTCHours())}${pad(now.getUTCMinutes())}${pad(now.getUTCSeconds())}`;
  return `${truncate(base, 253 - stamp.length - 1)}-${stamp}`;
}

/** `<base>-<8 random hex>`: a fresh name for request objects (DownloadRequest, DeleteBackupRequest). */
export function requestName(base: string): string {
  return `${truncate(base, 253 - 9)}-${randomBytes(4).toString('hex')}`;
}

/**
 * A label value for a name that may be longer than 63 characters: kept when it fits, else cut and ended with
 * a short hash of the whole, so distinct names stay distinct (Velero's `label.GetValidName`).
 */
export function labelValue(name: string): string {
  if (name.length <= 63) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 6);
  return `${name.slice(0, 56).replace(/[-._]+$/, '')}-${hash}`;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : text.slice(0, max).replace(/[-.]+$/, '');
}
