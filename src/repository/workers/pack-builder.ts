import { createHash } from 'node:crypto';
import { CRYPTO_OVERHEAD, type CryptoKey } from '../crypto/crypto-key.ts';
import {
  type BlobType,
  COMPRESSED_ENTRY_SIZE,
  encodePackHeader,
  entrySize,
  HEADER_OVERHEAD,
  type PackedBlob,
} from '../format/pack.ts';

/** A finished pack: its bytes (a view of `buffer`, which the caller hands on whole) and its blobs. */
export interface BuiltPack {
  packId: string;
  bytes: Uint8Array;
  buffer: ArrayBuffer;
  blobs: PackedBlob[];
  plainBytes: number;
}

/**
 * Seals blobs straight into one pack buffer (no copy per blob, no list of parts) and finishes the pack once
 * its blobs and header reach `packSize` bytes: header sealed and appended in the same buffer (which always
 * has room for it), pack named by the SHA-256 of its bytes. Finished
 * buffers leave with the pack and `recycle` takes them back after upload. At most `maxBuffers` buffers exist
 * (the open one and those uploading): `ready` waits for one to come back, so memory is bounded by design and
 * never waits for the garbage collector.
 */
export class PackBuilder {
  readonly #key: CryptoKey;
  readonly #type: BlobType;
  readonly #packSize: number;
  readonly #capacity: number;
  readonly #maxBuffers: number;
  readonly #free: ArrayBuffer[] = [];
  /** Buffers in existence: the open one, the free ones, and those out with their packs. */
  #allocated = 0;
  #waiter: (() => void) | undefined;
  #canceled = false;
  #buf: Buffer | undefined;
  #used = 0;
  /** Size of the header the open pack's blobs need. */
  #headerBytes = HEADER_OVERHEAD;
  #plain = 0;
  #blobs: PackedBlob[] = [];

  /**
   * `maxBlob`: the largest plaintext blob that will be added (the buffer has room for one past `packSize`).
   * `maxBuffers` (default 3): the open pack and two uploading, so a worker keeps sealing while its last pack
   * is still being written.
   */
  constructor(key: CryptoKey, type: BlobType, packSize: number, maxBlob: number, maxBuffers = 3) {
    this.#key = key;
    this.#maxBuffers = Math.max(1, maxBuffers);
    this.#type = type;
    this.#packSize = packSize;
    // The pack closes once blobs and header reach packSize, so one more blob and its header entry always fit.
    this.#capacity = packSize + maxBlob + CRYPTO_OVERHEAD + COMPRESSED_ENTRY_SIZE;
  }

  /** Blobs in the open pack. */
  get count(): number {
    return this.#blobs.length;
  }

  /**
   * Resolves when `add` can seal without allocating past the buffer limit, or once `cancel` was called (then
   * the caller must not `add`: buffers out with uploads that were dropped may never come back).
   */
  async ready(): Promise<void> {
    while (!this.#canceled && !this.#buf && this.#free.length === 0 && this.#allocated >= this.#maxBuffers) {
      await new Promise<void>((resolve) => {
        this.#waiter = resolve;
      });
    }
  }

  /**
   * Seals `stored` (the blob as it is kept: compressed or not) into the open pack. `plainLength` is the
   * blob's plaintext size, `compressed` whether `stored` is its zstd form. Returns the pack when this blob
   * finished it.
   */
  add(id: string, stored: Uint8Array, plainLength: number, compressed: boolean): BuiltPack | undefined {
    const need = stored.length + CRYPTO_OVERHEAD;
    let buf = this.#buf;
    if (!buf || this.#used + need + this.#headerBytes + COMPRESSED_ENTRY_SIZE > buf.length) {
      const done = buf && this.#blobs.length > 0 ? this.finish() : undefined;
      if (done) {
        // The blob did not fit after a nearly full pack: start the next pack with it.
        this.add(id, stored, plainLength, compressed);
        return done;
      }
      // An empty open buffer too small for a giant blob goes back to the free list.
      if (buf) this.#free.push(buf.buffer as ArrayBuffer);
      buf = this.#take(need + HEADER_OVERHEAD + COMPRESSED_ENTRY_SIZE);
    }
    const length = this.#key.sealInto(stored, buf, this.#used);
    const blob: PackedBlob = { type: this.#type, id, offset: this.#used, length };
    if (compressed) blob.uncompressedLength = plainLength;
    this.#blobs.push(blob);
    this.#used += length;
    this.#headerBytes += entrySize(blob);
    this.#plain += plainLength;
    return this.#used + this.#headerBytes >= this.#packSize ? this.finish() : undefined;
  }

  /** Finishes the open pack (header, id); `undefined` when it holds no blob. */
  finish(): BuiltPack | undefined {
    const buf = this.#buf;
    if (!buf || this.#blobs.length === 0) return undefined;
    const header = encodePackHeader(this.#blobs, this.#key);
    header.copy(buf, this.#used);
    const bytes = buf.subarray(0, this.#used + header.length);
    const pack: BuiltPack = {
      packId: createHash('sha256').update(bytes).digest('hex'),
      bytes,
      buffer: bytes.buffer as ArrayBuffer,
      blobs: this.#blobs,
      plainBytes: this.#plain,
    };
    this.#buf = undefined;
    this.#used = 0;
    this.#headerBytes = HEADER_OVERHEAD;
    this.#plain = 0;
    this.#blobs = [];
    return pack;
  }

  /** Ends every wait in `ready` now and for good (the backup was cancelled; nothing more is added). */
  cancel(): void {
    this.#canceled = true;
    const w = this.#waiter;
    this.#waiter = undefined;
    w?.();
  }

  /** Takes back a buffer whose pack has been uploaded. */
  recycle(buffer: ArrayBuffer): void {
    if (buffer.byteLength >= this.#capacity && this.#free.length < this.#maxBuffers) this.#free.push(buffer);
    else this.#allocated--;
    const w = this.#waiter;
    this.#waiter = undefined;
    w?.();
  }

  #take(need: number): Buffer {
    const size = Math.max(this.#capacity, need);
    const recycled = this.#free.at(-1);
    let buf: Buffer;
    if (recycled && recycled.byteLength >= size) {
      this.#free.pop();
      buf = Buffer.from(recycled);
    } else {
      buf = Buffer.from(new ArrayBuffer(size));
      this.#allocated++;
    }
    this.#buf = buf;
    this.#used = 0;
    return buf;
  }
}
