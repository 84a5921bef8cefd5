import { pipeline, type Readable, Transform, type TransformCallback } from 'node:stream';
import { createGzip } from 'node:zlib';
import { type Pack, pack } from 'tar-stream';
import { LifeboatError } from '../core/errors.ts';
import {
  BACKUP_FORMAT_VERSION,
  FORMAT_VERSION_ENTRY,
  type ItemPathParts,
  itemPath,
} from '../storage/tarball-paths.ts';

/**
 * zlib level for the tarball. Go's default (6) made gzip the bottleneck on a 2-core machine with 100,000
 * small objects; level 1 was slower still overall (more bytes to upload); 3 measured fastest end to end.
 */
export const DEFAULT_GZIP_LEVEL = 3;

/** tar-stream emits a chunk per header and per body; zlib pays a thread hop per chunk, so they are gathered first. */
const COALESCE_BYTES = 256 * 1024;

/** Velero writes every entry with mode 0755 (reference §2). */
const ENTRY_MODE = 0o755;

export interface TarballWriterOptions {
  /** Modification time of every entry (the backup's start). */
  mtime: Date;
  gzipLevel?: number;
}

/**
 * Streams a backup tarball (format 1.1.0): `metadata/version` first, then each item at its legacy path and
 * its `<version>-preferredversion` path, regular files only. Writes are synchronous and queue inside the
 * tar packer; callers bound memory by awaiting `flushed()` every so often (after a page of items), so
 * nothing waits per item. `output` is the gzip stream to hand to `store.put`.
 */
export class TarballWriter {
  readonly output: Readable;
  readonly #pack: Pack;
  readonly #mtime: Date;
  #queued = 0;
  #done = 0;
  #failure: Error | undefined;
  #waiters: Waiter[] = [];
  #items = 0;
  readonly #onEntry = (err?: Error | null): void => {
    if (err) this.#fail(err);
    this.#done++;
    this.#wake();
  };

  constructor(options: TarballWriterOptions) {
    this.#mtime = options.mtime;
    this.#pack = pack();
    const gzip = createGzip({ level: options.gzipLevel ?? DEFAULT_GZIP_LEVEL });
    this.output = gzip;
    pipeline(this.#pack as unknown as Readable, coalescer(), gzip, (err) => {
      if (err) this.#fail(err);
    });
    this.#entry(FORMAT_VERSION_ENTRY, Buffer.from(`${BACKUP_FORMAT_VERSION}\n`));
  }

  /** Items written so far. */
  get items(): number {
    return this.#items;
  }

  /**
   * Queues one item's JSON at the legacy path and at the preferred-version path (the engine lists every
   * resource at its preferred version, so both copies always exist, as Velero writes them).
   */
  writeItem(parts: Omit<ItemPathParts, 'version' | 'preferred'> & { version: string }, json: Buffer): void {
    if (this.#failure) throw this.#failure;
    const { version, ...rest } = parts;
    this.#entry(itemPath(rest), json);
    this.#entry(itemPath({ ...rest, version, preferred: true }), json);
    this.#items++;
  }

  /** Resolves once everything queued so far has gone into the tar stream; rejects if the stream failed. */
  flushed(): Promise<void> {
    if (this.#failure) return Promise.reject(this.#failure);
    const target = this.#queued;
    if (this.#done >= target) return Promise.resolve();
    return new Promise((resolve, reject) => this.#waiters.push({ target, resolve, reject }));
  }

  /** Ends the archive; `output` ends once gzip has flushed. */
  async finish(): Promise<void> {
    await this.flushed();
    this.#pack.finalize();
  }

  /** Stops the stream (the upload consuming `output` then fails). */
  abort(reason: Error): void {
    this.#fail(reason);
    this.#pack.destroy(reason);
    this.output.destroy(reason);
  }

  #entry(name: string, body: Buffer): void {
    this.#queued++;
    this.#pack.entry(
      { name, size: body.length, mode: ENTRY_MODE, mtime: this.#mtime, type: 'file' },
      body,
      this.#onEntry,
    );
  }

  #fail(err: Error): void {
    if (this.#failure) return;
    this.#failure =
      err instanceof LifeboatError
        ? err
        : new LifeboatError('Unavailable', `writing the tarball failed: ${err.message}`, { cause: err });
    for (const w of this.#waiters.splice(0)) w.reject(this.#failure);
  }

  #wake(): void {
    if (this.#waiters.length === 0) return;
    const still: Waiter[] = [];
    for (const w of this.#waiters) {
      if (this.#done >= w.target) w.resolve();
      else still.push(w);
    }
    this.#waiters = still;
  }
}

interface Waiter {
  target: number;
  resolve: () => void;
  reject: (err: Error) => void;
}

function coalescer(): Transform {
  let parts: Buffer[] = [];
  let size = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      parts.push(chunk);
      size += chunk.length;
      if (size >= COALESCE_BYTES) {
        this.push(parts.length === 1 ? parts[0] : Buffer.concat(parts, size));
        parts = [];
        size = 0;
      }
      callback();
    },
    flush(callback: TransformCallback) {
      if (size > 0) this.push(Buffer.concat(parts, size));
      callback();
    },
  });
}
