import { linkSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Cancellation, canceledError } from '../archiver/cancellation.ts';
import { unixPermsFromGo } from '../format/file-mode.ts';
import type { Snapshot } from '../format/snapshot.ts';
import { fileKey } from '../repo/layout.ts';
import type { Repository } from '../repo/repository.ts';
import { RestorePool } from '../workers/restore-pool.ts';
import type { JobBlob, JobFile, JobResult, RestoreJob } from '../workers/restore-protocol.ts';
import { JobQueue } from './job-queue.ts';
import { applyMetadata, toSeconds } from './metadata.ts';
import { type PlannedFile, type PlannedJob, planRestore, prepareTarget, type RestorePlan } from './plan.ts';

export { applyMetadata } from './metadata.ts';

/** Restore workers when not told: the machine's parallelism, between 2 and 4. */
export function defaultRestoreWorkers(): number {
  return Math.min(4, Math.max(2, availableParallelism()));
}

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
  /** Jobs (pack slices) read ahead per worker while others are written (default 2). */
  prefetch?: number;
  /**
   * Worker threads that decrypt, verify and write (default: the cores, 2 to 4). More writers than cores did
   * not create files faster here (ext4 serialises inode allocation) and cost memory.
   */
  workers?: number;
  /**
   * Cancels the restore: no job is started after the signal (the few in flight finish), the walk stops, every
   * file this restore began but did not finish is removed, and the promise rejects with a `Canceled` error.
   * What stays in the target is complete: directories, links, and files with all their content and metadata
   * (hard links and the directories' own metadata are not applied). A namesake file the restore had already
   * removed to replace it is gone. A signal that fires once every file is written is too late: the restore
   * completes.
   */
  signal?: AbortSignal;
}

export interface RestoreResult {
  filesRestored: number;
  dirs: number;
  bytesWritten: number;
  /** Files that could not be restored, one line each (`path: reason`); they are removed, not left half-written. */
  errors: string[];
}

const COALESCE_GAP = 1 << 20;
/** Sealed bytes per job: small enough to spread a pack over the workers, large enough for big reads. */
const JOB_BYTES = 4 << 20;
const JOB_TARGETS = 1024;

/**
 * Restores a snapshot (or the `include`d paths) into `target`, verifying every blob against its id. The main
 * thread plans and reads pack ranges (each needed range once, a blob shared by many files fetched once);
 * worker threads decrypt, verify and write, each file opened once per job. Memory is bounded by the jobs in
 * flight (`workers × prefetch × 4 MiB`). A damaged pack fails only the files that need it: they are listed
 * in `errors` and removed.
 */
export async function restore(
  repo: Repository,
  snapshot: Snapshot,
  options: RestoreOptions,
): Promise<RestoreResult> {
  if (options.signal?.aborted) throw canceledError(options.signal.reason, 'restore');
  const sparse = options.sparse ?? true;
  const owners = options.owners ?? process.getuid?.() === 0;
  const workers = options.workers ?? defaultRestoreWorkers();
  const pool = new RestorePool({ workers, key: repo.key.toJSON(), sparse, owners });
  // The workers load while the index is read and the snapshot is walked and planned.
  pool.warmUp();
  const result: RestoreResult = { filesRestored: 0, dirs: 0, bytesWritten: 0, errors: [] };
  const progress: RestoreProgress = { filesDone: 0, filesTotal: 0, bytesDone: 0, bytesTotal: 0 };
  const queue = new JobQueue();
  // Once the signal fires no job is handed out; the runners end when their job in flight is written.
  const cancel = new Cancellation(options.signal, 'restore', () => queue.abort());
  /** Files some job was sent to a worker for and not finished yet: those that may exist half-written. */
  const begun = new Set<PlannedFile>();
  let plan: RestorePlan;
  try {
    if (!repo.indexLoaded) await repo.loadIndex();
    const prepared = prepareTarget(options.target);
    // Jobs run while the walk goes on: planning a large tree overlaps writing its first files.
    const planning = planRestore(repo, snapshot.tree, {
      target: options.target,
      include: options.include ?? ['/'],
      owners,
      jobBytes: JOB_BYTES,
      jobTargets: JOB_TARGETS,
      signal: options.signal,
      onJobs: (jobs, soFar) => {
        // Totals grow with the walk; they are final once planning is done.
        progress.filesTotal = soFar.files.length;
        progress.bytesTotal = soFar.bytesTotal;
        queue.push(jobs);
      },
      prepared,
    }).finally(() => queue.close());
    const describer = new JobFiles(prepared.newFileIds, owners, process.umask());
    const running = runJobs(repo, pool, queue, describer, result, progress, {
      ...options,
      owners,
      workers,
      cancel,
      begun,
    });
    const [planned, ran] = await Promise.allSettled([planning, running]);
    if (cancel.requested) {
      // Every job sent is written by now: nothing writes into the target after this.
      removeUnfinished(begun);
      throw cancel.error;
    }
    if (planned.status === 'rejected') throw planned.reason;
    if (ran.status === 'rejected') throw ran.reason;
    plan = planned.value;
  } finally {
    cancel.dispose();
    queue.close();
    await pool.close();
  }
  result.filesRestored += plan.done;
  progress.filesDone += plan.done;
  progress.filesTotal = plan.files.length;
  progress.bytesTotal = plan.bytesTotal;

  for (const f of plan.files) {
    if (f.error === undefined) continue;
    result.errors.push(`${f.path}: ${f.error}`);
    try {
      rmSync(f.path, { force: true });
    } catch {
      // not a file we made (an existing directory in the way): leave it
    }
  }
  for (const h of plan.hardlinks) {
    rmSync(h.path, { force: true });
    try {
      linkSync(h.first, h.path);
    } catch (err) {
      result.errors.push(`${h.path}: hard link to ${h.first} failed: ${(err as Error).message}`);
    }
  }
  // Directories last, deepest first, so writing their contents does not bump their times again.
  plan.dirs.sort((a, b) => b.path.length - a.path.length);
  for (const d of plan.dirs) applyMetadata(d.path, d.node, owners);
  result.dirs = plan.dirs.length;
  options.onProgress?.({ ...progress });
  return result;
}

/**
 * A cancelled restore's files that were begun and not finished (some job still to come, or failed): removed,
 * so that no file in the target looks restored without being so. The others were never created.
 */
function removeUnfinished(begun: Set<PlannedFile>): void {
  for (const f of begun) {
    if (f.jobsLeft === 0 && f.error === undefined) continue;
    try {
      rmSync(f.path, { force: true });
    } catch {
      // not a file we made (an existing directory in the way): leave it
    }
  }
}

/** Runs the queued jobs (a few per worker in flight) and finishes the files whose last job is done. */
async function runJobs(
  repo: Repository,
  pool: RestorePool,
  queue: JobQueue,
  describer: JobFiles,
  result: RestoreResult,
  progress: RestoreProgress,
  options: RestoreOptions & {
    owners: boolean;
    workers: number;
    cancel: Cancellation;
    begun: Set<PlannedFile>;
  },
): Promise<void> {
  const { owners, workers, cancel, begun } = options;
  let nextId = 0;
  const fileDone = (f: PlannedFile) => {
    if (--f.jobsLeft > 0 || f.error) return;
    if (!f.finishedByWorker) {
      try {
        applyMetadata(f.path, f.node, owners);
      } catch (err) {
        f.error = (err as Error).message;
        return;
      }
    }
    result.filesRestored++;
    progress.filesDone++;
  };
  // Each worker has its own runners (one job being written, the others read ahead), so the queue can keep
  // a worker on the files it is writing and away from those the other workers write.
  const runner = async (worker: number) => {
    for (let job = await queue.next(worker); job; job = await queue.next(worker)) {
      if (cancel.requested) {
        queue.release(job, worker);
        break;
      }
      const outcome = await runJob(repo, pool, describer, job, nextId++, worker, begun).finally(() =>
        queue.release(job, worker),
      );
      result.bytesWritten += noteFailures(job, outcome);
      progress.bytesDone = result.bytesWritten;
      for (const f of outcome.files) {
        fileDone(f);
        // Only files still being written are kept track of, so the set stays as small as the jobs in flight.
        if (f.jobsLeft === 0 && f.error === undefined) begun.delete(f);
      }
      options.onProgress?.({ ...progress });
    }
  };
  const perWorker = Math.max(1, options.prefetch ?? 2);
  await Promise.all(Array.from({ length: workers * perWorker }, (_, i) => runner(i % workers)));
}

function fail(f: PlannedFile, why: string): void {
  f.error ??= why;
}

/** Marks the files a job failed (unreadable pack, damaged blobs, I/O errors); returns the bytes it wrote. */
function noteFailures(job: PlannedJob, outcome: JobOutcome): number {
  if (outcome.error !== undefined) {
    for (const f of outcome.files) fail(f, outcome.error);
    return 0;
  }
  const r = outcome.result;
  if (!r) return 0;
  for (const { index, reason } of r.failedBlobs) {
    const use = outcome.uses[index];
    const why = `pack ${job.packId}: data blob ${use.id} is damaged (${reason})`;
    for (const t of use.targets) fail(t.file, why);
  }
  for (const { index, reason } of r.failedFiles) fail(outcome.files[index], reason);
  return r.bytes;
}

interface JobOutcome {
  /** The job's files, in the order of the job message's `files`. */
  files: PlannedFile[];
  /** The blobs sent, in the order of the job message's `blobs`. */
  uses: PlannedJob['uses'];
  result?: JobResult;
  error?: string;
}

/** Reads the job's ranges and has a worker write them. Files that failed already are left out. */
async function runJob(
  repo: Repository,
  pool: RestorePool,
  jobFiles: JobFiles,
  job: PlannedJob,
  jobId: number,
  worker: number,
  begun: Set<PlannedFile>,
): Promise<JobOutcome> {
  const files: PlannedFile[] = [];
  const described: JobFile[] = [];
  const slots = new Map<PlannedFile, number>();
  const blobs: JobBlob[] = [];
  const uses: PlannedJob['uses'] = [];
  for (const use of job.uses) {
    const targets: number[] = [];
    for (const t of use.targets) {
      if (!slots.has(t.file)) {
        slots.set(t.file, files.length);
        files.push(t.file);
        described.push(jobFiles.describe(t.file));
      }
      if (!t.file.error) targets.push(slots.get(t.file) as number, t.offset);
    }
    if (targets.length === 0) continue;
    uses.push(use);
    blobs.push({
      id: use.id,
      offset: use.loc.offset,
      length: use.loc.length,
      uncompressedLength: use.loc.uncompressedLength ?? -1,
      targets,
    });
  }
  if (blobs.length === 0) return { files, uses };
  let ranges: Array<{ offset: number; data: Uint8Array }>;
  try {
    ranges = await readRanges(repo, job.packId, uses);
  } catch (err) {
    return { files, uses, error: `pack ${job.packId} unreadable: ${(err as Error).message}` };
  }
  for (const f of files) begun.add(f);
  const message: RestoreJob = {
    type: 'job',
    jobId,
    packId: job.packId,
    ranges: ranges.map((r) => r.data),
    rangeOffsets: ranges.map((r) => r.offset),
    blobs,
    files: described,
  };
  return { files, uses, result: await pool.run(message, worker) };
}

/**
 * How the worker creates and finishes each file. Syscalls a new file does not need are left out: a file in a
 * directory this restore made is new, so it already has the process's owner (no chown when that is the
 * snapshot's) and is created with its final permissions when the umask keeps them (no chmod).
 */
class JobFiles {
  readonly #ids: { uid: number; gid: number } | undefined;
  readonly #owners: boolean;
  readonly #umask: number;

  constructor(ids: { uid: number; gid: number } | undefined, owners: boolean, umask: number) {
    this.#ids = ids;
    this.#owners = owners;
    this.#umask = umask;
  }

  describe(f: PlannedFile): JobFile {
    const node = f.node;
    const perms = unixPermsFromGo(node.mode ?? 0o644);
    // Only a file finished in one job may be created without owner write: no later job reopens it.
    const final = f.finishedByWorker && f.fresh && perms <= 0o777 && (perms & this.#umask) === 0;
    const out: JobFile = { path: f.path, size: node.size ?? 0, createMode: final ? perms : 0o600 };
    if (f.finishedByWorker) {
      const ids = this.#ids;
      const sameOwner = f.fresh && ids !== undefined && node.uid === ids.uid && node.gid === ids.gid;
      out.finish = {
        perms,
        chmod: !final,
        uid: node.uid,
        gid: node.gid,
        chown: this.#owners && !sameOwner,
        atime: toSeconds(node.atime),
        mtime: toSeconds(node.mtime),
      };
    }
    return out;
  }
}

/** The job's byte ranges of the pack (blobs less than 1 MiB apart read together), each its own buffer. */
async function readRanges(
  repo: Repository,
  packId: string,
  uses: PlannedJob['uses'],
): Promise<Array<{ offset: number; data: Uint8Array }>> {
  const sorted = uses.map((u) => u.loc).sort((a, b) => a.offset - b.offset);
  const spans: Array<{ start: number; end: number }> = [];
  for (const loc of sorted) {
    const last = spans.at(-1);
    if (last && loc.offset - last.end <= COALESCE_GAP) last.end = Math.max(last.end, loc.offset + loc.length);
    else spans.push({ start: loc.offset, end: loc.offset + loc.length });
  }
  const key = fileKey('data', packId);
  return Promise.all(
    spans.map(async (s) => ({
      offset: s.start,
      data: ownBuffer(await repo.store.getRange(key, s.start, s.end - s.start)),
    })),
  );
}

/** The bytes in an ArrayBuffer of their own, which can be transferred without touching anyone else's. */
function ownBuffer(b: Buffer): Uint8Array {
  if (b.byteOffset === 0 && b.buffer.byteLength === b.length) return b;
  return new Uint8Array(b);
}
