import { type BigIntStats, lstatSync, readdirSync, readlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { LifeboatError } from '../../core/errors.ts';
import { LIFEBOAT_VERSION } from '../../core/version.ts';
import type { CompressionMode } from '../blobs/compression.ts';
import type { ChunkerParams } from '../chunker/fastcdc.ts';
import type { Snapshot, SnapshotJSON } from '../format/snapshot.ts';
import { formatGoTime, nowNs, parseGoTime } from '../format/time.ts';
import { encodeTree, type TreeNode } from '../format/tree.ts';
import { BlobSaver } from '../repo/blob-saver.ts';
import { beginLock, type PendingLock } from '../repo/locks.ts';
import type { Repository } from '../repo/repository.ts';
import { ChunkPool, type FileChunks } from '../workers/chunk-pool.ts';
import { Cancellation, canceledError } from './cancellation.ts';
import { OwnerNames } from './owners.ts';
import { type BackupProgress, ProgressTracker } from './progress.ts';
import { nodeFromStat } from './stat-node.ts';
import { findParent, type VirtualDir, virtualRoot } from './targets.ts';

export type { BackupProgress } from './progress.ts';

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
  /**
   * Cancels the backup: reading stops within a read window per worker, packs not yet uploaded are dropped,
   * the uploads in flight finish and every uploaded pack is listed in an index file (so a later backup reuses
   * that data; prune deletes it while no snapshot does), no snapshot is written, the lock is released, and the
   * promise rejects with a `Canceled` error. A signal that fires once the snapshot is being written is too
   * late: the backup completes.
   */
  signal?: AbortSignal;
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

const SMALL_FILE = 1 << 20;
const TASK_FILES = 128;
const TASK_BYTES = 4 << 20;
const MAX_OUTSTANDING_BYTES = 64 << 20;
const MAX_OUTSTANDING_FILES = 1024;
/** Parent subtrees loaded ahead of the walk. */
const PARENT_TREES_AHEAD = 8;

/**
 * Backs up files into a new snapshot. Order of writes: data and tree packs, index files (after their packs
 * and after the lock is confirmed), then the snapshot, so a crash never leaves a snapshot that names missing
 * data. The fixed costs run side by side: the lock's settle time, loading the index and finding the parent.
 */
export async function backup(repo: Repository, options: BackupOptions): Promise<BackupResult> {
  const started = Date.now();
  const cwd = options.cwd ?? process.cwd();
  if (options.paths.length === 0) throw new LifeboatError('Invalid', 'nothing to back up: no paths given');
  if (options.signal?.aborted) throw canceledError(options.signal.reason, 'backup');
  const root = virtualRoot(options.paths, cwd);
  const absPaths = options.paths.map((p) => resolve(cwd, p));
  const hostname = options.hostname ?? repo.hostname;
  const lockStep = options.lock === false ? undefined : beginLock(repo);
  // Index files wait for the lock's confirmation; packs need not (nothing refers to them before an index).
  const commitGate = lockStep?.then((l) => l.confirmed);
  commitGate?.catch(() => undefined);
  const saver = new BlobSaver(repo, { commitAfter: commitGate });
  const progress = new ProgressTracker(options.onProgress, options.progressIntervalMs ?? 250);
  const pool = new ChunkPool(saver, {
    workers: options.workers,
    chunker: options.chunker,
    compression: options.compression ?? repo.compression,
    onRead: (n) => progress.read(n),
  });
  // Stop feeding the workers the moment the signal fires; the steps below give up waiting through `race`.
  const cancel = new Cancellation(options.signal, 'backup', (err) => {
    pool.cancel(err);
    progress.stop();
  });
  let lock: PendingLock | undefined;
  let scan: Promise<void> | undefined;
  try {
    const parentStep = findParent(repo, options.parent, hostname, absPaths);
    // Without a parent every file is read: the workers load while the lock settles and the index loads.
    parentStep.then(
      (p) => (p ? undefined : pool.warmUp()),
      () => undefined,
    );
    const [held, , parent] = await cancel.race(
      Promise.all([lockStep, repo.indexLoaded ? undefined : repo.loadIndex(), parentStep]),
    );
    lock = held;
    scan = options.onProgress ? progress.scan(absPaths, options.signal) : undefined;
    const archiver = new Archiver(repo, saver, pool, progress, cancel);
    let treeId: string;
    try {
      const parentTree = parent ? await archiver.loadParentTree(parent.tree) : undefined;
      treeId = await cancel.race(archiver.saveVirtual(root, parentTree));
      await cancel.race(archiver.drain());
      await pool.flush();
      // Not raced: the last packs and the index files are written whole (or not at all, on failure), and
      // nothing of the saver may be writing once the lock is released.
      await saver.flush();
    } finally {
      await pool.close();
    }
    await scan;
    cancel.throwIfRequested();
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
    await cancel.race(lock?.confirmed ?? Promise.resolve());
    cancel.throwIfRequested();
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
  } catch (err) {
    // Whatever a step failed with once the signal fired (a task rejected, the saver given up) is the cancel.
    const failure = cancel.requested ? cancel.error : err;
    // Nothing of this backup may write to the repository once its lock is gone: the workers stop (a
    // cancelled one closes its file first), then the uploads in flight end and the index lists them.
    await pool.close();
    await saver.abandon(failure);
    throw failure;
  } finally {
    cancel.dispose();
    await pool.close();
    // The lock may have been taken while another step failed: release it either way.
    lock ??= await lockStep?.catch(() => undefined);
    await lock?.handle.release();
  }
}

/** A directory being walked: `queued` once all its entries are handed on, `tree` once its tree is saved. */
interface DirWalk {
  queued: Promise<void>;
  tree: Promise<string>;
}

/** An entry being saved: `queued` once it holds no walker back, `node` when it is complete. */
interface EntryWalk {
  queued?: Promise<void>;
  node: Promise<TreeNode | undefined>;
}

/**
 * Walks the tree depth-first: a directory's entries are handed on one after the other, and the walk moves to
 * the next directory as soon as the last one is queued (not finished), so reading never waits for the
 * directory boundary. Memory is bounded by the files in flight (MAX_OUTSTANDING_*), not by the tree.
 */
class Archiver {
  readonly stats = { filesNew: 0, filesChanged: 0, filesUnmodified: 0, dirs: 0, bytesRead: 0 };
  readonly warnings: string[] = [];
  readonly #repo: Repository;
  readonly #saver: BlobSaver;
  readonly #pool: ChunkPool;
  readonly #progress: ProgressTracker;
  readonly #owners = new OwnerNames();
  readonly #hardlinks = new Map<string, Promise<FileChunks>>();
  readonly #files = new FileQueue();
  readonly #inflight = new Set<Promise<unknown>>();
  readonly #cancel: Cancellation;

  constructor(
    repo: Repository,
    saver: BlobSaver,
    pool: ChunkPool,
    progress: ProgressTracker,
    cancel: Cancellation,
  ) {
    this.#repo = repo;
    this.#saver = saver;
    this.#pool = pool;
    this.#progress = progress;
    this.#cancel = cancel;
    this.#files.dispatch = (files) => this.#dispatch(files);
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

  /** Waits until every chunk task has finished (all data blobs are with the workers' packs). */
  async drain(): Promise<void> {
    this.#files.flush();
    while (this.#inflight.size > 0) await Promise.all([...this.#inflight]);
  }

  async saveVirtual(dir: VirtualDir, parent: Map<string, TreeNode> | undefined): Promise<string> {
    if (dir.target) {
      const walk = this.walkDir(dir.fsPath, parent);
      await walk.queued;
      return walk.tree;
    }
    const nodes: TreeNode[] = [];
    for (const name of [...dir.children.keys()].sort()) {
      const child = dir.children.get(name) as VirtualDir;
      const prev = parent?.get(name);
      if (child.target) {
        const entry = this.walkEntry(child.fsPath, name, prev, undefined);
        await entry.queued;
        const node = await entry.node;
        if (!node) throw new LifeboatError('NotFound', `cannot back up ${child.fsPath}`);
        nodes.push(node);
        continue;
      }
      const st = lstatSync(child.fsPath, { bigint: true });
      const node = nodeFromStat(name, st, this.#owners);
      if (node.type !== 'dir') throw new LifeboatError('Invalid', `${child.fsPath} is not a directory`);
      const prevTree = prev?.type === 'dir' ? await this.loadParentTree(prev.subtree) : undefined;
      node.subtree = await this.saveVirtual(child, prevTree);
      nodes.push(node);
    }
    return this.#saver.saveTree(encodeTree(nodes));
  }

  walkDir(path: string, parent: Map<string, TreeNode> | undefined): DirWalk {
    this.stats.dirs++;
    let names: string[];
    try {
      names = readdirSync(path);
    } catch (err) {
      this.warnings.push(`${path}: ${(err as Error).message}`);
      names = [];
    }
    names.sort();
    const nodes: Array<Promise<TreeNode | undefined>> = [];
    const subtrees = new ParentTrees(this, names, parent);
    const queued = (async () => {
      for (let i = 0; i < names.length; i++) {
        // The walk stops at the next entry once cancelled (its files' tasks are rejected meanwhile).
        this.#cancel.throwIfRequested();
        const entry = this.walkEntry(join(path, names[i]), names[i], parent?.get(names[i]), subtrees.at(i));
        if (entry.queued) await entry.queued;
        nodes.push(entry.node);
      }
    })();
    const tree = queued.then(async () => {
      const done = (await Promise.all(nodes)).filter((n): n is TreeNode => n !== undefined);
      return this.#saver.saveTree(encodeTree(done));
    });
    // A failure reaches the caller through `queued` or `tree`; the promises left behind must not also count
    // as unhandled rejections.
    quiet(queued, tree);
    return { queued, tree };
  }

  walkEntry(
    path: string,
    name: string,
    prev: TreeNode | undefined,
    prevTree: Promise<Map<string, TreeNode> | undefined> | undefined,
  ): EntryWalk {
    let st: BigIntStats;
    try {
      st = lstatSync(path, { bigint: true });
    } catch (err) {
      this.warnings.push(`${path}: ${(err as Error).message}`);
      return { node: Promise.resolve(undefined) };
    }
    const node = nodeFromStat(name, st, this.#owners);
    switch (node.type) {
      case 'dir': {
        let walk: DirWalk | undefined;
        const queued = (async () => {
          const tree = await (prevTree ??
            (prev?.type === 'dir' ? this.loadParentTree(prev.subtree) : Promise.resolve(undefined)));
          walk = this.walkDir(path, tree);
          await walk.queued;
        })();
        const done = queued.then(async () => {
          node.subtree = await (walk as DirWalk).tree;
          return node;
        });
        quiet(queued, done);
        return { queued, node: done };
      }
      case 'symlink':
        node.linktarget = readlinkSync(path);
        return { node: Promise.resolve(node) };
      case 'file':
        return this.#walkFile(path, node, st, prev);
      default:
        return { node: Promise.resolve(node) };
    }
  }

  #walkFile(path: string, node: TreeNode, st: BigIntStats, prev: TreeNode | undefined): EntryWalk {
    if (prev && this.#unchanged(node, prev)) {
      node.content = prev.content;
      this.stats.filesUnmodified++;
      this.#progress.fileDone(node.size ?? 0);
      return { node: Promise.resolve(node) };
    }
    const linkKey = st.nlink > 1n ? `${st.dev}:${st.ino}` : undefined;
    const known = linkKey ? this.#hardlinks.get(linkKey) : undefined;
    let queued: Promise<void> | undefined;
    let result: Promise<FileChunks>;
    if (known) result = known;
    else {
      const q = this.#files.add(path, Number(st.size));
      queued = q.queued;
      result = q.result;
      if (linkKey) this.#hardlinks.set(linkKey, result);
    }
    const done = result.then((r) => {
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
    });
    quiet(done);
    if (queued) quiet(queued);
    return { queued, node: done };
  }

  #unchanged(node: TreeNode, prev: TreeNode): boolean {
    if (prev.type !== 'file' || !prev.content) return false;
    if (prev.size !== node.size && !(prev.size === undefined && node.size === 0)) return false;
    if (prev.inode !== node.inode) return false;
    if (!sameTime(prev.mtime, node.mtime) || !sameTime(prev.ctime, node.ctime)) return false;
    return prev.content.every((id) => this.#saver.isKnown('data', id));
  }

  #dispatch(files: QueuedFile[]): void {
    const weight = files.reduce((a, f) => a + f.size, 0);
    const p = this.#pool.chunkFiles(
      files.map((f) => ({ path: f.path, size: f.size })),
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

function quiet(...promises: Array<Promise<unknown>>): void {
  for (const p of promises) p.catch(() => undefined);
}

/** Times as restic writes them compare as strings when written alike; otherwise by their instant. */
function sameTime(a: string, b: string): boolean {
  return a === b || parseGoTime(a) === parseGoTime(b);
}

/** The parent's subtrees for a directory's children, loaded a few directories ahead of the walk. */
class ParentTrees {
  readonly #archiver: Archiver;
  readonly #names: string[];
  readonly #parent: Map<string, TreeNode> | undefined;
  readonly #loads = new Map<number, Promise<Map<string, TreeNode> | undefined>>();
  #next = 0;

  constructor(archiver: Archiver, names: string[], parent: Map<string, TreeNode> | undefined) {
    this.#archiver = archiver;
    this.#names = names;
    this.#parent = parent;
  }

  /** The parent subtree of entry `i` (when it was a directory), starting the loads of the next few. */
  at(i: number): Promise<Map<string, TreeNode> | undefined> | undefined {
    if (!this.#parent) return undefined;
    let ahead = 0;
    for (this.#next = Math.max(this.#next, i); this.#next < this.#names.length; this.#next++) {
      const prev = this.#parent.get(this.#names[this.#next]);
      if (prev?.type !== 'dir' || !prev.subtree) continue;
      if (++ahead > PARENT_TREES_AHEAD && this.#next > i) break;
      if (!this.#loads.has(this.#next))
        this.#loads.set(this.#next, this.#archiver.loadParentTree(prev.subtree));
    }
    const load = this.#loads.get(i);
    this.#loads.delete(i);
    return load;
  }
}

interface QueuedFile {
  path: string;
  size: number;
  resolve: (r: FileChunks) => void;
  reject: (e: unknown) => void;
}

/**
 * Files waiting for a chunk worker: small ones batched into tasks (up to 128 files / 4 MiB) so per-message
 * costs do not dominate, large ones one per task. `add` holds its caller back (`queued`) while too many files
 * or bytes are in flight, which is what bounds the walk's memory.
 */
class FileQueue {
  dispatch: (files: QueuedFile[]) => void = () => undefined;
  #batch: QueuedFile[] = [];
  #batchBytes = 0;
  #flushScheduled = false;
  #outstandingBytes = 0;
  #outstandingFiles = 0;
  #slotWaiters: Array<() => void> = [];

  add(path: string, size: number): { queued: Promise<void>; result: Promise<FileChunks> } {
    let resolveResult: (r: FileChunks) => void = () => undefined;
    let rejectResult: (e: unknown) => void = () => undefined;
    const result = new Promise<FileChunks>((res, rej) => {
      resolveResult = res;
      rejectResult = rej;
    });
    const queued = this.#enqueue(path, size, resolveResult, rejectResult);
    return { queued, result };
  }

  flush(): void {
    if (this.#batch.length === 0) return;
    const batch = this.#batch;
    this.#batch = [];
    this.#batchBytes = 0;
    this.dispatch(batch);
  }

  async #enqueue(
    path: string,
    size: number,
    resolve: (r: FileChunks) => void,
    reject: (e: unknown) => void,
  ): Promise<void> {
    while (
      this.#outstandingBytes >= MAX_OUTSTANDING_BYTES ||
      this.#outstandingFiles >= MAX_OUTSTANDING_FILES
    ) {
      this.flush();
      await new Promise<void>((r) => this.#slotWaiters.push(r));
    }
    const weight = Math.min(size, SMALL_FILE * 8);
    this.#outstandingBytes += weight;
    this.#outstandingFiles++;
    const release = () => {
      this.#outstandingBytes -= weight;
      this.#outstandingFiles--;
      this.#slotWaiters.shift()?.();
    };
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
      this.dispatch([q]);
      return;
    }
    this.#batch.push(q);
    this.#batchBytes += size;
    if (this.#batch.length >= TASK_FILES || this.#batchBytes >= TASK_BYTES) this.flush();
    else if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(() => {
        this.#flushScheduled = false;
        this.flush();
      });
    }
  }
}
