import { Readable } from 'node:stream';
import { type Clock, systemClock } from '../core/clock.ts';
import { LifeboatError } from '../core/errors.ts';
import { type Body, bodyBytes, readAll, validateRange } from './body.ts';
import {
  commonPrefixesOf,
  compareKeys,
  normalizeBasePrefix,
  validateKey,
  validateListPrefix,
} from './keys.ts';
import type { ObjectInfo, ObjectStore, PutOptions } from './object-store.ts';

/** One stored object of a memory bucket. */
export interface MemoryObject {
  readonly data: Buffer;
  readonly lastModified: Date;
}

/** The objects of a memory "bucket", by full key. Share one between stores to model two clusters on one bucket. */
export type MemoryBucket = Map<string, MemoryObject>;

export interface MemoryObjectStoreOptions {
  /** The bucket to use; a new empty one by default. */
  bucket?: MemoryBucket;
  prefix?: string;
  /** Stamps `lastModified`; inject a ManualClock where ages matter (garbage collection, stale locks). */
  clock?: Clock;
  /** Makes download URLs, as the fs backend's signer does; without it `signedUrl` is Unavailable. */
  signer?: (key: string, ttlMs: number) => Promise<string>;
}

/**
 * A complete in-memory ObjectStore (`provider: memory`) for fast tests of the layers above storage. It meets
 * the same contract and passes the same conformance suite as the real backends: bodies are copied in and out,
 * a put becomes visible only once its whole body has arrived, create-if-absent is checked at that moment.
 */
export function createMemoryObjectStore(options: MemoryObjectStoreOptions = {}): ObjectStore & {
  readonly bucket: MemoryBucket;
} {
  return new MemoryStore(options);
}

class MemoryStore implements ObjectStore {
  readonly provider = 'memory';
  readonly bucket: MemoryBucket;
  readonly #base: string;
  readonly #clock: Clock;
  readonly #signer: MemoryObjectStoreOptions['signer'];

  constructor(options: MemoryObjectStoreOptions) {
    this.bucket = options.bucket ?? new Map();
    this.#base = normalizeBasePrefix(options.prefix);
    this.#clock = options.clock ?? systemClock;
    this.#signer = options.signer;
  }

  async put(key: string, body: Body, options: PutOptions = {}): Promise<void> {
    const full = this.#full(key);
    const bytes = bodyBytes(body);
    // Copied, so a caller reusing its buffer cannot change what was stored.
    const data = bytes === undefined ? await readAll(body as Readable) : Buffer.from(bytes);
    if (options.contentLength !== undefined && data.length !== options.contentLength)
      throw new LifeboatError(
        'Invalid',
        `body of ${key} had ${data.length} bytes where ${options.contentLength} were announced; nothing was written`,
      );
    if (options.ifNoneMatch && this.bucket.has(full))
      throw new LifeboatError('AlreadyExists', `object ${key} already exists`);
    this.bucket.set(full, { data, lastModified: this.#clock.now() });
  }

  async get(key: string): Promise<Readable> {
    return Readable.from([Buffer.from(this.#object(key).data)]);
  }

  async getBuffer(key: string): Promise<Buffer> {
    return Buffer.from(this.#object(key).data);
  }

  async getRange(key: string, offset: number, length: number): Promise<Buffer> {
    validateRange(offset, length);
    const { data } = this.#object(key);
    return Buffer.from(data.subarray(Math.min(offset, data.length), Math.min(offset + length, data.length)));
  }

  async stat(key: string): Promise<ObjectInfo> {
    const object = this.#object(key);
    return { key, size: object.data.length, lastModified: object.lastModified };
  }

  async exists(key: string): Promise<boolean> {
    return this.bucket.has(this.#full(key));
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    validateListPrefix(prefix);
    const start = this.#base + prefix;
    // A snapshot of the names; objects deleted while the caller iterates are left out, as on a paged listing.
    const keys = [...this.bucket.keys()].filter((k) => k.startsWith(start)).sort(compareKeys);
    for (const full of keys) {
      const object = this.bucket.get(full);
      if (object === undefined) continue;
      yield {
        key: full.slice(this.#base.length),
        size: object.data.length,
        lastModified: object.lastModified,
      };
    }
  }

  async listCommonPrefixes(prefix: string, delimiter = '/'): Promise<string[]> {
    validateListPrefix(prefix);
    return commonPrefixesOf(this.bucket.keys(), this.#base + prefix, delimiter).map((p) =>
      p.slice(this.#base.length),
    );
  }

  async delete(key: string): Promise<void> {
    this.bucket.delete(this.#full(key));
  }

  async signedUrl(key: string, ttlMs: number): Promise<string> {
    validateKey(key);
    if (this.#signer === undefined)
      throw new LifeboatError('Unavailable', 'the memory storage provider cannot sign URLs', {
        retryable: false,
      });
    return this.#signer(key, ttlMs);
  }

  #full(key: string): string {
    validateKey(key);
    return this.#base + key;
  }

  #object(key: string): MemoryObject {
    const object = this.bucket.get(this.#full(key));
    if (object === undefined) throw new LifeboatError('NotFound', `object ${key} not found`);
    return object;
  }
}
