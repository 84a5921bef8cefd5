import type { Readable } from 'node:stream';
import { Transform, type TransformCallback, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { errorMessage, LifeboatError } from '../core/errors.ts';
import {
  assertSafeEntryPath,
  FORMAT_VERSION_ENTRY,
  type ItemPathParts,
  parseItemPath,
} from '../storage/tarball-paths.ts';
import { ItemSpool, type SpoolSlot } from './item-spool.ts';
import type { TarballLimits } from './types.ts';

/**
 * Reads a backup tarball (untrusted input) into an index of its items before anything is restored: every
 * entry path is checked, links and special files are refused, and the sizes of single entries, of the whole
 * inflated stream and the number of entries are bounded. Any violation is a `Corrupt` error naming it.
 */

export const DEFAULT_TARBALL_LIMITS: TarballLimits = {
  maxEntryBytes: 8 * 1024 * 1024,
  maxTotalBytes: 8 * 1024 * 1024 * 1024,
  maxEntries: 2_000_000,
  memoryBytes: 16 * 1024 * 1024,
};

export interface IndexedItem extends ItemPathParts {
  slot: SpoolSlot;
}

/** The indexed tarball: item entries by path, plus the format version. Close it to free memory and disk. */
export class TarballIndex {
  readonly items: IndexedItem[] = [];
  readonly #spool: ItemSpool;
  formatVersion: string | undefined;

  constructor(spool: ItemSpool) {
    this.#spool = spool;
  }

  /** The parsed JSON of an item. Throws `Corrupt` when the entry is not a JSON object. */
  async object(item: IndexedItem): Promise<Record<string, unknown>> {
    const body = await this.#spool.read(item.slot);
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch (err) {
      throw new LifeboatError(
        'Corrupt',
        `backup item ${describe(item)} is not valid JSON: ${errorMessage(err)}`,
      );
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new LifeboatError('Corrupt', `backup item ${describe(item)} is not a JSON object`);
    return parsed as Record<string, unknown>;
  }

  close(): Promise<void> {
    return this.#spool.close();
  }
}

/** Entry types by tar typeflag, named as tar-stream and GNU tar name them (for messages). */
const ENTRY_TYPES: Record<string, string> = {
  '0': 'file',
  '\0': 'file',
  '1': 'link',
  '2': 'symlink',
  '3': 'character-device',
  '4': 'block-device',
  '5': 'directory',
  '6': 'fifo',
  '7': 'contiguous-file',
  x: 'pax-header',
  g: 'pax-global-header',
  L: 'gnu-long-path',
  K: 'gnu-long-link-path',
};

/** Largest pax or GNU long-name record accepted (a name needs a few KiB at most). */
const MAX_LONG_HEADER_BYTES = 1024 * 1024;
const BLOCK = 512;
const USTAR_MAGIC = Buffer.from('ustar\u0000', 'latin1');

interface EntryHeader {
  name: string;
  /** Undefined for a typeflag tar does not define. */
  type: string | undefined;
  size: number;
}

/**
 * A tar decoder for the records backup tarballs hold (ustar and GNU headers, pax and GNU long names), fed
 * chunk by chunk and calling back synchronously: tar-stream builds a stream object per entry, which at
 * 200,000 entries cost seconds before the first item could be restored. Headers are checked (checksum, a
 * known format) as tar-stream checks them; bodies are views of the input where an entry fits in one chunk.
 */
class TarDecoder {
  readonly #onEntry: (header: EntryHeader, body: Buffer) => void;
  readonly #maxEntryBytes: number;
  /** Bytes gathered for the record being read (a header, a body, a long name). */
  #parts: Buffer[] = [];
  #gathered = 0;
  #need = BLOCK;
  #state: 'header' | 'body' | 'long' = 'header';
  #skip = 0;
  #header: EntryHeader | undefined;
  #longType = '';
  #longPath: string | undefined;
  #pax: Record<string, string> | undefined;
  #paxGlobal: Record<string, string> | undefined;

  constructor(maxEntryBytes: number, onEntry: (header: EntryHeader, body: Buffer) => void) {
    this.#maxEntryBytes = maxEntryBytes;
    this.#onEntry = onEntry;
  }

  push(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.#skip > 0) {
        const n = Math.min(this.#skip, chunk.length - offset);
        this.#skip -= n;
        offset += n;
        continue;
      }
      const missing = this.#need - this.#gathered;
      if (this.#gathered === 0 && chunk.length - offset >= missing) {
        this.#record(chunk.subarray(offset, offset + missing));
        offset += missing;
        continue;
      }
      const n = Math.min(missing, chunk.length - offset);
      this.#parts.push(chunk.subarray(offset, offset + n));
      this.#gathered += n;
      offset += n;
      if (this.#gathered === this.#need) {
        const record = Buffer.concat(this.#parts, this.#gathered);
        this.#parts = [];
        this.#gathered = 0;
        this.#record(record);
      }
    }
  }

  /** Throws when the input stopped inside a record (a truncated archive). */
  end(): void {
    if (this.#gathered > 0 || this.#state !== 'header' || this.#skip > 0)
      throw new LifeboatError('Corrupt', 'backup tarball is not a valid gzip tar: unexpected end of data');
  }

  #record(record: Buffer): void {
    if (this.#state === 'header') {
      this.#onHeader(record);
      return;
    }
    const size = record.length;
    this.#skip = (BLOCK - (size % BLOCK)) % BLOCK;
    this.#need = BLOCK;
    if (this.#state === 'long') {
      this.#state = 'header';
      this.#onLongHeader(record);
      return;
    }
    this.#state = 'header';
    const header = this.#header as EntryHeader;
    this.#header = undefined;
    this.#onEntry(header, record);
  }

  #onHeader(block: Buffer): void {
    let sum = 8 * 0x20;
    for (let i = 0; i < 148; i++) sum += block[i];
    for (let i = 156; i < BLOCK; i++) sum += block[i];
    // An all-zero block (the end-of-archive marker, or padding some writers add): nothing to read.
    if (sum === 8 * 0x20) return;
    if (sum !== readNumber(block, 148, 8)) throw corruptTar('a header checksum does not match');
    const ustar = block.subarray(257, 263).equals(USTAR_MAGIC);
    const gnu = block[257] === 0x75 && block.toString('latin1', 257, 265) === 'ustar  \u0000';
    if (!ustar && !gnu) throw corruptTar('a header is in an unknown format');
    const flag = block[156] === 0 ? '\0' : String.fromCharCode(block[156]);
    let name = cString(block, 0, 100);
    if (ustar && block[345] !== 0) name = `${cString(block, 345, 155)}/${name}`;
    let size = readNumber(block, 124, 12);
    const type = ENTRY_TYPES[flag];
    if (
      type === 'pax-header' ||
      type === 'pax-global-header' ||
      type === 'gnu-long-path' ||
      type === 'gnu-long-link-path'
    ) {
      if (size > MAX_LONG_HEADER_BYTES) throw corruptTar(`a ${type} record of ${size} bytes is too long`);
      this.#longType = type;
      this.#beginBody(size, 'long');
      return;
    }
    if (this.#longPath !== undefined) name = this.#longPath;
    const pax = this.#pax;
    if (pax?.path) name = pax.path;
    if (pax?.size) size = Number.parseInt(pax.size, 10);
    this.#longPath = undefined;
    this.#pax = undefined;
    if (!(size >= 0)) throw corruptTar(`the entry ${JSON.stringify(name)} has no valid size`);
    const header: EntryHeader = { name, type: flag === '0' && name.endsWith('/') ? 'directory' : type, size };
    if (header.type !== 'file' && header.type !== 'contiguous-file') {
      // Anything else carries no body worth reading; the entry callback refuses what it must.
      this.#onEntry(header, Buffer.alloc(0));
      this.#skip = size + ((BLOCK - (size % BLOCK)) % BLOCK);
      return;
    }
    if (size > this.#maxEntryBytes) {
      // Refused (by the entry callback) before a byte of it is gathered.
      this.#onEntry(header, Buffer.alloc(0));
      this.#skip = size + ((BLOCK - (size % BLOCK)) % BLOCK);
      return;
    }
    this.#header = header;
    this.#beginBody(size, 'body');
  }

  #beginBody(size: number, state: 'body' | 'long'): void {
    this.#state = state;
    if (size === 0) {
      this.#record(Buffer.alloc(0));
      return;
    }
    this.#need = size;
  }

  #onLongHeader(record: Buffer): void {
    if (this.#longType === 'gnu-long-path') this.#longPath = cString(record, 0, record.length);
    else if (this.#longType === 'pax-header') this.#pax = { ...this.#paxGlobal, ...parsePax(record) };
    else if (this.#longType === 'pax-global-header') this.#paxGlobal = parsePax(record);
    // GNU long link names: links are refused whatever they point at.
  }
}

/** A NUL-terminated UTF-8 field. */
function cString(block: Buffer, offset: number, length: number): string {
  let end = block.indexOf(0, offset);
  if (end < 0 || end > offset + length) end = offset + length;
  return block.toString('utf8', offset, end);
}

/** An octal field (leading spaces or NULs allowed, ended by a space or NUL), or base-256 when its high bit is set. */
function readNumber(block: Buffer, offset: number, length: number): number {
  if (block[offset] & 0x80) {
    let value = block[offset] & 0x7f;
    for (let i = offset + 1; i < offset + length; i++) value = value * 256 + block[i];
    return value;
  }
  let i = offset;
  const end = offset + length;
  while (i < end && (block[i] === 0x20 || block[i] === 0)) i++;
  let value = 0;
  let digits = 0;
  for (; i < end; i++) {
    const c = block[i];
    if (c < 0x30 || c > 0x37) break;
    value = value * 8 + (c - 0x30);
    digits++;
  }
  return digits === 0 ? 0 : value;
}

/** `"<len> key=value\n"` records. */
function parsePax(record: Buffer): Record<string, string> {
  const result: Record<string, string> = {};
  let offset = 0;
  while (offset < record.length) {
    const space = record.indexOf(0x20, offset);
    if (space < 0) break;
    const length = Number.parseInt(record.toString('latin1', offset, space), 10);
    if (!(length > 0) || offset + length > record.length) break;
    const text = record.toString('utf8', space + 1, offset + length - 1);
    const eq = text.indexOf('=');
    if (eq < 0) break;
    result[text.slice(0, eq)] = text.slice(eq + 1);
    offset += length;
  }
  return result;
}

function corruptTar(what: string): LifeboatError {
  return new LifeboatError('Corrupt', `backup tarball is not a valid gzip tar: ${what}`);
}

/** Only regular files, within the entry size limit. */
function checkHeader(header: EntryHeader, limits: TarballLimits): void {
  const path = header.name;
  if (header.type !== 'file' && header.type !== 'contiguous-file')
    throw new LifeboatError(
      'Corrupt',
      `backup tarball entry ${JSON.stringify(path)} is a ${header.type ?? 'special'} entry; only regular files are allowed`,
    );
  if (header.size > limits.maxEntryBytes)
    throw new LifeboatError(
      'Corrupt',
      `backup tarball entry ${JSON.stringify(path)} is ${header.size} bytes, over the limit of ${limits.maxEntryBytes}`,
    );
}

function describe(item: ItemPathParts): string {
  return `${item.groupResource} ${item.namespace ? `${item.namespace}/` : ''}${item.name}`;
}

/** Streams `source` (gzip of tar) into a TarballIndex, enforcing `limits`. */
export async function readTarball(
  source: Readable,
  limits: TarballLimits,
  options: { tempDir?: string; signal?: AbortSignal } = {},
): Promise<TarballIndex> {
  const spool = new ItemSpool({ memoryBytes: limits.memoryBytes, tempDir: options.tempDir });
  const index = new TarballIndex(spool);
  // Resource, version and namespace names repeat across thousands of entries: keep one copy of each.
  const interned = new Map<string, string>();
  const intern = (value: string): string => {
    const known = interned.get(value);
    if (known !== undefined) return known;
    interned.set(value, value);
    return value;
  };
  let entries = 0;
  const onEntry = (header: EntryHeader, content: Buffer): void => {
    const path = header.name;
    entries++;
    if (entries > limits.maxEntries)
      throw new LifeboatError('Corrupt', `backup tarball has more than ${limits.maxEntries} entries`);
    if (header.type === 'file' && path !== FORMAT_VERSION_ENTRY) {
      checkHeader(header, limits);
    } else {
      assertSafeEntryPath(path.endsWith('/') && header.type === 'directory' ? path.slice(0, -1) : path);
      // Velero writes no directories, but other tar writers do; nothing is extracted to disk, so they are harmless.
      if (header.type === 'directory') return;
      checkHeader(header, limits);
      if (path === FORMAT_VERSION_ENTRY) {
        index.formatVersion = content.toString('utf8').trim();
        return;
      }
    }
    // Checks the path is safe before anything else (as for every entry above).
    const parts = parseItemPath(path);
    if (!parts) return;
    const item: IndexedItem = {
      groupResource: intern(parts.groupResource),
      name: parts.name,
      slot: spool.add(content),
    };
    if (parts.version !== undefined) item.version = intern(parts.version);
    if (parts.preferred) item.preferred = true;
    if (parts.namespace !== undefined) item.namespace = intern(parts.namespace);
    index.items.push(item);
  };
  const sink = new DecodingSink(new TarDecoder(limits.maxEntryBytes, onEntry), spool);
  try {
    await pipeline(
      source,
      createGunzip({ chunkSize: 128 * 1024 }),
      new InflateLimit(limits.maxTotalBytes),
      sink,
      { signal: options.signal },
    );
    await spool.seal();
  } catch (err) {
    source.destroy();
    await spool.close();
    throw asCorrupt(err);
  }
  return index;
}

function asCorrupt(err: unknown): unknown {
  if (err instanceof LifeboatError) return err;
  if (err instanceof Error && err.name === 'AbortError')
    return new LifeboatError('Canceled', 'restore canceled');
  const code = (err as { code?: string }).code ?? '';
  if (code.startsWith('Z_') || /gzip|tar|header|unexpected end/i.test(errorMessage(err)))
    return new LifeboatError('Corrupt', `backup tarball is not a valid gzip tar: ${errorMessage(err)}`, {
      cause: err,
    });
  return err;
}

/** Inflated bytes taken ahead of decoding before gunzip is held back. */
const MAX_QUEUED_BYTES = 4 * 1024 * 1024;

/**
 * The end of the read pipeline: takes inflated chunks at once (up to a bound) and decodes them on a later
 * turn of the event loop, so gunzip (on the thread pool) inflates the next chunk while this thread indexes
 * the last one. Decoding inside `write` made the two take turns, and the thread sat idle half the time.
 */
class DecodingSink extends Writable {
  readonly #decoder: TarDecoder;
  readonly #spool: ItemSpool;
  readonly #queue: Buffer[] = [];
  #queued = 0;
  #running = false;
  #held: ((err?: Error | null) => void) | undefined;
  #ending: ((err?: Error | null) => void) | undefined;

  constructor(decoder: TarDecoder, spool: ItemSpool) {
    super();
    this.#decoder = decoder;
    this.#spool = spool;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (err?: Error | null) => void): void {
    this.#queue.push(chunk);
    this.#queued += chunk.length;
    this.#start();
    if (this.#queued < MAX_QUEUED_BYTES) done();
    else this.#held = done;
  }

  override _final(done: (err?: Error | null) => void): void {
    this.#ending = done;
    this.#start();
  }

  #start(): void {
    if (this.#running) return;
    this.#running = true;
    setImmediate(() => void this.#drain());
  }

  async #drain(): Promise<void> {
    try {
      for (let chunk = this.#queue.shift(); chunk; chunk = this.#queue.shift()) {
        this.#queued -= chunk.length;
        this.#decoder.push(chunk);
        await this.#spool.written();
        if (this.#held && this.#queued < MAX_QUEUED_BYTES) {
          const held = this.#held;
          this.#held = undefined;
          held();
        }
      }
      this.#running = false;
      const ending = this.#ending;
      if (ending && this.#queue.length === 0) {
        this.#ending = undefined;
        this.#decoder.end();
        ending();
      }
    } catch (err) {
      this.#queue.length = 0;
      this.destroy(err as Error);
    }
  }
}

/** Fails the stream once more than `max` inflated bytes passed through it. */
class InflateLimit extends Transform {
  readonly #max: number;
  #total = 0;

  constructor(max: number) {
    super();
    this.#max = max;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.#total += chunk.length;
    if (this.#total > this.#max) {
      done(
        new LifeboatError(
          'Corrupt',
          `backup tarball inflates to more than ${this.#max} bytes; refusing it (limit on the inflated size)`,
        ),
      );
      return;
    }
    done(null, chunk);
  }
}
