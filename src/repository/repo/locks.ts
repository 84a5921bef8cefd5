import { LifeboatError } from '../../core/errors.ts';
import { isStaleLock, LOCK_REFRESH_MS, type LockJSON, processExists } from '../format/lock.ts';
import { formatGoTime } from '../format/time.ts';
import type { Repository } from './repository.ts';

export interface LockOptions {
  exclusive?: boolean;
  /** How often the lock file is replaced with a fresh one (default restic's 5 minutes). */
  refreshMs?: number;
  /** Pause between writing our lock and re-checking for rivals (restic: 200 ms). */
  settleMs?: number;
  now?: () => number;
  processExists?: (pid: number) => boolean;
  pid?: number;
}

export interface LockInfo {
  id: string;
  lock: LockJSON;
  stale: boolean;
}

/** A held lock. `release` stops the refresh timer and deletes the lock file. */
export interface LockHandle {
  readonly id: string;
  readonly exclusive: boolean;
  refresh(): Promise<void>;
  release(): Promise<void>;
}

/** Every lock file with its staleness (restic's rule: older than 30 min, or its process on this host is gone). */
export async function listLocks(repo: Repository, options: LockOptions = {}): Promise<LockInfo[]> {
  const now = options.now ?? Date.now;
  const exists = options.processExists ?? processExists;
  const out: LockInfo[] = [];
  for (const id of await repo.listIds('locks')) {
    let lock: LockJSON;
    try {
      lock = await repo.loadUnpacked<LockJSON>('locks', id);
    } catch {
      continue; // removed meanwhile, or not readable with our key: not ours to judge here
    }
    out.push({ id, lock, stale: isStaleLock(lock, now(), repo.hostname, exists) });
  }
  return out;
}

function conflict(theirs: LockInfo): LifeboatError {
  const l = theirs.lock;
  const how = l.exclusive ? 'exclusively ' : '';
  return new LifeboatError(
    'Locked',
    `repository is already locked ${how}by PID ${l.pid} on ${l.hostname} by ${l.username} (since ${l.time}, lock ${theirs.id.slice(0, 8)})`,
  );
}

/** A lock whose file is written while the re-check for rivals (after `settleMs`) is still to come. */
export interface PendingLock {
  handle: LockHandle;
  /**
   * Resolves once no rival showed up during the settle time; rejects (with `Locked`, after deleting our lock
   * file) when one did. Work that may run meanwhile must not commit anything (index, snapshot) before this.
   */
  confirmed: Promise<void>;
}

/**
 * Takes a shared (backup, restore, check) or exclusive (prune) lock: checks for rivals, writes the lock file,
 * waits `settleMs`, checks again (two writers racing both see each other and the later one backs off), then
 * refreshes it on a timer so it never looks stale while held. Stale rival locks are ignored.
 */
export async function acquireLock(repo: Repository, options: LockOptions = {}): Promise<LockHandle> {
  const pending = await beginLock(repo, options);
  await pending.confirmed;
  return pending.handle;
}

/**
 * `acquireLock` without waiting for the settle time: returns once the lock file is written, so the caller can
 * prepare (load the index, walk files, upload packs nobody references yet) during the wait and await
 * `confirmed` before its first commit.
 */
export async function beginLock(repo: Repository, options: LockOptions = {}): Promise<PendingLock> {
  const exclusive = options.exclusive ?? false;
  const now = options.now ?? Date.now;
  const check = async (own?: string) => {
    for (const other of await listLocks(repo, options)) {
      if (other.id === own || other.stale) continue;
      if (exclusive || other.lock.exclusive) throw conflict(other);
    }
  };
  await check();
  const makeLock = (): LockJSON => ({
    time: formatGoTime(BigInt(now()) * 1_000_000n),
    exclusive,
    hostname: repo.hostname,
    username: repo.username,
    pid: options.pid ?? process.pid,
  });
  let id = await repo.saveUnpacked('locks', makeLock());
  let released = false;
  const refresh = async () => {
    if (released) return;
    const fresh = await repo.saveUnpacked('locks', makeLock());
    const old = id;
    id = fresh;
    await repo.deleteFile('locks', old);
  };
  const timer = setInterval(() => {
    refresh().catch((err) => repo.logger?.warn({ err: (err as Error).message }, 'lock refresh failed'));
  }, options.refreshMs ?? LOCK_REFRESH_MS);
  timer.unref();
  const handle: LockHandle = {
    get id() {
      return id;
    },
    exclusive,
    refresh,
    async release() {
      if (released) return;
      released = true;
      clearInterval(timer);
      await repo.deleteFile('locks', id);
    },
  };
  const confirmed = (async () => {
    await new Promise((r) => setTimeout(r, options.settleMs ?? 200));
    try {
      await check(id);
    } catch (err) {
      await handle.release();
      throw err;
    }
  })();
  // Observed here so a rejection is never "unhandled" before the caller gets to await it.
  confirmed.catch(() => undefined);
  return { handle, confirmed };
}

/** Removes stale locks (or all, with `all`); returns the ids removed. */
export async function removeLocks(
  repo: Repository,
  all = false,
  options: LockOptions = {},
): Promise<string[]> {
  const removed: string[] = [];
  for (const info of await listLocks(repo, options)) {
    if (all || info.stale) {
      await repo.deleteFile('locks', info.id);
      removed.push(info.id);
    }
  }
  return removed;
}
