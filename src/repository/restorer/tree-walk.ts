import { posix } from 'node:path';
import { LifeboatError } from '../../core/errors.ts';
import type { TreeNode } from '../format/tree.ts';
import type { Repository } from '../repo/repository.ts';

export interface WalkEntry {
  /** Path inside the snapshot, starting with `/`. */
  path: string;
  node: TreeNode;
}

/** Subtrees loaded ahead of the walk, per directory level (their reads overlap instead of queueing). */
const SUBTREES_AHEAD = 8;

/**
 * Depth-first walk of a snapshot tree, parents before children, names in tree order. `under` limits the walk to
 * one path (a file or a directory) and the directories leading to it. A few subtrees are read ahead of the
 * one being walked. Entries whose names could leave their directory (empty, `.`, `..`, or with a `/`: no
 * honest writer makes them) are refused with `Corrupt`, so a restore never writes outside its target.
 */
export async function* walkTree(repo: Repository, treeId: string, under = '/'): AsyncGenerator<WalkEntry> {
  const want = normalizeSnapshotPath(under);
  yield* walk(repo, repo.loadTree(treeId), '/', want);
}

async function* walk(
  repo: Repository,
  tree: Promise<TreeNode[]>,
  dir: string,
  want: string,
): AsyncGenerator<WalkEntry> {
  const nodes = await tree;
  const prefix = dir === '/' ? '/' : `${dir}/`;
  const descend: Array<{ index: number; subtree: string }> = [];
  for (let i = 0; i < nodes.length; i++) {
    const node = nodes[i];
    if (!node.name || node.name === '.' || node.name === '..' || node.name.includes('/')) {
      throw new LifeboatError('Corrupt', `tree in ${dir} holds an entry named ${JSON.stringify(node.name)}`);
    }
    if (node.type === 'dir' && node.subtree && wanted(prefix + node.name, want)) {
      descend.push({ index: i, subtree: node.subtree });
    }
  }
  const loads = new Map<number, Promise<TreeNode[]>>();
  let next = 0;
  const readAhead = () => {
    while (next < descend.length && loads.size < SUBTREES_AHEAD) {
      const d = descend[next++];
      const load = repo.loadTree(d.subtree);
      load.catch(() => undefined); // awaited below; a walk abandoned early must not leave it unhandled
      loads.set(d.index, load);
    }
  };
  readAhead();
  for (let i = 0; i < nodes.length; i++) {
    const node = nodes[i];
    const path = prefix + node.name;
    if (!wanted(path, want)) continue;
    yield { path, node };
    const load = loads.get(i);
    if (load) {
      loads.delete(i);
      readAhead();
      yield* walk(repo, load, path, want);
    }
  }
}

/** Whether `path` is inside `want` or on the way to it. */
function wanted(path: string, want: string): boolean {
  return want === '/' || path === want || path.startsWith(`${want}/`) || want.startsWith(`${path}/`);
}

export function normalizeSnapshotPath(p: string): string {
  const n = posix.normalize(`/${p}`);
  return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n;
}

/** The node at `path` in the snapshot tree `treeId`. Throws `NotFound`. */
export async function findNode(repo: Repository, treeId: string, path: string): Promise<TreeNode> {
  const parts = normalizeSnapshotPath(path).split('/').filter(Boolean);
  let tree = treeId;
  let node: TreeNode | undefined;
  for (let i = 0; i < parts.length; i++) {
    node = (await repo.loadTree(tree)).find((n) => n.name === parts[i]);
    if (!node) break;
    if (i < parts.length - 1) {
      if (node.type !== 'dir' || !node.subtree) {
        node = undefined;
        break;
      }
      tree = node.subtree;
    }
  }
  if (!node) throw new LifeboatError('NotFound', `${path}: no such file in the snapshot`);
  return node;
}
