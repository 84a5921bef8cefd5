import { UsageError } from '../../core/errors.ts';

/** What snapshots are grouped by before retention applies to each group (restic's `--group-by`). */
export interface GroupBy {
  host: boolean;
  paths: boolean;
  tags: boolean;
}

/** restic's default: one group per host and set of paths. */
export const DEFAULT_GROUP_BY: GroupBy = { host: true, paths: true, tags: false };

/** Parses `host,paths`, `tags`, `` (no grouping) as restic does; unknown words are a usage error. */
export function parseGroupBy(text: string): GroupBy {
  const g: GroupBy = { host: false, paths: false, tags: false };
  for (const word of text.split(',')) {
    const w = word.trim();
    if (w === 'host' || w === 'hosts') g.host = true;
    else if (w === 'path' || w === 'paths') g.paths = true;
    else if (w === 'tag' || w === 'tags') g.tags = true;
    else if (w !== '') throw new UsageError(`unknown grouping option: '${w}' (use host, paths, tags)`);
  }
  return g;
}

/** A group's identity, as restic prints it in `forget --json` (`null` where the field does not group). */
export interface SnapshotGroupKey {
  tags: string[] | null;
  host: string;
  paths: string[] | null;
}

export interface GroupableSnapshot {
  hostname?: string;
  paths: string[];
  tags?: string[];
}

/**
 * Splits snapshots into groups by the chosen fields (paths and tags compared as sorted sets), groups ordered by
 * key and snapshots kept in input order within each.
 */
export function groupSnapshots<S extends GroupableSnapshot>(
  snapshots: readonly S[],
  by: GroupBy,
): Array<{ key: SnapshotGroupKey; snapshots: S[] }> {
  const groups = new Map<string, { key: SnapshotGroupKey; snapshots: S[] }>();
  for (const s of snapshots) {
    const key: SnapshotGroupKey = {
      tags: by.tags ? [...(s.tags ?? [])].sort() : null,
      host: by.host ? (s.hostname ?? '') : '',
      paths: by.paths ? [...s.paths].sort() : null,
    };
    const id = JSON.stringify(key);
    let group = groups.get(id);
    if (!group) {
      group = { key, snapshots: [] };
      groups.set(id, group);
    }
    group.snapshots.push(s);
  }
  return [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, g]) => g);
}
