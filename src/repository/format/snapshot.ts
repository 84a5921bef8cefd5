/** A snapshot file's JSON, fields in restic's order. */
export interface SnapshotJSON {
  time: string;
  parent?: string;
  tree: string;
  paths: string[];
  hostname?: string;
  username?: string;
  uid?: number;
  gid?: number;
  excludes?: string[];
  tags?: string[];
  original?: string;
  program_version?: string;
}

const ORDER: Array<keyof SnapshotJSON> = [
  'time',
  'parent',
  'tree',
  'paths',
  'hostname',
  'username',
  'uid',
  'gid',
  'excludes',
  'tags',
  'original',
  'program_version',
];

/** Field order and omitempty as restic writes them. */
export function canonicalSnapshot(s: SnapshotJSON): SnapshotJSON {
  const out: Record<string, unknown> = {};
  for (const k of ORDER) {
    const v = s[k];
    if (k === 'time' || k === 'tree' || k === 'paths') out[k] = v;
    else if (v !== undefined && v !== '' && v !== 0 && !(Array.isArray(v) && v.length === 0)) out[k] = v;
  }
  return out as unknown as SnapshotJSON;
}

/** A loaded snapshot: its JSON plus its storage id. */
export interface Snapshot extends SnapshotJSON {
  id: string;
}
