import { LifeboatError } from '../core/errors.ts';

/**
 * Key and prefix rules shared by every backend, so that a key accepted by one store is accepted by all and a
 * bucket written through one backend reads back through another.
 */

/**
 * Throws `Invalid` unless `key` is a usable object key: non-empty, relative (no leading `/`), `/`-separated
 * segments that are neither empty nor `.` / `..`, and no NUL or backslash (a backslash is a separator on some
 * file systems and would let an fs-backed key escape its directory there).
 */
export function validateKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0) throw invalid('object key must not be empty', key);
  if (key.startsWith('/')) throw invalid('object key must be relative (no leading "/")', key);
  if (key.endsWith('/')) throw invalid('object key must not end in "/"', key);
  checkSegments(key, key.split('/'));
}

/**
 * Throws `Invalid` unless `prefix` is usable as a list prefix: empty, or relative text whose complete
 * segments are valid key segments. A prefix may end in `/` or in the middle of a segment (`backups/ni`).
 */
export function validateListPrefix(prefix: string): void {
  if (typeof prefix !== 'string') throw invalid('list prefix must be a string', String(prefix));
  if (prefix.length === 0) return;
  if (prefix.startsWith('/')) throw invalid('list prefix must be relative (no leading "/")', prefix);
  const segments = prefix.split('/');
  // The last piece is a partial segment (or empty after a trailing `/`): only `..`/`.` are refused there.
  const last = segments.pop() ?? '';
  checkSegments(prefix, segments);
  if (last === '..' || last === '.')
    throw invalid('list prefix must not contain "." or ".." segments', prefix);
  checkCharacters(prefix);
}

/**
 * Normalizes a store's base prefix (from a BackupStorageLocation): trims surrounding `/`, validates what is
 * left as a key, and returns it with one trailing `/`, or `''` when there is no prefix.
 */
export function normalizeBasePrefix(prefix: string | undefined): string {
  const trimmed = (prefix ?? '').replace(/^\/+|\/+$/g, '');
  if (trimmed === '') return '';
  validateKey(trimmed);
  return `${trimmed}/`;
}

/**
 * Orders keys as S3 and Azure list them: by UTF-8 bytes, which is the order of Unicode code points (plain
 * `<` on JavaScript strings compares UTF-16 units and disagrees above U+FFFF).
 */
export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (U+D800–DFFF) encode code points above U+FFFF, which sort after U+E000–FFFF.
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys) return xs ? 1 : -1;
    return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

/**
 * S3's CommonPrefixes computed from keys (sorted or not): for each key under `prefix` that has `delimiter`
 * after the prefix, the text up to and including that delimiter; distinct, in key order.
 */
export function commonPrefixesOf(keys: Iterable<string>, prefix: string, delimiter: string): string[] {
  if (delimiter.length === 0) throw invalid('delimiter must not be empty', prefix);
  const found = new Set<string>();
  for (const key of keys) {
    if (!key.startsWith(prefix)) continue;
    const at = key.indexOf(delimiter, prefix.length);
    if (at >= 0) found.add(key.slice(0, at + delimiter.length));
  }
  return [...found].sort(compareKeys);
}

function checkSegments(whole: string, segments: string[]): void {
  for (const segment of segments) {
    if (segment === '') throw invalid('object key must not contain empty segments ("//")', whole);
    if (segment === '.' || segment === '..')
      throw invalid('object key must not contain "." or ".." segments', whole);
  }
  checkCharacters(whole);
}

function checkCharacters(whole: string): void {
  if (whole.includes('\0')) throw invalid('object key must not contain NUL', whole);
  if (whole.includes('\\')) throw invalid('object key must not contain "\\"', whole);
}

function invalid(message: string, key: string): LifeboatError {
  return new LifeboatError('Invalid', `${message}: ${JSON.stringify(key)}`, { field: 'key' });
}
