import { createHash, type Hash } from 'node:crypto';
import { Readable } from 'node:stream';
import { isLifeboatError, LifeboatError } from '../../core/errors.ts';
import { compressAlways } from '../blobs/compression.ts';
import { encodeIndexFile, INDEX_MAX_BLOBS, type PackContents } from '../format/index.ts';
import { type BlobType, encodePackHeader, type PackedBlob } from '../format/pack.ts';
import { fileKey } from './layout.ts';
import type { Repository } from './repository.ts';

export interface BlobSaverOptions {
  /**
   * Packs uploading at once; `add` waits when this many are in flight (default 4). An upload mostly waits on
   * the device or the network (direct writes and fsync on the fs store, round trips on S3): with only two in
   * flight, chunk workers waited on the saver for a fifth of a backup's time.
   */
  uploadConcurrency?: number;
  /** Blobs per index file (default restic's 50,000). */
  indexMaxBlobs?: number;
  /** Attempts per pack upload for retryable store errors (default 3). */
  uploadAttempts?: number;
  /**
   * Index files wait for this (a lock's confirmation): packs may be uploaded before it settles, since
   * nothing refers to them until an index does.
   */
  commitAfter?: Promise<unknown>;
}

export interface BlobSaverStats {
  packs: number;
  dataBlobs: number;
  treeBlobs: number;
  /** Bytes of packs written (sealed blobs and headers). */
  packBytes: number;
  /** Plaintext bytes of the new blobs. */
  plainBytes: number;
  indexFiles: number;
}

interface OpenPack {
  blobs: PackedBlob[];
  parts: Buffer[];
  size: number;
  hash: Hash;
}

/**
 * Assembles sealed blobs into packs (data and trees in separate packs, as restic keeps them), uploads each pack
 * under the SHA-256 of its bytes, and only after a pack's upload has succeeded lists it in an index file. So an
 * upload that dies half-way leaves at most an unreferenced pack (prune's to collect), never an index entry that
 * points at missing data. Memory: one open pack per type plus `uploadConcurrency` packs in flight.
 */
export class BlobSaver {
  readonly repo: Repository;
  readonly stats: BlobSaverStats = {
    packs: 0,
    dataBlobs: 0,
    treeBlobs: 0,
    packBytes: 0,
    plainBytes: 0,
    indexFiles: 0,
  };
  readonly #open: Record<BlobType, OpenPack | undefined> = { data: undefined, tree: undefined };
  readonly #pending: Record<BlobType, Set<string>> = { data: new Set(), tree: new Set() };
  readonly #uploads = new Set<Promise<void>>();
  readonly #indexQueue: PackContents[] = [];
  #indexQueueBlobs = 0;
  readonly #concurrency: number;
  readonly #indexMaxBlobs: number;
  readonly #attempts: number;
  readonly #commitAfter: Promise<unknown> | undefined;
  #failure: unknown;
  #capacityWaiters: Array<() => void> = [];

  constructor(repo: Repository, options: BlobSaverOptions = {}) {
    this.repo = repo;
    this.#concurrency = options.uploadConcurrency ?? 4;
    this.#indexMaxBlobs = options.indexMaxBlobs ?? INDEX_MAX_BLOBS;
    this.#attempts = options.uploadAttempts ?? 3;
    this.#commitAfter = options.commitAfter;
  }

  /** Whether the repository has the blob, or this saver is already storing it. */
  isKnown(type: BlobType, id: string): boolean {
    return this.#pending[type].has(id) || this.repo.index.has(type, id);
  }

  /** Claims a blob for storing: true when the caller must `add` it, false when it is known already. */
  claim(type: BlobType, id: string): boolean {
    if (this.isKnown(type, id)) return false;
    this.#pending[type].add(id);
    return true;
  }

  /** Resolves when fewer than the allowed packs are uploading (backpressure for producers). */
  async waitForCapacity(): Promise<void> {
    this.#throwIfFailed();
    while (this.#uploads.size >= this.#concurrency) {
      await new Promise<void>((resolve) => this.#capacityWaiters.push(resolve));
      this.#throwIfFailed();
    }
  }

  /**
   * Adds a claimed, already sealed blob (`IV ‖ ciphertext ‖ MAC`). `uncompressedLength` marks a compressed blob.
   */
  add(type: BlobType, id: string, sealed: Buffer, plainLength: number, uncompressedLength?: number): void {
    this.#throwIfFailed();
    let pack = this.#open[type];
    if (!pack) {
      pack = { blobs: [], parts: [], size: 0, hash: createHash('sha256') };
      this.#open[type] = pack;
    }
    const blob: PackedBlob = { type, id, offset: pack.size, length: sealed.length };
    if (uncompressedLength !== undefined) blob.uncompressedLength = uncompressedLength;
    pack.blobs.push(blob);
    pack.parts.push(sealed);
    pack.hash.update(sealed);
    pack.size += sealed.length;
    this.stats.plainBytes += plainLength;
    if (type === 'data') this.stats.dataBlobs++;
    else this.stats.treeBlobs++;
    if (pack.size >= this.repo.packSize) this.#finishPack(type);
  }

  /**
   * Uploads a pack finished elsewhere (a chunk worker's), whose blobs the caller claimed. Counts towards the
   * uploads in flight like the saver's own packs, and is indexed after its upload like them. Resolves when the
   * upload is over, either way (a failure surfaces from the saver's next call, as for its own packs), after
   * which the saver holds no reference to `bytes`.
   */
  addPack(
    type: BlobType,
    packId: string,
    bytes: Buffer,
    blobs: PackedBlob[],
    plainBytes: number,
  ): Promise<void> {
    this.#throwIfFailed();
    this.stats.plainBytes += plainBytes;
    if (type === 'data') this.stats.dataBlobs += blobs.length;
    else this.stats.treeBlobs += blobs.length;
    return this.#startUpload(packId, bytes, blobs);
  }

  /** Hashes, compresses (always, in v2), seals and stores a tree blob; returns its id. */
  saveTree(plain: Buffer): string {
    const id = createHash('sha256').update(plain).digest('hex');
    if (!this.claim('tree', id)) return id;
    if (this.repo.config.version >= 2) {
      this.add('tree', id, this.repo.key.seal(compressAlways(plain)), plain.length, plain.length);
    } else {
      this.add('tree', id, this.repo.key.seal(plain), plain.length);
    }
    return id;
  }

  /** Seals and stores a data blob from plaintext on this thread (small callers; bulk data uses workers). */
  saveData(plain: Buffer, sealed?: { bytes: Buffer; uncompressedLength?: number }): string {
    const id = createHash('sha256').update(plain).digest('hex');
    if (!this.claim('data', id)) return id;
    const s = sealed ?? { bytes: this.repo.key.seal(plain) };
    this.add('data', id, s.bytes, plain.length, s.uncompressedLength);
    return id;
  }

  /** Writes the open packs, waits for every upload, then writes index files for all of them. */
  async flush(): Promise<string[]> {
    this.#finishPack('data');
    this.#finishPack('tree');
    while (this.#uploads.size > 0) await Promise.race(this.#uploads);
    this.#throwIfFailed();
    return this.#writeIndex(true);
  }

  /**
   * Gives the saver up for good (a failed or cancelled backup): the open packs are dropped and nothing more
   * is accepted (every later call throws `reason`). Resolves once the uploads in flight are over and the packs
   * whose upload succeeded are listed in an index file (after `commitAfter`; not at all when that rejects or
   * the write fails, which leaves them to prune as unreferenced packs), so a later backup reuses their data
   * instead of uploading it again, and prune finds it unused until then. Afterwards nothing of this saver
   * writes to the repository: the caller may release its lock. Never rejects; not to be called while `flush`
   * runs.
   */
  async abandon(reason: unknown): Promise<void> {
    this.#failure ??= reason;
    this.#open.data = undefined;
    this.#open.tree = undefined;
    while (this.#uploads.size > 0) await Promise.allSettled([...this.#uploads]);
    try {
      await this.#writeIndex(true);
    } catch {
      // The lock was refused, or the store failed: the packs stay unreferenced, which prune handles.
    }
  }

  #finishPack(type: BlobType): void {
    const pack = this.#open[type];
    if (!pack || pack.blobs.length === 0) return;
    this.#open[type] = undefined;
    const header = encodePackHeader(pack.blobs, this.repo.key);
    pack.hash.update(header);
    pack.parts.push(header);
    void this.#startUpload(pack.hash.digest('hex'), pack.parts, pack.blobs);
  }

  #startUpload(packId: string, body: Buffer | Buffer[], blobs: PackedBlob[]): Promise<void> {
    const upload = this.#upload(packId, body, blobs).finally(() => {
      this.#uploads.delete(upload);
      const waiters = this.#capacityWaiters;
      this.#capacityWaiters = [];
      for (const w of waiters) w();
    });
    this.#uploads.add(upload);
    return upload;
  }

  async #upload(packId: string, body: Buffer | Buffer[], blobs: PackedBlob[]): Promise<void> {
    const size = Array.isArray(body) ? body.reduce((n, b) => n + b.length, 0) : body.length;
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          // Parts are streamed: no second 16 MiB copy of the pack per upload.
          const stream = Array.isArray(body) ? Readable.from(body, { objectMode: false }) : body;
          await this.repo.store.put(fileKey('data', packId), stream, { contentLength: size });
          break;
        } catch (err) {
          if (attempt >= this.#attempts || !isLifeboatError(err) || !err.retryable) throw err;
          await new Promise((r) => setTimeout(r, 200 * attempt));
        }
      }
      this.stats.packs++;
      this.stats.packBytes += size;
      if (Array.isArray(body)) body.length = 0;
      this.#indexQueue.push({ packId, blobs });
      this.#indexQueueBlobs += blobs.length;
      if (this.#indexQueueBlobs >= this.#indexMaxBlobs) await this.#writeIndex(false);
    } catch (err) {
      this.#failure ??= err;
    }
  }

  async #writeIndex(all: boolean): Promise<string[]> {
    const ids: string[] = [];
    if (this.#commitAfter) await this.#commitAfter;
    while (this.#indexQueue.length > 0 && (all || this.#indexQueueBlobs >= this.#indexMaxBlobs)) {
      const batch: PackContents[] = [];
      let n = 0;
      while (this.#indexQueue.length > 0 && n < this.#indexMaxBlobs) {
        const p = this.#indexQueue.shift() as PackContents;
        batch.push(p);
        n += p.blobs.length;
      }
      this.#indexQueueBlobs -= n;
      const id = await this.repo.saveUnpacked('index', encodeIndexFile(batch));
      this.repo.noteIndexFile(id, batch);
      for (const p of batch) for (const b of p.blobs) this.#pending[b.type].delete(b.id);
      this.stats.indexFiles++;
      ids.push(id);
    }
    return ids;
  }

  #throwIfFailed(): void {
    if (this.#failure !== undefined) {
      const err = this.#failure;
      if (err instanceof LifeboatError) throw err;
      throw new LifeboatError('Unavailable', `pack upload failed: ${(err as Error)?.message ?? err}`, {
        cause: err,
      });
    }
  }
}
