import type { Readable } from 'node:stream';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { extract, type Header } from 'tar-stream';
import { errorMessage, LifeboatError } from '../core/errors.ts';
import { assertSafeEntryPath, type ItemPathParts, parseItemPath } from '../storage/tarball-paths.ts';
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
  memoryBytes: 32 * 1024 * 1024,
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

/** An entry's bytes, refusing more than `max` whatever its header claimed. */
async function readEntryBody(body: AsyncIterable<Buffer>, path: string, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > max)
      throw new LifeboatError(
        'Corrupt',
        `backup tarball entry ${JSON.stringify(path)} is over the limit of ${max} bytes`,
      );
    chunks.push(chunk);
  }
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
}

/** Only regular files, within the entry size limit. */
function checkHeader(header: Header, limits: TarballLimits): void {
  const path = header.name;
  if (header.type !== 'file' && header.type !== 'contiguous-file')
    throw new LifeboatError(
      'Corrupt',
      `backup tarball entry ${JSON.stringify(path)} is a ${header.type ?? 'special'} entry; only regular files are allowed`,
    );
  if ((header.size ?? 0) > limits.maxEntryBytes)
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
  const extractor = extract();
  const consume = (async () => {
    for await (const entry of extractor) {
      await indexEntry(entry.header, entry as unknown as AsyncIterable<Buffer> & { resume(): unknown });
    }
  })();
  async function indexEntry(
    header: Header,
    body: AsyncIterable<Buffer> & { resume(): unknown },
  ): Promise<void> {
    const path = header.name;
    entries++;
    if (entries > limits.maxEntries)
      throw new LifeboatError('Corrupt', `backup tarball has more than ${limits.maxEntries} entries`);
    assertSafeEntryPath(path.endsWith('/') && header.type === 'directory' ? path.slice(0, -1) : path);
    if (header.type === 'directory') {
      // Velero writes none, but other tar writers do; nothing is extracted to disk, so they are harmless.
      body.resume();
      return;
    }
    checkHeader(header, limits);
    const content = await readEntryBody(body, path, limits.maxEntryBytes);
    if (path === 'metadata/version') {
      index.formatVersion = content.toString('utf8').trim();
      return;
    }
    const parts = parseItemPath(path);
    if (!parts) return;
    const item: IndexedItem = {
      groupResource: intern(parts.groupResource),
      name: parts.name,
      slot: await spool.add(content),
    };
    if (parts.version !== undefined) item.version = intern(parts.version);
    if (parts.preferred) item.preferred = true;
    if (parts.namespace !== undefined) item.namespace = intern(parts.namespace);
    index.items.push(item);
  }
  try {
    await Promise.all([
      pipeline(
        source,
        createGunzip({ chunkSize: 128 * 1024 }),
        new InflateLimit(limits.maxTotalBytes),
        extractor,
        {
          signal: options.signal,
        },
      ),
      consume,
    ]);
    await spool.seal();
  } catch (err) {
    extractor.destroy();
    source.destroy();
    await consume.catch(() => undefined);
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
