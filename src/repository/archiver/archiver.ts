import { type BigIntStats, lstatSync, readdirSync, readlinkSync } from 'node:fs';
import { isAbsolute, join, resolve, sep } from 'node:path';
import { LifeboatError } from '../../core/errors.ts';
import { LIFEBOAT_VERSION } from '../../core/version.ts';
import type { CompressionMode } from '../blobs/compression.ts';
import type { ChunkerParams } from '../chunker/fastcdc.ts';
import type { Snapshot, SnapshotJSON } from '../format/snapshot.ts';
import { formatGoTime, nowNs, parseGoTime } from '../format/time.ts';
import { encodeTree, type TreeNode } from '../format/tree.ts';
import { BlobSaver } from '../repo/blob-saver.ts';
import { acquireLock } from '../repo/locks.ts';
import type { Repository } from '../repo/repository.ts';
import { ChunkPool, type FileChunks } from '../workers/chunk-pool.ts';
import { OwnerNames } from './owners.ts';
import { nodeFromStat } from './stat-node.ts';

export interface BackupProgress {
  filesDone: number;
  filesTotal: number;
  bytesDone: number;
  bytesTotal: number;
  /** False while the scan that computes the totals is still running. */
  totalsFinal: boolean;
}

export interface BackupOptions {
  /**
   * What to back up. Absolute paths are stored under their full path from the snapshot root (as restic does);
   * relative ones are resolved against `cwd` and stored under their relative path, so `.` stores the contents
   * of `cwd` at the root of the snapshot.
   */
  paths: string[];
  cwd?: string;
  tags?: string[];
  hostname?: string;
  /** Parent snapshot id (or prefix); default: the latest snapshot with the same host and paths; `null`: none. */
  parent?: string | null;
  /** Snapshot time (ns since the epoch); default now. */
  timeNs?: bigint;
  workers?: number;
  chunker?: ChunkerParams;
  compression?: CompressionMode;
  onProgress?: (progress: BackupProgress) => void;
  /** Minimum milliseconds between progress events (the final one is always sent). */
  progressIntervalMs?: number;
  /** Take a shared lock for the duration (default true). */
  lock?: boolean;
}

export interface BackupStats {
  filesNew: number;
  filesChanged: number;
  filesUnmodified: number;
  dirs: number;
  /** Bytes of file content read from disk. */
  bytesRead: number;
  /** Plaintext bytes of blobs added to the repository. */
  dataAdded: number;
  /** Bytes of pack files written. */
  packBytes: number;
  durationMs: number;
}

export interface BackupResult {
  snapshotId: string;
  snapshot: Snapshot;
  stats: BackupStats;
  /** Entries that could not be read (skipped), one line each. */
  warnings: string[];
}

/** A directory of the snapshot that exists only to hold targets (the path components above them). */
interface VirtualDir {
  fsPath: string;
  children: Map<string, VirtualDir>;
  /** Walk this path fully (a backup target). */
  target: boolean;
}

const SMALL_FILE = 1 << 20;
const TASK_FILES = 128;
const TASK_BYTES = 4 << 20;
const MAX_OUTSTANDING_BYTES = 64 << 20;
const MAX_OUTSTANDING_FILES = 4096;

/**
 * Backs up files into a new snapshot. Order of writes: data and tree packs, index files (after their packs),
 * then the snapshot, so a crash never leaves a snapshot that names missing data.
 */
export async function backup(repo: Repository, options: BackupOptions): Promise<BackupResult> {
  const started = Date.now();
  const cwd = options.cwd ?? process.cwd();
  if (options.paths.length === 0) throw new LifeboatError('Invalid', 'nothing to back up: no paths given');
  const lock = options.lock === false ? undefined : await acquireLock(repo);
  try {
    if (!repo.indexLoaded) await repo.loadIndex();
    const absPaths = options.paths.map((p) => resolve(cwd, p));
    const hostname = options.hostname ?? repo.hostname;
    const parent = await findParent(repo, options.parent, hostname, absPaths);
    const root = virtualRoot(options.paths, cwd);
    const saver = new BlobSaver(repo);
    const progress = new ProgressTracker(options.onProgress, options.progressIntervalMs ?? 250);
    if (options.onProgress) progress.scan(absPaths);
    const pool = new ChunkPool(saver, {
      workers: options.workers,
      chunker: options.chunker,
      compression: options.compression ?? repo.compression,
      onRead: (n) => progress.read(n),
    });
    const archiver = new Archiver(repo, saver, pool, progress);
    let treeId: string;
    try {
      const parentTree = parent ? await archiver.loadParentTree(parent.tree) : undefined;
      treeId = await archiver.saveVirtual(root, parentTree);
      await archiver.drain();
      await pool.flush();
      await saver.flush();
    } finally {
      await pool.close();
    }
    const snapshot: SnapshotJSON = {
      time: formatGoTime(options.timeNs ?? nowNs()),
      tree: treeId,
      paths: absPaths,
      hostname,
      username: repo.username,
      uid: process.getuid?.() ?? 0,
      gid: process.getgid?.() ?? 0,
      tags: options.tags,
      program_version: `lifeboat ${LIFEBOAT_VERSION}`,
    };
    if (parent) snapshot.parent = parent.id;
    const snapshotId = await repo.saveSnapshot(snapshot);
    progress.finish();
    return {
      snapshotId,
      snapshot: { ...snapshot, id: snapshotId },
      stats: {
        ...archiver.stats,
        dataAdded: saver.stats.plainBytes,
        packBytes: saver.stats.packBytes,
        durationMs: Date.now() - started,
      },
      warnings: archiver.warnings,
    };
  } finally {
    await lock?.release();
  }
}

async function findParent(
  repo: Repository,
  parent: string | null | undefined,
  hostname: string,
  paths: string[],
): Promise<Snapshot | undefined> {
  if (parent === null) return undefined;
  if (parent !== undefined) return repo.findSnapshot(parent);
  const want = [...paths].sort().join('\0');
  const candidates = (await repo.listSnapshots()).filter(
    (s) => s.hostname === hostname && [...s.paths].sort().join('\0') === want,
  );
  candidates.sort((a, b) => Number(parseGoTime(a.time) - parseGoTime(b.time)));
  return candidates.at(-1);
}

function virtualRoot(paths: string[], cwd: string): VirtualDir {
  const root: VirtualDir = { fsPath: '/', children: new Map(), target: false };
  for (const p of paths) {
    const abs = resolve(cwd, p);
    const rel = isAbsolute(p) ? abs.slice(1) : abs === cwd ? '' : abs.slice(cwd.length + 1);
    if (!isAbsolute(p) && abs !== cwd && !abs.startsWith(cwd + sep)) {
      throw new LifeboatError('Invalid', `relative path ${p} leaves the working directory`);
    }
    const parts = rel === '' ? [] : rel.split(sep);
    if (parts.length === 0) {
      if (root.children.size > 0 || root.target)
        throw new LifeboatError('Invalid', `${p} overlaps another path`);
      root.fsPath = abs;
      root.target = true;
      continue;
    }
    let dir = root;
    let fsPath = isAbsolute(p) ? '/' : cwd;
    for (const part of parts) {
      fsPath = join(fsPath, part);
      let child = dir.children.get(part);
      if (!child) {
        child = { fsPath, children: new Map(), target: false };
        dir.children.set(part, child);
      }
      dir = child;
    }
    dir.target = true;
  }
  return root;
}

class ProgressTracker {
  readonly #emit: ((p: BackupProgress) => void) | undefined;
  readonly #interval: number;
  #last = 0;
  readonly state: BackupProgress = {
    filesDone: 0,
    filesTotal: 0,
    bytesDone: 0,
    bytesTotal: 0,
    totalsFinal: false,
  };

  constructor(emit: ((p: BackupProgress) => void) | undefined, intervalMs: number) {
    this.#emit = emit;
    this.#interval = intervalMs;
  }

  /** Counts files and bytes up front (metadata only), so events carry real totals. */
  scan(paths: string[]): void {
    const walk = (p: string) => {
      let st: BigIntStats;
      try {
        st = lstatSync(p, { bigint: true });
      } catch {
        return;
      }
      if (st.isFile()) {
        this.state.filesTotal++;
        this.state.bytesTotal += Number(st.size);
      } else if (st.isDirectory()) {
        let names: string[] = [];
        try {
          names = readdirSync(p);
        } catch {
          return;
        }
        for (const n of names) walk(join(p, n));
      }
    };
    for (const p of paths) walk(p);
    this.state.totalsFinal = true;
  }

  read(bytes: number): void {
    this.state.bytesDone += bytes;
    this.#maybeEmit();
  }

  fileDone(skippedBytes: number): void {
    this.state.filesDone++;
    this.state.bytesDone += skippedBytes;
    this.#maybeEmit();
  }

  finish(): void {
    this.#emit?.({ ...this.state, totalsFinal: true });
  }

  #maybeEmit(): void {
    if (!this.#emit) return;
    const now = Date.now();
    if (now - this.#last < this.#interval) return;
    this.#last = now;
    this.#emit({ ...this.state });
  }
}

interface QueuedFile {
  path: string;
  size: number;
  resolve: (r: FileChunks) => void;
  reject: (e: unknown) => void;
}

class Archiver {
  readonly stats = { filesNew: 0, filesChanged: 0, filesUnmodified: 0, dirs: 0, bytesRead: 0 };
  readonly warnings: string[] = [];
  readonly #repo: Repository;
  readonly #saver: BlobSaver;
  readonly #pool: ChunkPool;
  readonly #progress: ProgressTracker;
  readonly #owners = new OwnerNames();
  readonly #hardlinks = new Map<string, Promise<FileChunks>>();
  #batch: QueuedFile[] = [];
  #batchBytes = 0;
  #flushScheduled = false;
  #outstandingBytes = 0;
  #outstandingFiles = 0;
  #slotWaiters: Array<() => void> = [];
  readonly #inflight = new Set<Promise<unknown>>();

  constructor(repo: Repository, saver: BlobSaver, pool: ChunkPool, progress: ProgressTracker) {
    this.#repo = repo;
    this.#saver = saver;
    this.#pool = pool;
    this.#progress = progress;
  }

  async loadParentTree(id: string | undefined): Promise<Map<string, TreeNode> | undefined> {
    if (!id) return undefined;
    try {
      const nodes = await this.#repo.loadTree(id);
      return new Map(nodes.map((n) => [n.name, n]));
    } catch (err) {
      this.warnings.push(`parent tree ${id} unreadable, files are read again: ${(err as Error).message}`);
      return undefined;
    }
  }

  /** Waits until every chunk task has finished (all data blobs are with the saver). */
  async drain(): Promise<void> {
    this.#flushBatch();
    while (this.#inflight.size > 0) await Promise.all([...this.#inflight]);
  }

  async saveVirtual(dir: VirtualDir, parent: Map<string, TreeNode> | undefined): Promise<string> {
    if (dir.target) return this.saveDir(dir.fsPath, parent);
    const names = [...dir.children.keys()].sort();
    const nodes = await Promise.all(
      names.map(async (name) => {
        const child = dir.children.get(name) as VirtualDir;
        const prev = parent?.get(name);
        if (child.target) {
          const node = await this.saveEntry(child.fsPath, name, prev);
          if (!node) throw new LifeboatError('NotFound', `cannot back up ${child.fsPath}`);
          return node;
        }
        const st = lstatSync(child.fsPath, { bigint: true });
        const node = nodeFromStat(name, st, this.#owners);
        if (node.type !== 'dir') throw new LifeboatError('Invalid', `${child.fsPath} is not a directory`);
        const prevTree = prev?.type === 'dir' ? await this.loadParentTree(prev.subtree) : undefined;
        node.subtree = await this.saveVirtual(child, prevTree);
        return node;
      }),
    );
    return this.#saver.saveTree(encodeTree(nodes));
  }

  async saveDir(path: string, parent: Map<string, TreeNode> | undefined): Promise<string> {
    this.stats.dirs++;
    let names: string[];
    try {
      names = readdirSync(path);
    } catch (err) {
      this.warnings.push(`${path}: ${(err as Error).message}`);
      names = [];
    }
    names.sort();
    const pending: Array<Promise<TreeNode | undefined>> = [];
    for (const name of names) pending.push(this.saveEntry(join(path, name), name, parent?.get(name)));
    const nodes = (await Promise.all(pending)).filter((n): n is TreeNode => n !== undefined);
    return this.#saver.saveTree(encodeTree(nodes));
  }

  async saveEntry(path: string, name: string, prev: TreeNode | undefined): Promise<TreeNode | undefined> {
    let st: BigIntStats;
    try {
      st = lstatSync(path, { bigint: true });
    } catch (err) {
      this.warnings.push(`${path}: ${(err as Error).message}`);
      return undefined;
    }
    const node = nodeFromStat(name, st, this.#owners);
    switch (node.type) {
      case 'dir': {
        const prevTree = prev?.type === 'dir' ? await this.loadParentTree(prev.subtree) : undefined;
        node.subtree = await this.saveDir(path, prevTree);
        return node;
      }
      case 'symlink':
        node.linktarget = readlinkSync(path);
        return node;
      case 'file':
        return this.saveFile(path, node, st, prev);
      default:
        return node;
    }
  }

  async saveFile(
    path: string,
    node: TreeNode,
    st: BigIntStats,
    prev: TreeNode | undefined,
  ): Promise<TreeNode | undefined> {
    if (prev && this.#unchanged(node, prev)) {
      node.content = prev.content;
      this.stats.filesUnmodified++;
      this.#progress.fileDone(node.size ?? 0);
      return node;
    }
    let result: Promise<FileChunks>;
    const linkKey = st.nlink > 1n ? `${st.dev}:${st.ino}` : undefined;
    const known = linkKey ? this.#hardlinks.get(linkKey) : undefined;
    if (known) result = known;
    else {
      result = this.#queueFile(path, Number(st.size));
      if (linkKey) this.#hardlinks.set(linkKey, result);
    }
    const r = await result;
    if (r.error !== undefined) {
      this.warnings.push(`${path}: ${r.error}`);
      return undefined;
    }
    if (prev) this.stats.filesChanged++;
    else this.stats.filesNew++;
    if (!known) this.stats.bytesRead += r.size;
    node.content = r.content;
    // The size actually read: a file that grew or shrank while being read is stored as read.
    node.size = r.size;
    this.#progress.fileDone(0);
    return node;
  }

  #unchanged(node: TreeNode, prev: TreeNode): boolean {
    if (prev.type !== 'file' || !prev.content) return false;
    if (prev.size !== node.size && !(prev.size === undefined && node.size === 0)) return false;
    if (prev.inode !== node.inode) return false;
    if (parseGoTime(prev.mtime) !== parseGoTime(node.mtime)) return false;
    if (parseGoTime(prev.ctime) !== parseGoTime(node.ctime)) return false;
    return prev.content.every((id) => this.#saver.isKnown('data', id));
  }

  async #queueFile(path: string, size: number): Promise<FileChunks> {
    while (
      this.#outstandingBytes >= MAX_OUTSTANDING_BYTES ||
      this.#outstandingFiles >= MAX_OUTSTANDING_FILES
    ) {
      this.#flushBatch();
      await new Promise<void>((r) => this.#slotWaiters.push(r));
    }
    const weight = Math.min(size, SMALL_FILE * 8);
    this.#outstandingBytes += weight;
    this.#outstandingFiles++;
    const release = () => {
      this.#outstandingBytes -= weight;
      this.#outstandingFiles--;
      const w = this.#slotWaiters.shift();
      w?.();
    };
    return new Promise<FileChunks>((resolve, reject) => {
      const q: QueuedFile = {
        path,
        size,
        resolve: (r) => {
          release();
          resolve(r);
        },
        reject: (e) => {
          release();
          reject(e);
        },
      };
      if (size > SMALL_FILE) {
        this.#dispatch([q]);
        return;
      }
      this.#batch.push(q);
      this.#batchBytes += size;
      if (this.#batch.length >= TASK_FILES || this.#batchBytes >= TASK_BYTES) this.#flushBatch();
      else if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        setImmediate(() => {
          this.#flushScheduled = false;
          this.#flushBatch();
        });
      }
    });
  }

  #flushBatch(): void {
    if (this.#batch.length === 0) return;
    const batch = this.#batch;
    this.#batch = [];
    this.#batchBytes = 0;
    this.#dispatch(batch);
  }

  #dispatch(files: QueuedFile[]): void {
    const weight = files.reduce((a, f) => a + f.size, 0);
    const p = this.#pool.chunkFiles(
      files.map((f) => ({ path: f.path })),
      weight,
    );
    const tracked = p.then(
      (results) => {
        for (let i = 0; i < files.length; i++) files[i].resolve(results[i]);
      },
      (err) => {
        for (const f of files) f.reject(err);
      },
    );
    this.#inflight.add(tracked);
    void tracked.finally(() => this.#inflight.delete(tracked));
  }
}
