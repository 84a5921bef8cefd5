import { LifeboatError } from '../../core/errors.ts';
import type { Snapshot } from '../format/snapshot.ts';
import { acquireLock, type LockOptions } from '../repo/locks.ts';
import { mapLimit, type Repository } from '../repo/repository.ts';
import { DEFAULT_GROUP_BY, type GroupBy, groupSnapshots, type SnapshotGroupKey } from './group.ts';
import { type PruneOptions, type PruneResult, prune } from './prune.ts';
import { applyRetention, isEmptyPolicy, type KeepReason, type RetentionPolicy } from './retention.ts';
import { filterSnapshots, type SnapshotFilter } from './snapshot-filter.ts';

export interface ForgetOptions {
  /** Retention to apply to each group (ignored when `snapshotIds` are given). */
  policy?: RetentionPolicy;
  groupBy?: GroupBy;
  /** Only these snapshots are considered at all. */
  filter?: SnapshotFilter;
  /** Remove exactly these snapshots (full ids or unique prefixes) instead of applying a policy. */
  snapshotIds?: string[];
  dryRun?: boolean;
  /** "Now" for `within` rules (snapshots after it do not count as the newest); default the current time. */
  now?: Date | number;
  /** Take the exclusive lock (default true), as restic does for forget. */
  lock?: boolean;
  lockOptions?: LockOptions;
  /** Prune afterwards, under the same lock (restic's `forget --prune`). */
  prune?: PruneOptions;
}

export interface ForgetGroup {
  key: SnapshotGroupKey;
  keep: Snapshot[];
  remove: Snapshot[];
  reasons: KeepReason<Snapshot>[];
}

export interface ForgetResult {
  groups: ForgetGroup[];
  /** Ids of the snapshot files deleted (or, in a dry run, that would be). */
  removed: string[];
  dryRun: boolean;
  prune?: PruneResult;
}

/**
 * Applies a retention policy to each group of snapshots (or removes the given snapshots) and deletes the
 * snapshot files that go. Only snapshot files are deleted; the data they referenced stays until `prune`.
 * Holds an exclusive lock like restic (so it never races a prune deciding what is used). An empty policy
 * removes nothing.
 */
export async function forget(repo: Repository, options: ForgetOptions): Promise<ForgetResult> {
  const lock =
    options.lock === false ? undefined : await acquireLock(repo, { ...options.lockOptions, exclusive: true });
  try {
    const all = filterSnapshots(await repo.listSnapshots(), options.filter ?? {});
    const result: ForgetResult = { groups: [], removed: [], dryRun: options.dryRun === true };
    if (options.snapshotIds && options.snapshotIds.length > 0) {
      result.removed = resolveIds(all, options.snapshotIds);
    } else if (options.policy && !isEmptyPolicy(options.policy)) {
      const now = options.now ?? Date.now();
      for (const { key, snapshots } of groupSnapshots(all, options.groupBy ?? DEFAULT_GROUP_BY)) {
        const d = applyRetention(snapshots, options.policy, now);
        result.groups.push({ key, ...d });
        for (const s of d.remove) result.removed.push(s.id);
      }
    }
    if (!result.dryRun) {
      await mapLimit(result.removed, 8, (id) => repo.deleteFile('snapshots', id));
    }
    if (options.prune && result.removed.length > 0) {
      result.prune = await prune(repo, {
        ...options.prune,
        dryRun: result.dryRun || options.prune.dryRun,
        ignoreSnapshots: result.dryRun ? new Set(result.removed) : undefined,
        lock: lock ? false : options.prune.lock,
      });
    }
    return result;
  } finally {
    await lock?.release();
  }
}

/** Full ids for snapshot id prefixes, each matching exactly one snapshot, without repeats. */
function resolveIds(all: readonly Snapshot[], refs: readonly string[]): string[] {
  const ids = new Set<string>();
  for (const ref of refs) {
    const matches = all.filter((s) => s.id.startsWith(ref));
    if (matches.length === 0) throw new LifeboatError('NotFound', `no snapshot matches ${ref}`);
    if (matches.length > 1) throw new LifeboatError('Invalid', `snapshot prefix ${ref} is ambiguous`);
    ids.add(matches[0].id);
  }
  return [...ids];
}
