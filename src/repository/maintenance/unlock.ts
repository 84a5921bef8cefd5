import type { LockJSON } from '../format/lock.ts';
import { type LockOptions, listLocks } from '../repo/locks.ts';
import type { Repository } from '../repo/repository.ts';

export interface RemovedLock {
  id: string;
  /** The lock's content, when it could be read with this repository's key. */
  lock?: LockJSON;
  stale: boolean;
}

/**
 * Removes stale locks (restic's rule: not refreshed for 30 minutes, or made on this host by a process that has
 * exited), or, with `all`, every lock file — including ones that cannot be read — which is only safe when no
 * other process uses the repository. Returns what was removed.
 */
export async function unlock(
  repo: Repository,
  all = false,
  options: LockOptions = {},
): Promise<RemovedLock[]> {
  const infos = await listLocks(repo, options);
  const removed: RemovedLock[] = [];
  for (const info of infos) {
    if (!all && !info.stale) continue;
    await repo.deleteFile('locks', info.id);
    removed.push({ id: info.id, lock: info.lock, stale: info.stale });
  }
  if (all) {
    const readable = new Set(infos.map((i) => i.id));
    for (const id of await repo.listIds('locks')) {
      if (readable.has(id)) continue;
      await repo.deleteFile('locks', id);
      removed.push({ id, stale: false });
    }
  }
  return removed;
}
