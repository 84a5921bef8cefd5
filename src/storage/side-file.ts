import { gunzipSync } from 'node:zlib';
import type { ObjectStore } from './object-store.ts';

/**
 * A backup's gzip JSON side file that holds a list (volume info, pod volume backups): its entries, or none
 * when the object is absent (older backups) or holds no list (`null`). Other failures are thrown for the
 * caller to report in its own terms.
 */
export async function readSideFileList<T>(store: ObjectStore, key: string): Promise<T[]> {
  if (!(await store.exists(key))) return [];
  const value = JSON.parse(gunzipSync(await store.getBuffer(key)).toString('utf8')) as unknown;
  return Array.isArray(value) ? (value as T[]) : [];
}
