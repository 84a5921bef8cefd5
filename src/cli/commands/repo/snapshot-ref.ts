import { LifeboatError, UsageError } from '../../../core/errors.ts';
import type { Snapshot } from '../../../repository/format/snapshot.ts';
import {
  filterSnapshots,
  parseTagLists,
  type SnapshotFilter,
} from '../../../repository/maintenance/snapshot-filter.ts';
import type { Repository } from '../../../repository/repo/repository.ts';
import { formatLocalTime } from '../../output/format.ts';

/** The `--host`, `--tag`, `--path` options of commands that select snapshots. */
export interface FilterOptions {
  host?: string[];
  tag?: string[];
  path?: string[];
}

export function filterFrom(options: FilterOptions): SnapshotFilter {
  return { hosts: options.host, tags: parseTagLists(options.tag), paths: options.path };
}

/**
 * A snapshot by id, unique id prefix, or `latest` (the newest among those the filter admits). Errors name
 * the reference: `no snapshot matches 1a2b`.
 */
export async function findSnapshot(
  repo: Repository,
  ref: string,
  filter: SnapshotFilter = {},
): Promise<Snapshot> {
  if (ref === '') throw new UsageError('a snapshot id or "latest" is required');
  const all = await repo.listSnapshots();
  if (ref === 'latest') {
    const last = filterSnapshots(all, filter).at(-1);
    if (!last) throw new LifeboatError('NotFound', 'no snapshot matches "latest"');
    return last;
  }
  const matches = all.filter((s) => s.id.startsWith(ref));
  if (matches.length === 0) throw new LifeboatError('NotFound', `no snapshot matches ${ref}`);
  if (matches.length > 1)
    throw new LifeboatError('Invalid', `snapshot id ${ref} is ambiguous (${matches.length} snapshots match)`);
  return matches[0];
}

/** `snapshot 1a2b3c4d of [/srv /etc] at 2024-05-01 13:45:07`: how messages name a snapshot. */
export function describeSnapshot(s: Snapshot): string {
  return `snapshot ${s.id.slice(0, 8)} of [${s.paths.join(' ')}] at ${formatLocalTime(s.time)}`;
}

/** Splits `ID:PATH` (restic's `snapshot:subfolder`) into the reference and the path, if any. */
export function splitSnapshotPath(text: string): { ref: string; path?: string } {
  const colon = text.indexOf(':');
  if (colon < 0) return { ref: text };
  return { ref: text.slice(0, colon), path: text.slice(colon + 1) || '/' };
}
