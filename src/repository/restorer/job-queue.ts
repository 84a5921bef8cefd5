import { dirname } from 'node:path';
import type { PlannedJob } from './plan.ts';

/** Other files' jobs looked at, past those another worker holds, before a worker takes a conflicting one. */
const SCAN_LIMIT = 32;

/**
 * The restore's jobs, as the planner cuts them, handed to workers so that two workers seldom write one file
 * or create files in one directory at the same time. ext4 holds a file's inode lock through every buffered
 * write and a directory's through every create: two workers on one inode take turns while a core idles,
 * which is what happened with large files, whose consecutive jobs all write the same file.
 *
 * Jobs are grouped by their lead file (the first file they write), in the order they came. A worker first
 * continues a lead it already holds; otherwise it takes the first group none of whose files or directories
 * another worker holds, looking at up to {@link SCAN_LIMIT} groups; failing that, the first whose files are
 * free (a shared directory costs only the creates), and else the oldest group (a conflict is better than an
 * idle worker). `next` resolves `undefined` once the queue is closed and empty; every job
 * taken is `release`d by its taker when written.
 */
export class JobQueue {
  /** Jobs by lead file, in arrival order (a Map iterates in insertion order). */
  readonly #groups = new Map<string, PlannedJob[]>();
  /** Inodes (file paths and their directories) held by jobs in flight: worker → its jobs on that inode. */
  readonly #holders = new Map<string, Map<number, number>>();
  /** The leads each worker holds. */
  readonly #held = new Map<number, Set<string>>();
  readonly #keys = new Map<PlannedJob, string[]>();
  #closed = false;
  #waiters: Array<() => void> = [];

  push(jobs: PlannedJob[]): void {
    for (const job of jobs) {
      const lead = leadOf(job);
      const group = this.#groups.get(lead);
      if (group) group.push(job);
      else this.#groups.set(lead, [job]);
    }
    this.#wake();
  }

  close(): void {
    this.#closed = true;
    this.#wake();
  }

  /** Drops the jobs not taken yet and closes the queue (a cancelled restore): `next` answers `undefined`. */
  abort(): void {
    this.#groups.clear();
    this.close();
  }

  /** The next job for `worker`, or `undefined` once closed and empty. */
  async next(worker: number): Promise<PlannedJob | undefined> {
    while (this.#groups.size === 0) {
      if (this.#closed) return undefined;
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
    const lead = this.#pick(worker);
    const group = this.#groups.get(lead) as PlannedJob[];
    const job = group.shift() as PlannedJob;
    if (group.length === 0) this.#groups.delete(lead);
    const keys = keysOf(job);
    this.#keys.set(job, keys);
    for (const key of keys) {
      let h = this.#holders.get(key);
      if (!h) {
        h = new Map();
        this.#holders.set(key, h);
      }
      h.set(worker, (h.get(worker) ?? 0) + 1);
    }
    let held = this.#held.get(worker);
    if (!held) {
      held = new Set();
      this.#held.set(worker, held);
    }
    held.add(lead);
    return job;
  }

  /** The job `worker` took is done: its files and directories are free for other workers. */
  release(job: PlannedJob, worker: number): void {
    const keys = this.#keys.get(job);
    if (!keys) return;
    this.#keys.delete(job);
    for (const key of keys) {
      const h = this.#holders.get(key);
      const n = h?.get(worker);
      if (!h || n === undefined) continue;
      if (n > 1) {
        h.set(worker, n - 1);
        continue;
      }
      h.delete(worker);
      if (h.size === 0) this.#holders.delete(key);
      this.#held.get(worker)?.delete(key);
    }
  }

  #pick(worker: number): string {
    const held = this.#held.get(worker);
    if (held) for (const lead of held) if (this.#groups.has(lead)) return lead;
    let scanned = 0;
    let first: string | undefined;
    let filesFree: string | undefined;
    for (const [lead, group] of this.#groups) {
      first ??= lead;
      const conflict = this.#conflict(group[0], worker);
      if (conflict === 'none') return lead;
      if (conflict === 'directory') filesFree ??= lead;
      // Groups another worker continues do not count: there are at most a few of them.
      if (!this.#heldByOther(lead, worker) && ++scanned >= SCAN_LIMIT) break;
    }
    // Sharing a directory costs only the creates; sharing a file costs every write.
    return (filesFree ?? first) as string;
  }

  /** What of the job another worker holds: nothing, only a directory it creates files in, or a file. */
  #conflict(job: PlannedJob, worker: number): 'none' | 'directory' | 'file' {
    let dir = false;
    for (const use of job.uses) {
      for (const t of use.targets) {
        if (this.#heldByOther(t.file.path, worker)) return 'file';
        if (!dir && this.#heldByOther(dirname(t.file.path), worker)) dir = true;
      }
    }
    return dir ? 'directory' : 'none';
  }

  #heldByOther(key: string, worker: number): boolean {
    const h = this.#holders.get(key);
    if (!h) return false;
    for (const w of h.keys()) if (w !== worker) return true;
    return false;
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }
}

function leadOf(job: PlannedJob): string {
  return job.uses[0]?.targets[0]?.file.path ?? '';
}

/** The inodes a job writes: its files and the directories they are created in. */
function keysOf(job: PlannedJob): string[] {
  const keys = new Set<string>();
  for (const use of job.uses) {
    for (const t of use.targets) {
      if (keys.has(t.file.path)) continue;
      keys.add(t.file.path);
      keys.add(dirname(t.file.path));
    }
  }
  return [...keys];
}
