/** Which snapshots a command considers (restic's `--host`, `--tag`, `--path`). Empty fields match everything. */
export interface SnapshotFilter {
  /** The snapshot's host is one of these. */
  hosts?: string[];
  /** The snapshot carries every tag of at least one of these lists. */
  tags?: string[][];
  /** The snapshot's paths include every one of these. */
  paths?: string[];
}

export interface FilterableSnapshot {
  hostname?: string;
  paths: string[];
  tags?: string[];
}

export function matchesFilter(s: FilterableSnapshot, filter: SnapshotFilter): boolean {
  if (filter.hosts?.length && !filter.hosts.includes(s.hostname ?? '')) return false;
  if (filter.paths?.length && !filter.paths.every((p) => s.paths.includes(p))) return false;
  if (filter.tags?.length) {
    const have = s.tags ?? [];
    const ok = filter.tags.some((list) =>
      list.every((t) => (t === '' ? have.length === 0 : have.includes(t))),
    );
    if (!ok) return false;
  }
  return true;
}

export function filterSnapshots<S extends FilterableSnapshot>(
  snapshots: readonly S[],
  filter: SnapshotFilter,
): S[] {
  return snapshots.filter((s) => matchesFilter(s, filter));
}

/** Parses repeated `--tag a,b` options into tag lists (`a,b` means both). */
export function parseTagLists(values: readonly string[] | undefined): string[][] {
  return (values ?? []).map((v) => v.split(',').map((t) => t.trim()));
}
