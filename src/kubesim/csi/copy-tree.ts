import type { Stats } from 'node:fs';
import { constants } from 'node:fs';
import {
  chmod,
  chown,
  copyFile,
  lchown,
  link,
  lstat,
  lutimes,
  mkdir,
  open,
  readdir,
  readlink,
  symlink,
  utimes,
} from 'node:fs/promises';
import { join } from 'node:path';

export type CopyResult = { files: number; bytes: number };

const CHUNK = 64 * 1024;
const ZERO = Buffer.alloc(CHUNK);
const PARALLEL_ENTRIES = 8;

/**
 * Copies a directory tree the way a snapshot must: regular files (reflinked where the file system can,
 * sparse files with their holes kept by skipping all-zero 64 KiB runs), directories, symlinks (not
 * followed), hard links (kept linked), and each entry's mode, owner and timestamps (directories' after their
 * content, so their mtime survives). Node cannot create device files or FIFOs; those are skipped. `dst`
 * must not exist or be empty.
 */
export async function copyTree(src: string, dst: string): Promise<CopyResult> {
  const result: CopyResult = { files: 0, bytes: 0 };
  const links = new Map<string, Promise<string>>();
  const top = await lstat(src);
  await mkdir(dst, { recursive: true });
  await copyDir(src, dst, result, links);
  await applyMeta(dst, top, false);
  return result;
}

async function copyDir(
  src: string,
  dst: string,
  result: CopyResult,
  links: Map<string, Promise<string>>,
): Promise<void> {
  const names = await readdir(src);
  for (let i = 0; i < names.length; i += PARALLEL_ENTRIES) {
    await Promise.all(
      names
        .slice(i, i + PARALLEL_ENTRIES)
        .map((name) => copyEntry(join(src, name), join(dst, name), result, links)),
    );
  }
}

async function copyEntry(
  src: string,
  dst: string,
  result: CopyResult,
  links: Map<string, Promise<string>>,
): Promise<void> {
  const st = await lstat(src);
  if (st.isDirectory()) {
    await mkdir(dst);
    await copyDir(src, dst, result, links);
    await applyMeta(dst, st, false);
  } else if (st.isSymbolicLink()) {
    await symlink(await readlink(src), dst);
    await applyMeta(dst, st, true);
  } else if (st.isFile()) {
    const id = `${st.dev}:${st.ino}`;
    const first = st.nlink > 1 ? links.get(id) : undefined;
    if (first) {
      await link(await first, dst);
      return;
    }
    const copied = copyFileWithMeta(src, dst, st);
    if (st.nlink > 1) links.set(id, copied);
    await copied;
    result.files++;
    result.bytes += st.size;
  }
}

async function copyFileWithMeta(src: string, dst: string, st: Stats): Promise<string> {
  if (st.blocks * 512 < st.size) await copySparse(src, dst, st.size);
  else await copyFile(src, dst, constants.COPYFILE_FICLONE);
  await applyMeta(dst, st, false);
  return dst;
}

async function copySparse(src: string, dst: string, size: number): Promise<void> {
  const input = await open(src, 'r');
  const output = await open(dst, 'w');
  try {
    const buf = Buffer.allocUnsafe(CHUNK);
    for (let pos = 0; pos < size; pos += CHUNK) {
      const { bytesRead } = await input.read(buf, 0, CHUNK, pos);
      if (bytesRead === 0) break;
      const chunk = buf.subarray(0, bytesRead);
      if (bytesRead === CHUNK && chunk.equals(ZERO)) continue;
      if (bytesRead < CHUNK && chunk.equals(ZERO.subarray(0, bytesRead))) continue;
      await output.write(chunk, 0, bytesRead, pos);
    }
    await output.truncate(size);
  } finally {
    await input.close();
    await output.close();
  }
}

async function applyMeta(path: string, st: Stats, isLink: boolean): Promise<void> {
  if (isLink) {
    await lchown(path, st.uid, st.gid).catch(() => undefined);
    await lutimes(path, st.atime, st.mtime).catch(() => undefined);
    return;
  }
  // Owner first: chown may clear set-uid bits that chmod then restores.
  await chown(path, st.uid, st.gid).catch(() => undefined);
  await chmod(path, st.mode & 0o7777);
  await utimes(path, st.atime, st.mtime);
}

/** Bytes used by the regular files under a directory (for snapshot sizes). */
export async function treeSize(dir: string): Promise<number> {
  let total = 0;
  const walk = async (d: string): Promise<void> => {
    for (const entry of await readdir(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) total += (await lstat(path)).size;
    }
  };
  await walk(dir);
  return total;
}

/** A counting semaphore: at most `limit` tasks at once, the rest queued in order. */
export class Limiter {
  readonly #limit: number;
  #running = 0;
  readonly #queue: (() => void)[] = [];

  constructor(limit: number) {
    this.#limit = limit;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#running >= this.#limit) await new Promise<void>((resolve) => this.#queue.push(resolve));
    this.#running++;
    try {
      return await task();
    } finally {
      this.#running--;
      this.#queue.shift()?.();
    }
  }
}
