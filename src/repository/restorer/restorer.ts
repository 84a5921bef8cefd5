import {
  chmodSync,
  closeSync,
  ftruncateSync,
  lchownSync,
  linkSync,
  lutimesSync,
  mkdirSync,
  openSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { LifeboatError } from '../../core/errors.ts';
import { unixPermsFromGo } from '../format/file-mode.ts';
import type { BlobLocation } from '../format/index.ts';
import type { Snapshot } from '../format/snapshot.ts';
import { parseGoTime } from '../format/time.ts';
import type { TreeNode } from '../format/tree.ts';
import { fileKey } from '../repo/layout.ts';
import type { Repository } from '../repo/repository.ts';
import { normalizeSnapshotPath, walkTree } from './tree-walk.ts';

export interface RestoreProgress {
  filesDone: number;
  filesTotal: number;
  bytesDone: number;
  bytesTotal: number;
}

export interface RestoreOptions {
  /** Directory to restore into (created if missing). Snapshot path `/a/b` lands at `target/a/b`. */
  target: string;
  /** Restore only these snapshot paths (files or directories) and the directories leading to them. */
  include?: string[];
  /** Leave all-zero blobs as holes (default true). */
  sparse?: boolean;
  /** Try to restore uid/gid (default: only when running as root). */
  owners?: boolean;
  onProgress?: (p: RestoreProgress) => void;
  /** Packs fetched ahead while the current one is decrypted (default 2). */
  prefetch?: number;
}

export interface RestoreResult {
  filesRestored: number;
  dirs: number;
  bytesWritten: number;
  /** Files that could not be restored, one line each (`path: reason`); they are removed, not left half-written. */
  errors: string[];
}

interface FileState {
  path: string;
  node: TreeNode;
  remaining: number;
  fd: number | undefined;
  failed: boolean;
}

interface BlobUse {
  id: string;
  loc: BlobLocation;
  targets: Array<{ file: FileState; offset: number }>;
}

const COALESCE_GAP = 1 << 20;

/**
 * Restores a snapshot (or the `include`d paths) into `target`, verifying every blob against its id. Data is
 * read pack by pack (each needed range once, a few packs ahead), so a blob shared by many files is fetched
 * once. A damaged pack fails only the files that need it: they are listed in `errors` and removed.
 */
export async function restore(
  repo: Repository,
  snapshot: Snapshot,
  options: RestoreOptions,
): Promise<RestoreResult> {
  if (!repo.indexLoaded) await repo.loadIndex();
  const sparse = options.sparse ?? true;
  const owners = options.owners ?? process.getuid?.() === 0;
  const result: RestoreResult = { filesRestored: 0, dirs: 0, bytesWritten: 0, errors: [] };
  const includes = (options.include ?? ['/']).map(normalizeSnapshotPath);
  const progress: RestoreProgress = { filesDone: 0, filesTotal: 0, bytesDone: 0, bytesTotal: 0 };

  const dirs: Array<{ path: string; node: TreeNode }> = [];
  const files: FileState[] = [];
  const links = new Map<string, string>();
  const hardlinks: Array<{ path: string; first: string; node: TreeNode }> = [];
  const byPack = new Map<string, Map<string, BlobUse>>();
  const seen = new Set<string>();
  mkdirSync(options.target, { recursive: true });

  const finishFile = (f: FileState) => {
    if (f.fd !== undefined) closeSync(f.fd);
    f.fd = undefined;
    if (f.failed) return;
    applyMetadata(f.path, f.node, owners);
    result.filesRestored++;
    progress.filesDone++;
  };

  for (const include of includes) {
    for await (const { path, node } of walkTree(repo, snapshot.tree, include)) {
      if (seen.has(path)) continue;
      seen.add(path);
      const dest = join(options.target, path);
      const inside = include === '/' || path === include || path.startsWith(`${include}/`);
      if (node.type === 'dir') {
        mkdirSync(dest, { recursive: true });
        if (inside) dirs.push({ path: dest, node });
        continue;
      }
      if (!inside) continue;
      mkdirSync(dirname(dest), { recursive: true });
      if (node.type === 'symlink') {
        rmSync(dest, { force: true });
        symlinkSync(node.linktarget ?? '', dest);
        applyMetadata(dest, node, owners);
        continue;
      }
      if (node.type !== 'file') continue; // devices, fifos, sockets: not recreated
      if ((node.links ?? 1) > 1 && node.inode) {
        const key = `${node.device_id ?? 0}:${node.inode}`;
        const first = links.get(key);
        if (first) {
          hardlinks.push({ path: dest, first, node });
          continue;
        }
        links.set(key, dest);
      }
      progress.filesTotal++;
      progress.bytesTotal += node.size ?? 0;
      const f: FileState = {
        path: dest,
        node,
        remaining: node.content?.length ?? 0,
        fd: undefined,
        failed: false,
      };
      files.push(f);
      if (f.remaining === 0) {
        closeSync(openSync(dest, 'w'));
        finishFile(f);
        continue;
      }
      let offset = 0;
      for (const id of node.content ?? []) {
        const loc = repo.index.lookup('data', id);
        if (!loc) {
          fail(f, `data blob ${id} is missing from the index`, result);
          break;
        }
        let uses = byPack.get(loc.packId);
        if (!uses) {
          uses = new Map();
          byPack.set(loc.packId, uses);
        }
        let use = uses.get(id);
        if (!use) {
          use = { id, loc, targets: [] };
          uses.set(id, use);
        }
        use.targets.push({ file: f, offset });
        offset += loc.uncompressedLength ?? loc.length - 32;
      }
    }
  }

  const packIds = [...byPack.keys()];
  const prefetch = Math.max(1, options.prefetch ?? 2);
  const fetches: Array<Promise<Array<{ offset: number; data: Buffer }> | Error>> = [];
  const fetchPack = (i: number) => {
    const uses = [...(byPack.get(packIds[i]) as Map<string, BlobUse>).values()];
    fetches[i] = readRanges(repo, packIds[i], uses).catch((err: Error) => err);
  };
  for (let i = 0; i < Math.min(prefetch, packIds.length); i++) fetchPack(i);
  for (let i = 0; i < packIds.length; i++) {
    if (i + prefetch < packIds.length) fetchPack(i + prefetch);
    const ranges = await fetches[i];
    fetches[i] = Promise.resolve([]);
    const uses = byPack.get(packIds[i]) as Map<string, BlobUse>;
    for (const use of uses.values()) {
      let plain: Buffer | undefined;
      let error: string | undefined;
      if (ranges instanceof Error) error = `pack ${packIds[i]} unreadable: ${ranges.message}`;
      else {
        try {
          const sealed = sliceFromRanges(ranges, use.loc);
          plain = repo.openBlob('data', use.id, sealed, use.loc.uncompressedLength);
        } catch (err) {
          error = `pack ${packIds[i]}: data blob ${use.id} is damaged (${(err as Error).message})`;
        }
      }
      const zero = plain !== undefined && sparse && isZero(plain);
      for (const t of use.targets) {
        const f = t.file;
        if (f.failed) continue;
        if (!plain) {
          fail(f, error ?? 'unreadable', result);
          continue;
        }
        if (f.fd === undefined) {
          f.fd = openSync(f.path, 'w');
          if (f.remaining > 1 || zero) ftruncateSync(f.fd, f.node.size ?? 0);
        }
        if (!zero) writeSync(f.fd, plain, 0, plain.length, t.offset);
        result.bytesWritten += plain.length;
        progress.bytesDone += plain.length;
        if (--f.remaining === 0) finishFile(f);
      }
    }
    byPack.delete(packIds[i]);
    options.onProgress?.({ ...progress });
  }

  for (const h of hardlinks) {
    rmSync(h.path, { force: true });
    try {
      linkSync(h.first, h.path);
    } catch (err) {
      result.errors.push(`${h.path}: hard link to ${h.first} failed: ${(err as Error).message}`);
    }
  }
  for (const f of files) if (f.failed && f.fd !== undefined) finishFile(f);
  // Directories last, deepest first, so writing their contents does not bump their times again.
  dirs.sort((a, b) => b.path.length - a.path.length);
  for (const d of dirs) applyMetadata(d.path, d.node, owners);
  result.dirs = dirs.length;
  options.onProgress?.({ ...progress });
  return result;
}

function fail(f: FileState, why: string, result: RestoreResult): void {
  if (f.failed) return;
  f.failed = true;
  if (f.fd !== undefined) {
    closeSync(f.fd);
    f.fd = undefined;
  }
  rmSync(f.path, { force: true });
  result.errors.push(`${f.path}: ${why}`);
}

async function readRanges(
  repo: Repository,
  packId: string,
  uses: BlobUse[],
): Promise<Array<{ offset: number; data: Buffer }>> {
  const sorted = uses.map((u) => u.loc).sort((a, b) => a.offset - b.offset);
  const ranges: Array<{ start: number; end: number }> = [];
  for (const loc of sorted) {
    const last = ranges.at(-1);
    if (last && loc.offset - last.end <= COALESCE_GAP) last.end = Math.max(last.end, loc.offset + loc.length);
    else ranges.push({ start: loc.offset, end: loc.offset + loc.length });
  }
  const key = fileKey('data', packId);
  return Promise.all(
    ranges.map(async (r) => ({
      offset: r.start,
      data: await repo.store.getRange(key, r.start, r.end - r.start),
    })),
  );
}

function sliceFromRanges(ranges: Array<{ offset: number; data: Buffer }>, loc: BlobLocation): Buffer {
  for (const r of ranges) {
    if (loc.offset >= r.offset && loc.offset + loc.length <= r.offset + r.data.length) {
      return r.data.subarray(loc.offset - r.offset, loc.offset - r.offset + loc.length);
    }
  }
  throw new LifeboatError('Corrupt', `pack ${loc.packId} is truncated`);
}

function isZero(b: Buffer): boolean {
  if (b.length === 0 || b[0] !== 0 || b[b.length - 1] !== 0) return false;
  const words = b.byteOffset % 8 === 0 ? b.length >>> 3 : 0;
  const view = new BigUint64Array(b.buffer, b.byteOffset, words);
  for (let i = 0; i < words; i++) if (view[i] !== 0n) return false;
  for (let i = words * 8; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}

/**
 * Seconds for utimes. Node passes times as doubles (about 240 ns resolution today), so nanoseconds cannot be set
 * exactly; aiming at the middle of the microsecond makes the restored time exact to the microsecond.
 */
function toSeconds(goTime: string): number {
  const ns = parseGoTime(goTime);
  const secs = ns / 1_000_000_000n;
  const micros = (ns % 1_000_000_000n) / 1000n;
  return Number(secs) + Number(micros * 1000n + 500n) / 1e9;
}

/** Owner, permissions, then times (chmod and chown would otherwise change ctime only, but order them safely). */
export function applyMetadata(path: string, node: TreeNode, owners: boolean): void {
  if (owners) {
    try {
      lchownSync(path, node.uid, node.gid);
    } catch {
      // not permitted: keep the restoring user's ownership
    }
  }
  if (node.type === 'symlink') {
    lutimesSync(path, toSeconds(node.atime), toSeconds(node.mtime));
    return;
  }
  if (node.mode !== undefined) chmodSync(path, unixPermsFromGo(node.mode));
  utimesSync(path, toSeconds(node.atime), toSeconds(node.mtime));
}
