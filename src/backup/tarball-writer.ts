import type { Readable } from 'node:stream';
import { createGzip, type Gzip } from 'node:zlib';
import { LifeboatError } from '../core/errors.ts';
import {
  BACKUP_FORMAT_VERSION,
  FORMAT_VERSION_ENTRY,
  type ItemPathParts,
  itemPath,
} from '../storage/tarball-paths.ts';
import { END_OF_ARCHIVE, EntryDir, fileHeader, padding, UstarHeaderWriter } from './tar-encoder.ts';

/**
 * zlib level of the tarball. Velero uses Go's default (6); on tar streams of ConfigMap-like objects level 6
 * cost 2.7× the CPU of level 3 for output 17 % smaller, and level 1 was no cheaper than 3 but 9 % larger.
 * On two cores shared with the API server, CPU is what bounds a backup.
 */
export const DEFAULT_GZIP_LEVEL = 3;

/**
 * Entries are gathered into chunks of about this size before gzip, and gzip's output buffer is
 * `GZIP_OUTPUT_BYTES`. zlib's stream compresses one input chunk, or one output buffer's worth, per round trip
 * through the thread pool, and each trip waits for a turn of the main thread's event loop, which the lists
 * keep busy. With 256 KiB chunks and zlib's 16 KiB output buffer, gzip advanced ~256 KiB per turn, fell
 * behind, and the backpressure below stopped the lists until it drained: 75 stalls (~2.4 s of a 3.8 s backup
 * of 100,000 objects). With 4 MiB chunks and 256 KiB of output per trip the same backup took 2.3 s.
 */
const CHUNK_BYTES = 4 * 1024 * 1024;
const GZIP_OUTPUT_BYTES = 256 * 1024;

/**
 * How much uncompressed tar may wait for gzip before writers are held back. Waiting at gzip's own 16 KiB
 * mark made every page of items wait until gzip had compressed all of it, so serializing and compressing
 * took turns instead of overlapping.
 */
const GZIP_BUFFER_BYTES = 8 * 1024 * 1024;

interface ItemDirs {
  legacy: EntryDir;
  preferred: EntryDir;
}

/** `resources/configmaps/namespaces/shop/` from the path of an item named `''` (`…/shop/.json`). */
function dirOf(emptyNamePath: string): string {
  return emptyNamePath.slice(0, -'.json'.length);
}

/** Velero writes every entry with mode 0755 (reference §2). */
const ENTRY_MODE = 0o755;

const BLOCK = 512;

export interface TarballWriterOptions {
  /** Modification time of every entry (the backup's start). */
  mtime: Date;
  gzipLevel?: number;
}

/**
 * Streams a backup tarball (format 1.1.0): `metadata/version` first, then each item at its legacy path and
 * its `<version>-preferredversion` path, regular files only. Writes are synchronous; callers bound memory by
 * awaiting `flushed()` now and then (after a page of items), so nothing waits per item. `output` is the
 * gzip stream to hand to `store.put`.
 */
export class TarballWriter {
  readonly #gzip: Gzip;
  readonly #mtimeSeconds: number;
  readonly #headers: UstarHeaderWriter;
  /** The chunk being filled (not zeroed: every byte up to `#used` is written, padding included) and its used length. */
  #chunk: Buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  #used = 0;
  #items = 0;
  #failure: Error | undefined;
  #drainWaiters: { resolve: () => void; reject: (err: Error) => void }[] = [];
  /** Entry directories by resource, then namespace (`''` for cluster-scoped); null where they are not ASCII. */
  readonly #dirCache = new Map<string, { version: string; byNamespace: Map<string, ItemDirs | null> }>();

  constructor(options: TarballWriterOptions) {
    this.#mtimeSeconds = Math.floor(options.mtime.getTime() / 1000);
    this.#headers = new UstarHeaderWriter(ENTRY_MODE, this.#mtimeSeconds);
    this.#gzip = createGzip({ level: options.gzipLevel ?? DEFAULT_GZIP_LEVEL, chunkSize: GZIP_OUTPUT_BYTES });
    this.#gzip.on('drain', () => this.#wake());
    this.#gzip.on('error', (err) => this.#fail(err));
    this.#gzip.on('close', () => {
      if (!this.#gzip.writableFinished) this.#fail(new Error('tarball stream closed early'));
    });
    this.#entry(FORMAT_VERSION_ENTRY, Buffer.from(`${BACKUP_FORMAT_VERSION}\n`));
  }

  /** The gzip stream of the archive. */
  get output(): Readable {
    return this.#gzip;
  }

  /** Items written so far. */
  get items(): number {
    return this.#items;
  }

  /**
   * Writes one item's JSON at the legacy path and at the preferred-version path (the engine reads every
   * resource at its preferred version, so both copies always exist, as Velero writes them). The JSON (text,
   * or bytes `[start, end)` of a buffer, as the API server sent them) is put straight into the chunk once and
   * copied for the second entry.
   */
  writeItem(
    parts: Omit<ItemPathParts, 'version' | 'preferred'> & { version: string },
    json: string | Buffer,
    start = 0,
    end = json.length,
  ): void {
    if (this.#failure) throw this.#failure;
    const size = typeof json === 'string' ? Buffer.byteLength(json) : end - start;
    const blocks = BLOCK + size + padding(size).length;
    this.#reserve(2 * blocks);
    const at = this.#used;
    const chunk = this.#chunk;
    if (!this.#writeHeaders(parts, at, blocks, size)) {
      // A name too long for ustar: pax headers follow.
      const body = typeof json === 'string' ? Buffer.from(json) : json.subarray(start, end);
      const { version, ...rest } = parts;
      this.#entry(itemPath(rest), body);
      this.#entry(itemPath({ ...rest, version, preferred: true }), body);
    } else {
      const bodyAt = at + BLOCK;
      if (typeof json === 'string') chunk.write(json, bodyAt, size, 'utf8');
      else chunk.set(json.subarray(start, end), bodyAt);
      // Chunks are not zeroed when allocated: the padding is.
      chunk.fill(0, bodyAt + size, at + blocks);
      chunk.copyWithin(at + blocks + BLOCK, bodyAt, at + blocks);
      this.#used += 2 * blocks;
    }
    this.#items++;
    if (this.#used >= CHUNK_BYTES) this.#emit();
  }

  /**
   * Both headers of an item in place (legacy at `at`, preferred-version one entry later); false, leaving the
   * chunk as it was, when a name needs pax. Directories come from the cache, so the paths are never built.
   */
  #writeHeaders(
    parts: Omit<ItemPathParts, 'version' | 'preferred'> & { version: string },
    at: number,
    blocks: number,
    size: number,
  ): boolean {
    const dirs = this.#dirs(parts);
    const chunk = this.#chunk;
    if (dirs) {
      if (
        this.#headers.writeInDir(chunk, at, dirs.legacy, parts.name, size) &&
        this.#headers.writeInDir(chunk, at + blocks, dirs.preferred, parts.name, size)
      )
        return true;
    } else {
      const { version, ...rest } = parts;
      if (
        this.#headers.write(chunk, at, itemPath(rest), size) &&
        this.#headers.write(chunk, at + blocks, itemPath({ ...rest, version, preferred: true }), size)
      )
        return true;
    }
    chunk.fill(0, at, at + 2 * blocks);
    return false;
  }

  /** The two directories of a resource's items in one namespace (or cluster-scoped), encoded once. */
  #dirs(parts: { groupResource: string; version: string; namespace?: string }): ItemDirs | undefined {
    let byResource = this.#dirCache.get(parts.groupResource);
    if (!byResource || byResource.version !== parts.version) {
      byResource = { version: parts.version, byNamespace: new Map() };
      this.#dirCache.set(parts.groupResource, byResource);
    }
    const key = parts.namespace ?? '';
    let dirs = byResource.byNamespace.get(key);
    if (dirs === undefined) {
      const base = { groupResource: parts.groupResource, namespace: parts.namespace, name: '' };
      const legacy = dirOf(itemPath(base));
      const preferred = dirOf(itemPath({ ...base, version: parts.version, preferred: true }));
      dirs =
        EntryDir.accepts(legacy) && EntryDir.accepts(preferred)
          ? { legacy: new EntryDir(legacy), preferred: new EntryDir(preferred) }
          : null;
      byResource.byNamespace.set(key, dirs);
    }
    return dirs ?? undefined;
  }

  /** Resolves at once while gzip has less than 8 MiB waiting, else when it has caught up; rejects if the stream failed. */
  flushed(): Promise<void> {
    if (this.#failure) return Promise.reject(this.#failure);
    // 'drain' follows any write past gzip's 16 KiB mark, once everything buffered is consumed.
    if (this.#gzip.writableLength < GZIP_BUFFER_BYTES || !this.#gzip.writableNeedDrain)
      return Promise.resolve();
    return new Promise((resolve, reject) => this.#drainWaiters.push({ resolve, reject }));
  }

  /** Ends the archive; `output` ends once gzip has flushed. */
  async finish(): Promise<void> {
    if (this.#failure) throw this.#failure;
    this.#push(END_OF_ARCHIVE);
    this.#emit();
    this.#gzip.end();
  }

  /** Stops the stream (the upload reading `output` then fails). */
  abort(reason: Error): void {
    this.#fail(reason);
    this.#gzip.destroy(reason);
  }

  /** An entry from a buffer, with any header form (pax for long names). */
  #entry(name: string, body: Buffer): void {
    this.#push(fileHeader({ name, size: body.length, mode: ENTRY_MODE, mtimeSeconds: this.#mtimeSeconds }));
    this.#push(body);
    this.#push(padding(body.length));
  }

  #push(buffer: Buffer): void {
    this.#reserve(buffer.length);
    buffer.copy(this.#chunk, this.#used);
    this.#used += buffer.length;
  }

  /** Makes room for `bytes` more in the chunk, sending the current one on when it cannot hold them. */
  #reserve(bytes: number): void {
    if (this.#used + bytes <= this.#chunk.length) return;
    this.#emit();
    if (bytes > this.#chunk.length) this.#chunk = Buffer.allocUnsafe(bytes);
  }

  #emit(): void {
    if (this.#used === 0) return;
    const full = this.#chunk.subarray(0, this.#used);
    this.#chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    this.#used = 0;
    this.#gzip.write(full);
  }

  #fail(err: Error): void {
    if (this.#failure) return;
    this.#failure =
      err instanceof LifeboatError
        ? err
        : new LifeboatError('Unavailable', `writing the tarball failed: ${err.message}`, { cause: err });
    for (const w of this.#drainWaiters.splice(0)) w.reject(this.#failure);
  }

  #wake(): void {
    for (const w of this.#drainWaiters.splice(0)) w.resolve();
  }
}
