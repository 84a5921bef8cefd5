import type { FileHandle } from 'node:fs/promises';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Spilled bodies are appended in batches of about this size: one write per MiB, not one per item. */
const BATCH_BYTES = 1024 * 1024;
/** In-memory bodies are packed into slabs of this size. */
const SLAB_BYTES = 1024 * 1024;
/**
 * Spilled bodies are read back a block of this size at a time: a restore reads items in about the order
 * the backup wrote them, so one read serves hundreds of items instead of one read (and one thread-pool
 * hop) each.
 */
const READ_BLOCK_BYTES = 1024 * 1024;
/** Blocks kept for reading; restores read several tiers' worth of items concurrently, roughly in order. */
const CACHED_BLOCKS = 4;
/** Bodies remembered to find the second copy of an item (the writer puts both copies side by side). */
const RECENT_BODIES = 4;

/**
 * Holds the bodies of tarball entries: in memory up to a byte budget, then appended to one temporary file,
 * so a restore of a large backup keeps its memory bounded. Read back by the slot `add` returned. `add` is
 * synchronous; a reader calls `written()` now and then (after each chunk of input) so spilled bodies reach
 * the file in batches and memory stays bounded.
 */
export class ItemSpool {
  readonly #memoryBudget: number;
  readonly #tempParent: string;
  readonly #memory: Buffer[] = [];
  #memoryBytes = 0;
  #slabUsed = 0;
  readonly #recent: { body: Buffer; slot: SpoolSlot }[] = [];
  #dir: string | undefined;
  #file: FileHandle | undefined;
  #fileBytes = 0;
  #written = 0;
  #batch: Buffer[] = [];
  #batchBytes = 0;
  /** Blocks of the file being read or read, by block number, oldest first. */
  readonly #blocks = new Map<number, Promise<Buffer>>();
  #closed = false;

  constructor(options: { memoryBytes: number; tempDir?: string }) {
    this.#memoryBudget = options.memoryBytes;
    this.#tempParent = options.tempDir ?? tmpdir();
  }

  /**
   * Stores a body; returns the slot to read it back with. Slots with `memoryIndex` -1 live in the file.
   * `body` may be a view of a larger buffer that the caller reuses after `written()` resolves.
   */
  add(body: Buffer): SpoolSlot {
    // Format 1.1.0 stores every object twice (legacy and preferred-version paths, same bytes): keep one copy.
    // Writers put the two copies next to each other, so comparing with the last few bodies finds them.
    for (const recent of this.#recent) {
      if (recent.body.length === body.length && recent.body.equals(body)) return recent.slot;
    }
    const slot = this.#store(body);
    this.#recent.push({ body, slot });
    if (this.#recent.length > RECENT_BODIES) this.#recent.shift();
    return slot;
  }

  /** Resolves once spilled bodies beyond the current batch are in the file. */
  async written(): Promise<void> {
    if (this.#batchBytes >= BATCH_BYTES) await this.#flushBatch();
  }

  /** Writes what is left and forgets the content index once everything is added (reads do not need it). */
  async seal(): Promise<void> {
    this.#recent.length = 0;
    await this.#flushBatch();
  }

  #store(body: Buffer): SpoolSlot {
    if (this.#memoryBytes + body.length <= this.#memoryBudget) return this.#addToMemory(body);
    const offset = this.#fileBytes;
    this.#fileBytes += body.length;
    // A copy: the caller's buffer may be reused before the batch is written.
    this.#batch.push(Buffer.from(body));
    this.#batchBytes += body.length;
    return { memoryIndex: -1, offset, length: body.length };
  }

  async #flushBatch(): Promise<void> {
    if (this.#batch.length === 0) return;
    const data = Buffer.concat(this.#batch, this.#batchBytes);
    const offset = this.#written;
    this.#batch = [];
    this.#batchBytes = 0;
    this.#written += data.length;
    const file = await this.#openFile();
    let done = 0;
    while (done < data.length) {
      const { bytesWritten } = await file.write(data, done, data.length - done, offset + done);
      done += bytesWritten;
    }
  }

  /**
   * Bodies in memory are copied into 1 MiB slabs: a slice of a parser's chunk would keep the whole chunk alive,
   * and one Buffer per item costs more than the item.
   */
  #addToMemory(body: Buffer): SpoolSlot {
    let slab = this.#memory.at(-1);
    if (!slab || this.#slabUsed + body.length > slab.length) {
      slab = Buffer.allocUnsafeSlow(Math.max(SLAB_BYTES, body.length));
      this.#memory.push(slab);
      this.#memoryBytes += slab.length;
      this.#slabUsed = 0;
    }
    body.copy(slab, this.#slabUsed);
    const slot = { memoryIndex: this.#memory.length - 1, offset: this.#slabUsed, length: body.length };
    this.#slabUsed += body.length;
    return slot;
  }

  /** The body of a slot; a view, valid until the spool is closed (callers parse it at once). */
  async read(slot: SpoolSlot): Promise<Buffer> {
    if (slot.memoryIndex >= 0) {
      const slab = this.#memory[slot.memoryIndex];
      return slab.subarray(slot.offset, slot.offset + slot.length);
    }
    if (!this.#file || slot.offset + slot.length > this.#written) throw new Error('spool file missing');
    const first = Math.floor(slot.offset / READ_BLOCK_BYTES);
    const last = Math.floor((slot.offset + slot.length - 1) / READ_BLOCK_BYTES);
    if (slot.length === 0 || first !== last) return this.#readAt(slot.offset, slot.length);
    const block = await this.#block(first);
    const start = slot.offset - first * READ_BLOCK_BYTES;
    return block.subarray(start, start + slot.length);
  }

  #block(number: number): Promise<Buffer> {
    let block = this.#blocks.get(number);
    if (block) {
      // Most recently used last.
      this.#blocks.delete(number);
      this.#blocks.set(number, block);
      return block;
    }
    const offset = number * READ_BLOCK_BYTES;
    block = this.#readAt(offset, Math.min(READ_BLOCK_BYTES, this.#written - offset));
    // A failed read is not kept: the next reader asks again.
    block.catch(() => this.#blocks.delete(number));
    this.#blocks.set(number, block);
    if (this.#blocks.size > CACHED_BLOCKS) {
      const oldest = this.#blocks.keys().next().value;
      if (oldest !== undefined) this.#blocks.delete(oldest);
    }
    return block;
  }

  async #readAt(offset: number, length: number): Promise<Buffer> {
    if (!this.#file) throw new Error('spool file missing');
    const buffer = Buffer.allocUnsafe(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.#file.read(buffer, done, length - done, offset + done);
      if (bytesRead === 0)
        throw new Error(`spool file ends at ${offset + done}, expected ${offset + length}`);
      done += bytesRead;
    }
    return buffer;
  }

  /** Bytes spilled to disk. */
  get fileBytes(): number {
    return this.#fileBytes;
  }

  /** Frees memory and removes the temporary file. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#memory.length = 0;
    this.#blocks.clear();
    this.#recent.length = 0;
    await this.#file?.close().catch(() => undefined);
    if (this.#dir) await rm(this.#dir, { recursive: true, force: true });
  }

  async #openFile(): Promise<FileHandle> {
    if (this.#file) return this.#file;
    this.#dir = await mkdtemp(join(this.#tempParent, 'lifeboat-restore-'));
    this.#file = await open(join(this.#dir, 'items'), 'w+', 0o600);
    return this.#file;
  }
}

export interface SpoolSlot {
  memoryIndex: number;
  offset: number;
  length: number;
}
