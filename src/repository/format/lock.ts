import { parseGoTime } from './time.ts';

/** A lock file's JSON (`locks/<id>`, sealed and, in v2, compressed like other unpacked files). */
export interface LockJSON {
  time: string;
  exclusive: boolean;
  hostname: string;
  username: string;
  pid: number;
  uid?: number;
  gid?: number;
}

/** restic's rule: a lock not refreshed for 30 minutes is stale. Refreshes happen every 5 minutes. */
export const STALE_LOCK_MS = 30 * 60 * 1000;
export const LOCK_REFRESH_MS = 5 * 60 * 1000;

/**
 * Whether `lock` is stale: older than 30 minutes, or made on this host by a process that no longer exists.
 * `processExists` is asked only for locks of this host.
 */
export function isStaleLock(
  lock: LockJSON,
  nowMs: number,
  hostname: string,
  processExists: (pid: number) => boolean,
): boolean {
  const ageMs = nowMs - Number(parseGoTime(lock.time) / 1_000_000n);
  if (ageMs > STALE_LOCK_MS) return true;
  if (lock.hostname !== hostname) return false;
  return !processExists(lock.pid);
}

/** Default liveness probe: signal 0 to the pid (EPERM means it exists but belongs to someone else). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
