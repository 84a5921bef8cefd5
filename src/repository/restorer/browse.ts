import type { Writable } from 'node:stream';
import { LifeboatError } from '../../core/errors.ts';
import type { Snapshot } from '../format/snapshot.ts';
import type { TreeNode } from '../format/tree.ts';
import type { Repository } from '../repo/repository.ts';
import { findNode, type WalkEntry, walkTree } from './tree-walk.ts';

/** Every entry of a snapshot (or of the subtree at `path`), parents first. */
export async function ls(repo: Repository, snapshot: Snapshot, path = '/'): Promise<WalkEntry[]> {
  const out: WalkEntry[] = [];
  for await (const e of walkTree(repo, snapshot.tree, path)) out.push(e);
  return out;
}

/** Converts a shell-style pattern (`*`, `?`, `[…]`) to a whole-string regular expression. */
export function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        re += `[${pattern
          .slice(i + 1, end)
          .replace(/^!/, '^')
          .replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

export interface FindMatch extends WalkEntry {
  snapshotId: string;
}

/** Entries whose name (or, for patterns containing `/`, whose full path) matches `pattern`, in each snapshot. */
export async function find(repo: Repository, snapshots: Snapshot[], pattern: string): Promise<FindMatch[]> {
  const re = globToRegExp(pattern);
  const onPath = pattern.includes('/');
  const out: FindMatch[] = [];
  for (const s of snapshots) {
    for await (const e of walkTree(repo, s.tree)) {
      if (re.test(onPath ? e.path : e.node.name)) out.push({ ...e, snapshotId: s.id });
    }
  }
  return out;
}

export interface DiffEntry {
  path: string;
  /** `+` added, `-` removed, `M` content changed, `T` type changed, `U` metadata only. */
  change: '+' | '-' | 'M' | 'T' | 'U';
}

function sameContent(a: TreeNode, b: TreeNode): boolean {
  if (a.type !== 'file') return a.linktarget === b.linktarget && a.device === b.device;
  const ca = a.content ?? [];
  const cb = b.content ?? [];
  return ca.length === cb.length && ca.every((id, i) => id === cb[i]);
}

function sameMetadata(a: TreeNode, b: TreeNode): boolean {
  return a.mode === b.mode && a.mtime === b.mtime && a.uid === b.uid && a.gid === b.gid;
}

/** What changed from snapshot `a` to snapshot `b`, by path. Identical subtrees (same id) are skipped unread. */
export async function diff(repo: Repository, a: Snapshot, b: Snapshot): Promise<DiffEntry[]> {
  const out: DiffEntry[] = [];
  const all = async (treeId: string | undefined, prefix: string, change: '+' | '-') => {
    if (!treeId) return;
    for await (const e of walkTree(repo, treeId)) out.push({ path: prefix + e.path, change });
  };
  const walk = async (ta: string | undefined, tb: string | undefined, prefix: string): Promise<void> => {
    if (ta === tb) return;
    const na = new Map((ta ? await repo.loadTree(ta) : []).map((n) => [n.name, n]));
    const nb = new Map((tb ? await repo.loadTree(tb) : []).map((n) => [n.name, n]));
    const names = [...new Set([...na.keys(), ...nb.keys()])].sort();
    for (const name of names) {
      const x = na.get(name);
      const y = nb.get(name);
      const path = `${prefix}/${name}`;
      if (!x && y) {
        out.push({ path, change: '+' });
        if (y.type === 'dir') await all(y.subtree, path, '+');
      } else if (x && !y) {
        out.push({ path, change: '-' });
        if (x.type === 'dir') await all(x.subtree, path, '-');
      } else if (x && y) {
        if (x.type !== y.type) out.push({ path, change: 'T' });
        else if (x.type === 'dir') {
          if (!sameMetadata(x, y)) out.push({ path, change: 'U' });
          await walk(x.subtree, y.subtree, path);
        } else if (!sameContent(x, y)) out.push({ path, change: 'M' });
        else if (!sameMetadata(x, y)) out.push({ path, change: 'U' });
      }
    }
  };
  await walk(a.tree, b.tree, '');
  return out;
}

/** Writes one file's content to `out`, blob by blob (verified), honouring backpressure. */
export async function dump(
  repo: Repository,
  snapshot: Snapshot,
  path: string,
  out: Writable,
): Promise<number> {
  const node = await findNode(repo, snapshot.tree, path);
  if (node.type !== 'file') throw new LifeboatError('Invalid', `${path} is a ${node.type}, not a file`);
  let written = 0;
  for (const id of node.content ?? []) {
    const data = await repo.loadBlob('data', id);
    written += data.length;
    if (!out.write(data)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  return written;
}
