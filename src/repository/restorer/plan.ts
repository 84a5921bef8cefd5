import {
  closeSync,
  fchmodSync,
  futimesSync,
  mkdirSync,
  openSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { canceledError } from '../archiver/cancellation.ts';
import { CRYPTO_OVERHEAD } from '../crypto/crypto-key.ts';
import { unixPermsFromGo } from '../format/file-mode.ts';
import type { BlobLocation } from '../format/index.ts';
import type { TreeNode } from '../format/tree.ts';
import type { Repository } from '../repo/repository.ts';
import { applyMetadata, toSeconds } from './metadata.ts';
import { forEachEntry, normalizeSnapshotPath } from './tree-walk.ts';

/** A regular file to write. */
export interface PlannedFile {
  path: string;
  node: TreeNode;
  /** Jobs not yet done that write part of it. */
  jobsLeft: number;
  /** Its only job finishes it in the worker (metadata through the descriptor). */
  finishedByWorker: boolean;
  /** Its directory was made by this restore: the file is new, with the restoring process's ids. */
  fresh: boolean;
  /** Why it failed (it is removed at the end), once it has. */
  error?: string;
}

export interface BlobUse {
  id: string;
  loc: BlobLocation;
  targets: Array<{ file: PlannedFile; offset: number }>;
}

/** A slice of one pack: blobs close together, read in one or a few ranges and handed to one worker. */
export interface PlannedJob {
  packId: string;
  uses: BlobUse[];
}

export interface RestorePlan {
  files: PlannedFile[];
  /** Every job planned (they are also handed to `onJobs` as they are cut). */
  jobs: PlannedJob[];
  /** Directories inside the restored paths, for their metadata at the end. */
  dirs: Array<{ path: string; node: TreeNode }>;
  hardlinks: Array<{ path: string; first: string }>;
  /** Files already complete (empty files) made while planning. */
  done: number;
  bytesTotal: number;
  /**
   * The owner new files get (the process's effective ids), unless the target directory is setgid (then
   * their group is the directory's and this is undefined).
   */
  newFileIds: { uid: number; gid: number } | undefined;
}

export interface PlanOptions {
  target: string;
  include: string[];
  owners: boolean;
  /** Sealed bytes per job (smaller jobs spread across workers; a pack is split into several). */
  jobBytes: number;
  /** Most blob targets per job. */
  jobTargets: number;
  /**
   * Receives jobs while the walk goes on, cut whenever this many sealed bytes of files are planned (and at the
   * end), so writing starts long before a large tree is fully walked.
   */
  onJobs?: (jobs: PlannedJob[], planSoFar: RestorePlan) => void;
  /** Sealed bytes planned before jobs are cut and handed on (default 8 MiB). */
  batchBytes?: number;
  /** The target as `prepareTarget` left it (made here when absent). */
  prepared?: PreparedTarget;
  /** Stops the walk at the next entry once it fires (the planning rejects with a `Canceled` error). */
  signal?: AbortSignal;
}

export interface PreparedTarget {
  /** This restore created the target directory (so it held nothing). */
  fresh: boolean;
  /**
   * The owner new files get (the process's effective ids), unless the target directory is setgid (then
   * their group is the directory's and this is undefined).
   */
  newFileIds: { uid: number; gid: number } | undefined;
}

/** Creates the target directory if needed and notes what new files in it will look like. */
export function prepareTarget(target: string): PreparedTarget {
  const fresh = mkdirSync(target, { recursive: true }) !== undefined;
  const setgid = (statSync(target).mode & 0o2000) !== 0;
  return {
    fresh,
    newFileIds: setgid ? undefined : { uid: process.geteuid?.() ?? -1, gid: process.getegid?.() ?? -1 },
  };
}

/**
 * Walks the snapshot (or the included paths), creates directories, symlinks and empty files, and plans every
 * regular file's blobs as jobs grouped by pack, handing them on in batches (`onJobs`) as the walk goes. A
 * batch holds whole files, so each file's jobs are known when its batch is cut (a file in one job is finished
 * by that job's worker); a blob that files of two batches share is read once per batch. Directories this run
 * creates are known to be empty, so files in them are created without first removing a namesake; in
 * directories that existed, a namesake is removed first, so a restore over old files never leaves stale bytes
 * in holes.
 */
export async function planRestore(
  repo: Repository,
  treeId: string,
  options: PlanOptions,
): Promise<RestorePlan> {
  const planner = new Planner(repo, options);
  const seen = new Set<string>();
  for (const include of options.include.map(normalizeSnapshotPath)) {
    await forEachEntry(repo, treeId, include, ({ path, node }) => {
      if (options.signal?.aborted) throw canceledError(options.signal.reason, 'restore');
      if (seen.has(path)) return;
      seen.add(path);
      const inside = include === '/' || path === include || path.startsWith(`${include}/`);
      planner.entry(join(options.target, path), node, inside);
    });
  }
  return planner.finish();
}

/** Makes the directories and links while the walk goes, and collects the files' blobs by pack. */
class Planner {
  readonly #repo: Repository;
  readonly #options: PlanOptions;
  readonly plan: RestorePlan;
  /** Directories this restore created (so they held nothing before). */
  readonly #fresh = new Set<string>();
  /** Directories known to exist. */
  readonly #known = new Set<string>();
  /** First path restored for each hard-linked inode. */
  readonly #links = new Map<string, string>();
  /** The current batch: blob uses by pack, the files they belong to, and their sealed bytes. */
  #byPack = new Map<string, Map<string, BlobUse>>();
  #batchFiles: PlannedFile[] = [];
  #batchBytes = 0;

  constructor(repo: Repository, options: PlanOptions) {
    this.#repo = repo;
    this.#options = options;
    const prepared = options.prepared ?? prepareTarget(options.target);
    if (prepared.fresh) this.#fresh.add(options.target);
    this.#known.add(options.target);
    this.plan = {
      files: [],
      jobs: [],
      dirs: [],
      hardlinks: [],
      done: 0,
      bytesTotal: 0,
      newFileIds: prepared.newFileIds,
    };
  }

  entry(dest: string, node: TreeNode, inside: boolean): void {
    if (node.type === 'dir') {
      makeDir(dest, this.#ensureParent(dest), this.#fresh);
      this.#known.add(dest);
      if (inside) this.plan.dirs.push({ path: dest, node });
      return;
    }
    if (!inside) return;
    const parentFresh = this.#ensureParent(dest);
    if (node.type === 'symlink') {
      if (!parentFresh) rmSync(dest, { force: true });
      symlinkSync(node.linktarget ?? '', dest);
      applyMetadata(dest, node, this.#options.owners);
      return;
    }
    // Devices, fifos and sockets are not recreated.
    if (node.type === 'file') this.#file(dest, node, parentFresh);
  }

  finish(): RestorePlan {
    this.#cut();
    return this.plan;
  }

  /** Cuts the current batch into jobs and hands them on. */
  #cut(): void {
    if (this.#byPack.size === 0) return;
    const jobs = splitIntoJobs(this.#byPack, this.#batchFiles, this.#options);
    this.plan.jobs.push(...jobs);
    this.#byPack = new Map();
    this.#batchFiles = [];
    this.#batchBytes = 0;
    this.#options.onJobs?.(jobs, this.plan);
  }

  #file(dest: string, node: TreeNode, parentFresh: boolean): void {
    if ((node.links ?? 1) > 1 && node.inode) {
      const key = `${node.device_id ?? 0}:${node.inode}`;
      const first = this.#links.get(key);
      if (first) {
        this.plan.hardlinks.push({ path: dest, first });
        return;
      }
      this.#links.set(key, dest);
    }
    const file: PlannedFile = { path: dest, node, jobsLeft: 0, finishedByWorker: false, fresh: parentFresh };
    this.plan.files.push(file);
    this.plan.bytesTotal += node.size ?? 0;
    if (!parentFresh) {
      try {
        rmSync(dest, { force: true });
      } catch (err) {
        file.error = `cannot replace the existing entry: ${(err as Error).message}`;
        return;
      }
    }
    if ((node.content?.length ?? 0) === 0) {
      writeEmptyFile(file, this.#options.owners);
      this.plan.done++;
      return;
    }
    this.#batchBytes += addFileBlobs(this.#repo, file, this.#byPack);
    this.#batchFiles.push(file);
    if (this.#batchBytes >= (this.#options.batchBytes ?? 8 << 20)) this.#cut();
  }

  /** Makes sure the parent directory exists; whether this restore created it. */
  #ensureParent(dest: string): boolean {
    const parent = dirname(dest);
    if (!this.#known.has(parent)) {
      mkdirSync(parent, { recursive: true });
      this.#known.add(parent);
    }
    return this.#fresh.has(parent);
  }
}

function makeDir(dest: string, parentFresh: boolean, fresh: Set<string>): void {
  if (parentFresh) {
    mkdirSync(dest);
    fresh.add(dest);
    return;
  }
  try {
    mkdirSync(dest);
    fresh.add(dest);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
}

function writeEmptyFile(file: PlannedFile, owners: boolean): void {
  const fd = openSync(file.path, 'w', 0o600);
  try {
    fchmodSync(fd, unixPermsFromGo(file.node.mode ?? 0o644));
    futimesSync(fd, toSeconds(file.node.atime), toSeconds(file.node.mtime));
  } finally {
    closeSync(fd);
  }
  if (owners) applyMetadata(file.path, file.node, owners);
}

/** Adds the file's blobs to the batch; returns their sealed bytes (0 when the file failed). */
function addFileBlobs(
  repo: Repository,
  file: PlannedFile,
  byPack: Map<string, Map<string, BlobUse>>,
): number {
  const content = file.node.content ?? [];
  const locs: BlobLocation[] = [];
  for (const id of content) {
    const loc = repo.index.lookup('data', id);
    if (!loc) {
      file.error = `data blob ${id} is missing from the index`;
      return 0;
    }
    locs.push(loc);
  }
  let offset = 0;
  let sealed = 0;
  for (let i = 0; i < content.length; i++) {
    const loc = locs[i];
    let uses = byPack.get(loc.packId);
    if (!uses) {
      uses = new Map();
      byPack.set(loc.packId, uses);
    }
    let use = uses.get(content[i]);
    if (!use) {
      use = { id: content[i], loc, targets: [] };
      uses.set(content[i], use);
    }
    use.targets.push({ file, offset });
    offset += loc.uncompressedLength ?? loc.length - CRYPTO_OVERHEAD;
    sealed += loc.length;
  }
  return sealed;
}

/**
 * Cuts each pack's blobs (in pack order) into jobs of at most `jobBytes` sealed bytes and `jobTargets`
 * targets, then counts each file's jobs: a file written by one job only is finished by that job's worker.
 */
function splitIntoJobs(
  byPack: Map<string, Map<string, BlobUse>>,
  files: PlannedFile[],
  options: PlanOptions,
): PlannedJob[] {
  const jobs: PlannedJob[] = [];
  for (const [packId, uses] of byPack) {
    const sorted = [...uses.values()].sort((a, b) => a.loc.offset - b.loc.offset);
    let job: PlannedJob | undefined;
    let bytes = 0;
    let targets = 0;
    for (const use of sorted) {
      if (
        !job ||
        bytes + use.loc.length > options.jobBytes ||
        targets + use.targets.length > options.jobTargets
      ) {
        job = { packId, uses: [] };
        jobs.push(job);
        bytes = 0;
        targets = 0;
      }
      job.uses.push(use);
      bytes += use.loc.length;
      targets += use.targets.length;
    }
  }
  for (const job of jobs) {
    const inJob = new Set<PlannedFile>();
    for (const use of job.uses) for (const t of use.targets) inJob.add(t.file);
    for (const f of inJob) f.jobsLeft++;
  }
  for (const f of files) f.finishedByWorker = f.jobsLeft === 1;
  return jobs;
}
