import { randomBytes } from 'node:crypto';
import type { Dirent } from 'node:fs';
import {
  type FileHandle,
  link,
  mkdir,
  open,
  readdir,
  rename,
  rm,
  rmdir,
  stat,
  unlink,
} from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { errnoOf, LifeboatError } from '../core/errors.ts';
import { type Body, bodyBytes, validateRange } from './body.ts';
import { DirectWriter } from './direct-writer.ts';
import { existsByStat } from './exists.ts';
import {
  commonPrefixesOf,
  compareKeys,
  normalizeBasePrefix,
  validateKey,
  validateListPrefix,
} from './keys.ts';
import type { ObjectInfo, ObjectStore, PutOptions } from './object-store.ts';

/**
 * Makes a download URL for an fs-backed object. The fs backend cannot sign anything itself: the server, which
 * can serve the file, supplies this. `key` is relative to the store (its prefix already applied by the store
 * the server holds).
 */
export type FsUrlSigner = (key: string, ttlMs: number) => Promise<string>;

export interface FsObjectStoreOptions {
  /** The directory that plays the bucket. Created on the first write. */
  root: string;
  /** A sub-directory of `root` that holds every key (a BackupStorageLocation's prefix). */
  prefix?: string;
  signer?: FsUrlSigner;
  /**
   * fsync each object and its directory before `put` returns (default true). Only tests that write thousands
   * of throw-away objects should turn it off.
   */
  durable?: boolean;
  /**
   * Write large in-memory bodies (repository packs) with O_DIRECT, bypassing the page cache (default true;
   * file systems without O_DIRECT fall back to buffered writes by themselves). See `DirectWriter`.
   */
  directIo?: boolean;
}

/**
 * In-flight writes are temporary files beside their target, named with this mark; they are invisible to
 * `list`, and keys may not use the mark, so a leftover from a crash can never be mistaken for an object.
 */
const TEMP_MARK = '.lifeboat-tmp-';

const READ_CHUNK = 1024 * 1024;

/** How often a write retries when a concurrent `delete` removes the (then empty) directory it is creating in. */
const DIRECTORY_RACE_RETRIES = 5;

/**
 * An ObjectStore over a local directory: each key is a file at `root/prefix/key`. `put` writes a temporary file
 * and renames it into place (create-if-absent links it instead, which fails when the target exists), so
 * readers see the old or the new object, never a partial one. Keys whose paths would collide with a
 * directory (`a` and `a/b`) cannot both exist: the second write fails with `Conflict`.
 */
export function createFsObjectStore(options: FsObjectStoreOptions): ObjectStore {
  return new FsObjectStore(options);
}

class FsObjectStore implements ObjectStore {
  readonly provider = 'fs';
  readonly #base: string;
  readonly #signer: FsUrlSigner | undefined;
  readonly #durable: boolean;
  readonly #direct: DirectWriter | undefined;

  constructor(options: FsObjectStoreOptions) {
    if (!options.root)
      throw new LifeboatError('Invalid', 'fs object store needs a root directory', { field: 'root' });
    const prefix = normalizeBasePrefix(options.prefix);
    this.#base = resolve(options.root, prefix === '' ? '.' : prefix.slice(0, -1));
    this.#signer = options.signer;
    this.#durable = options.durable ?? true;
    this.#direct = (options.directIo ?? true) ? new DirectWriter() : undefined;
  }

  async put(key: string, body: Body, options: PutOptions = {}): Promise<void> {
    const target = this.#path(key);
    const dir = dirname(target);
    const temp = join(dir, `${TEMP_MARK}${randomBytes(8).toString('hex')}`);
    await this.#writeTemp(key, dir, temp, body, options.contentLength);
    try {
      if (options.ifNoneMatch) {
        // link(2) creates the name only if it is absent, atomically, and the content is complete by then.
        await link(temp, target);
        await unlink(temp);
      } else {
        await rename(temp, target);
      }
      if (this.#durable) await syncDirectory(dir);
    } catch (err) {
      await rm(temp, { force: true });
      throw fsError(err, key, 'write');
    }
  }

  async get(key: string): Promise<Readable> {
    const handle = await this.#openFile(key);
    // Larger reads than the 64 KiB default: objects here are tarballs and packs, read front to back.
    return handle.createReadStream({ highWaterMark: READ_CHUNK });
  }

  async getBuffer(key: string): Promise<Buffer> {
    const handle = await this.#openFile(key);
    try {
      return await handle.readFile();
    } catch (err) {
      throw fsError(err, key, 'read');
    } finally {
      await handle.close();
    }
  }

  async getRange(key: string, offset: number, length: number): Promise<Buffer> {
    validateRange(offset, length);
    const handle = await this.#openFile(key);
    try {
      const { size } = await handle.stat();
      const want = Math.max(0, Math.min(length, size - offset));
      const out = Buffer.allocUnsafe(want);
      let filled = 0;
      while (filled < want) {
        const { bytesRead } = await handle.read(out, filled, want - filled, offset + filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      return filled === want ? out : out.subarray(0, filled);
    } catch (err) {
      throw fsError(err, key, 'read');
    } finally {
      await handle.close();
    }
  }

  async stat(key: string): Promise<ObjectInfo> {
    const path = this.#path(key);
    const info = await stat(path).catch((err: unknown) => {
      throw fsError(err, key, 'stat');
    });
    if (!info.isFile()) throw notFound(key);
    return { key, size: info.size, lastModified: info.mtime };
  }

  exists(key: string): Promise<boolean> {
    return existsByStat((k) => this.stat(k), key);
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    validateListPrefix(prefix);
    const cut = prefix.lastIndexOf('/') + 1;
    yield* this.#walk(prefix.slice(0, cut), prefix.slice(cut));
  }

  async listCommonPrefixes(prefix: string, delimiter = '/'): Promise<string[]> {
    validateListPrefix(prefix);
    if (delimiter !== '/') {
      const keys: string[] = [];
      for await (const info of this.list(prefix)) keys.push(info.key);
      return commonPrefixesOf(keys, prefix, delimiter);
    }
    const cut = prefix.lastIndexOf('/') + 1;
    const dirKey = prefix.slice(0, cut);
    const entries = await this.#readDir(dirKey);
    const found: string[] = [];
    for (const entry of entries) {
      if (!entry.isDirectory() || !entry.name.startsWith(prefix.slice(cut))) continue;
      // An emptied directory left by a crash is not a prefix: S3 reports one only when a key lies under it.
      if (await holdsAnyFile(join(this.#base, dirKey, entry.name))) found.push(`${dirKey}${entry.name}/`);
    }
    return found.sort(compareKeys);
  }

  async delete(key: string): Promise<void> {
    const path = this.#path(key);
    try {
      await unlink(path);
    } catch (err) {
      const code = errnoOf(err);
      // A missing key, or a name that is only a directory (no object), is already deleted. Unlinking a
      // directory fails with EISDIR on Linux and EPERM elsewhere.
      const absent =
        code === 'ENOENT' ||
        code === 'ENOTDIR' ||
        ((code === 'EISDIR' || code === 'EPERM') && (await isDirectory(path)));
      if (!absent) throw fsError(err, key, 'delete');
    }
    await this.#pruneEmptyParents(dirname(path));
  }

  async signedUrl(key: string, ttlMs: number): Promise<string> {
    validateKey(key);
    if (this.#signer === undefined)
      throw new LifeboatError(
        'Unavailable',
        'the fs storage provider cannot sign URLs by itself; downloads from an fs location go through the Lifeboat server',
        { retryable: false },
      );
    return this.#signer(key, ttlMs);
  }

  #path(key: string): string {
    validateKey(key);
    for (const segment of key.split('/'))
      if (segment.startsWith(TEMP_MARK))
        throw new LifeboatError(
          'Invalid',
          `object key must not use the reserved name ${TEMP_MARK}*: ${key}`,
          {
            field: 'key',
          },
        );
    return join(this.#base, key);
  }

  async #openFile(key: string): Promise<FileHandle> {
    const path = this.#path(key);
    const handle = await open(path, 'r').catch((err: unknown) => {
      throw fsError(err, key, 'open');
    });
    const info = await handle.stat();
    if (!info.isFile()) {
      await handle.close();
      throw notFound(key);
    }
    return handle;
  }

  async #writeTemp(
    key: string,
    dir: string,
    temp: string,
    body: Body,
    contentLength: number | undefined,
  ): Promise<void> {
    const bytes = bodyBytes(body);
    if (bytes !== undefined) checkLength(key, bytes.length, contentLength);
    if (bytes !== undefined && this.#direct) {
      const direct = this.#direct;
      const written = await this.#inDirectory(key, dir, () => direct.write(temp, bytes, this.#durable)).catch(
        (err: unknown) => {
          throw fsError(err, key, 'write');
        },
      );
      if (written) return;
    }
    const handle = await this.#inDirectory(key, dir, () => open(temp, 'wx'));
    try {
      let written = 0;
      if (bytes !== undefined) {
        await handle.writeFile(bytes);
        written = bytes.length;
      } else {
        for await (const chunk of body as Readable) {
          const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
          await handle.write(buf);
          written += buf.length;
        }
      }
      checkLength(key, written, contentLength);
      if (this.#durable) await handle.sync();
      await handle.close();
    } catch (err) {
      await handle.close().catch(() => undefined);
      await rm(temp, { force: true });
      throw err instanceof LifeboatError ? err : fsError(err, key, 'write');
    }
  }

  /**
   * Runs `create` (which creates a file in `dir`), creating `dir` when it is missing. Retries when a
   * concurrent `delete` removes the (then empty) directory in between.
   */
  async #inDirectory<T>(key: string, dir: string, create: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await create();
      } catch (err) {
        if (errnoOf(err) !== 'ENOENT' || attempt >= DIRECTORY_RACE_RETRIES) throw fsError(err, key, 'write');
      }
      await mkdir(dir, { recursive: true }).catch((err: unknown) => {
        const code = errnoOf(err);
        if (code === 'EEXIST' || code === 'ENOTDIR')
          throw new LifeboatError('Conflict', `cannot write ${key}: a parent of it is itself an object`, {
            cause: err,
          });
        throw fsError(err, key, 'write');
      });
    }
  }

  async #readDir(dirKey: string): Promise<Dirent[]> {
    try {
      return await readdir(join(this.#base, dirKey), { withFileTypes: true });
    } catch (err) {
      const code = errnoOf(err);
      if (code === 'ENOENT' || code === 'ENOTDIR') return [];
      throw fsError(err, dirKey, 'list');
    }
  }

  /** Yields the files under directory `dirKey` whose names (at the first level) start with `namePrefix`. */
  async *#walk(dirKey: string, namePrefix: string): AsyncGenerator<ObjectInfo> {
    const entries = (await this.#readDir(dirKey))
      .filter((e) => e.name.startsWith(namePrefix) && !e.name.startsWith(TEMP_MARK))
      .filter((e) => e.isFile() || e.isDirectory())
      // A directory's keys all start with `name/`, so it sorts as that string among its sibling files.
      .map((e) => ({ name: e.name, isDir: e.isDirectory(), order: e.isDirectory() ? `${e.name}/` : e.name }))
      .sort((a, b) => compareKeys(a.order, b.order));
    for (const entry of entries) {
      const key = `${dirKey}${entry.name}`;
      if (entry.isDir) {
        yield* this.#walk(`${key}/`, '');
        continue;
      }
      const info = await stat(join(this.#base, key)).catch((err: unknown) => {
        if (errnoOf(err) === 'ENOENT') return undefined; // deleted while listing
        throw fsError(err, key, 'list');
      });
      if (info?.isFile()) yield { key, size: info.size, lastModified: info.mtime };
    }
  }

  async #pruneEmptyParents(dir: string): Promise<void> {
    while (dir.length > this.#base.length && dir.startsWith(this.#base + sep)) {
      try {
        await rmdir(dir);
      } catch {
        return; // not empty (or already gone): the remaining parents are not ours to remove
      }
      dir = dirname(dir);
    }
  }
}

async function holdsAnyFile(dir: string): Promise<boolean> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return false;
  }
  for (const entry of entries) {
    if (entry.name.startsWith(TEMP_MARK)) continue;
    if (entry.isFile()) return true;
    if (entry.isDirectory() && (await holdsAnyFile(join(dir, entry.name)))) return true;
  }
  return false;
}

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then(
    (info) => info.isDirectory(),
    () => false,
  );
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function checkLength(key: string, written: number, announced: number | undefined): void {
  if (announced !== undefined && written !== announced)
    throw new LifeboatError(
      'Invalid',
      `body of ${key} had ${written} bytes where ${announced} were announced; nothing was written`,
    );
}

function notFound(key: string): LifeboatError {
  return new LifeboatError('NotFound', `object ${key} not found`);
}

/** Translates a Node file-system error into a LifeboatError code at the boundary. */
function fsError(err: unknown, key: string, op: string): LifeboatError {
  if (err instanceof LifeboatError) return err;
  const code = errnoOf(err);
  switch (code) {
    case 'ENOENT':
      return new LifeboatError('NotFound', `object ${key} not found`, { cause: err });
    case 'EISDIR':
      return op === 'write'
        ? new LifeboatError('Conflict', `cannot ${op} ${key}: other objects are stored under ${key}/`, {
            cause: err,
          })
        : new LifeboatError('NotFound', `object ${key} not found`, { cause: err });
    case 'ENOTDIR':
      return op === 'write'
        ? new LifeboatError('Conflict', `cannot ${op} ${key}: a parent of it is itself an object`, {
            cause: err,
          })
        : new LifeboatError('NotFound', `object ${key} not found`, { cause: err });
    case 'EEXIST':
    case 'ENOTEMPTY':
      return op === 'write'
        ? new LifeboatError('AlreadyExists', `object ${key} already exists`, { cause: err })
        : new LifeboatError('Conflict', `cannot ${op} ${key}: ${code}`, { cause: err });
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return new LifeboatError('PermissionDenied', `cannot ${op} ${key}: permission denied (${code})`, {
        cause: err,
      });
    case 'EMFILE':
    case 'ENFILE':
    case 'EAGAIN':
    case 'EBUSY':
    case 'EIO':
      return new LifeboatError('Unavailable', `cannot ${op} ${key}: ${code}`, {
        cause: err,
        retryable: true,
      });
    case 'ENOSPC':
    case 'EDQUOT':
      return new LifeboatError('Unavailable', `cannot ${op} ${key}: no space left (${code})`, {
        cause: err,
        retryable: false,
      });
    default:
      return new LifeboatError(
        'Internal',
        `cannot ${op} ${key}: ${err instanceof Error ? err.message : err}`,
        {
          cause: err,
        },
      );
  }
}
