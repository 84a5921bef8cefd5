import type { Readable } from 'node:stream';

/**
 * The ObjectStore port: everything Lifeboat keeps (backup tarballs, metadata, logs, volume repositories) goes
 * through it, to a bucket and optional prefix fixed when the store is built. The shape follows Velero's
 * ObjectStore plugin interface (put, get, exists, list, delete, signed URL) plus the range reads and
 * conditional writes the volume repository needs. Backends: fs (a local directory), s3, azure.
 *
 * Contract every backend meets (checked by the shared conformance suite):
 * - Keys are `/`-separated, never start with `/`, never contain `..` segments.
 * - A `put` is atomic: readers see the old object, or the whole new one, never a partial one.
 * - Missing objects make `get`, `getRange` and `stat` throw a LifeboatError with code `NotFound`.
 * - `delete` of a missing key succeeds (idempotent).
 * - `list` yields every key under the prefix exactly once, in lexicographic order.
 * - Transient failures throw with `retryable: true`; anything else is permanent.
 */
export interface ObjectInfo {
  key: string;
  size: number;
  lastModified: Date;
}

export interface PutOptions {
  /** Fail with `AlreadyExists` instead of overwriting (create-if-absent; used for locks and config). */
  ifNoneMatch?: boolean;
  /** Byte length of a streamed body, when known; lets backends skip multipart for small bodies. */
  contentLength?: number;
  contentType?: string;
}

export interface ObjectStore {
  /** `fs`, `aws`, `azure`, …: the provider name as a BackupStorageLocation spells it. */
  readonly provider: string;
  put(key: string, body: Buffer | Uint8Array | string | Readable, options?: PutOptions): Promise<void>;
  get(key: string): Promise<Readable>;
  /** The whole object in memory: for small objects only (metadata, index files, keys). */
  getBuffer(key: string): Promise<Buffer>;
  /** `length` bytes from `offset`; fewer only when the object ends first. */
  getRange(key: string, offset: number, length: number): Promise<Buffer>;
  stat(key: string): Promise<ObjectInfo>;
  exists(key: string): Promise<boolean>;
  list(prefix: string): AsyncIterable<ObjectInfo>;
  /** The distinct next-level "directories" under `prefix`, each ending in `delimiter`, as S3's CommonPrefixes. */
  listCommonPrefixes(prefix: string, delimiter?: string): Promise<string[]>;
  delete(key: string): Promise<void>;
  /** A URL that lets its holder GET the object for `ttlMs` without credentials. */
  signedUrl(key: string, ttlMs: number): Promise<string>;
  /** Releases connections and other resources; the store is not used afterwards. Absent when there are none. */
  close?(): Promise<void>;
}
