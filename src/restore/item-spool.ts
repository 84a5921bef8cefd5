import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Holds the bodies of tarball entries: in memory up to a byte budget, then appended to one temporary file,
 * so a restore of a large backup keeps its memory bounded. Read back by the slot `add` returned.
 */
const BATCH_BYTES = 1024 * 1024;
const SLAB_BYTES = 1024 * 1024;
const RECENT_DIGESTS = 256;

export class ItemSpool {
  readonly #memoryBudget: number;
  readonly #tempParent: string;
  readonly #memory: Buffer[] = [];
  #memoryBytes = 0;
  #slabUsed = 0;
  readonly #recent = new Map<string, SpoolSlot>();
  #dir: string | undefined;
  #file: FileHandle | undefined;
  #fileBytes = 0;
  #written = 0;
  #batch: Buffer[] = [];
  #batchBytes = 0;
  #closed = false;

  constructor(options: { memoryBytes: number; tempDir?: string }) {
    this.#memoryBudget = options.memoryBytes;
    this.#tempParent = options.tempDir ?? tmpdir();
  }

  /** Stores a body; returns the slot to read it back with. Slots with `memoryIndex` -1 live in the file. */
  async add(body: Buffer): Promise<SpoolSlot> {
    // Format 1.1.0 stores every object twice (legacy and preferred-version paths, same bytes): keep one copy.
    // Writers put the two copies next to each other, so a short memory of recent digests finds them.
    const digest = createHash('sha1').update(body).digest('base64');
    const known = this.#recent.get(digest);
    if (known && known.length === body.length) return known;
    const slot = await this.#store(body);
    this.#recent.set(digest, slot);
    if (this.#recent.size > RECENT_DIGESTS) {
      const oldest = this.#recent.keys().next().value;
      if (oldest !== undefined) this.#recent.delete(oldest);
    }
    return slot;
  }

  /** Forgets the content index once everything is added (reads do not need it). */
  async seal(): Promise<void> {
    this.#recent.clear();
    await this.#flushBatch();
  }

  async #store(body: Buffer): Promise<SpoolSlot> {
    if (this.#memoryBytes + body.length <= this.#memoryBudget) return this.#addToMemory(body);
    // Spilled bodies are appended in batches: one write per MiB, not one per item.
    const offset = this.#fileBytes;
    this.#fileBytes += body.length;
    this.#batch.push(body);
    this.#batchBytes += body.length;
    if (this.#batchBytes >= BATCH_BYTES) await this.#flushBatch();
    return { memoryIndex: -1, offset, length: body.length };
  }

  async #flushBatch(): Promise<void> {
    if (this.#batch.length === 0) return;
    const data = Buffer.concat(this.#batch);
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

  async read(slot: SpoolSlot): Promise<Buffer> {
    if (slot.memoryIndex >= 0) {
      const slab = this.#memory[slot.memoryIndex];
      return slab.subarray(slot.offset, slot.offset + slot.length);
    }
    if (!this.#file) throw new Error('spool file missing');
    const buffer = Buffer.allocUnsafe(slot.length);
    let done = 0;
    while (done < slot.length) {
      const { bytesRead } = await this.#file.read(buffer, done, slot.length - done, slot.offset + done);
      if (bytesRead === 0) break;
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
