import { posix } from 'node:path';
import { LifeboatError } from '../../core/errors.ts';
import type { TreeNode } from '../format/tree.ts';
import type { Repository } from '../repo/repository.ts';

export interface WalkEntry {
  /** Path inside the snapshot, starting with `/`. */
  path: string;
  node: TreeNode;
}

/**
 * Depth-first walk of a snapshot tree, parents before children, names in tree order. `under` limits the walk to
 * one path (a file or a directory) and the directories leading to it.
 */
export async function* walkTree(repo: Repository, treeId: string, under = '/'): AsyncGenerator<WalkEntry> {
  const want = normalizeSnapshotPath(under);
  yield* walk(repo, treeId, '/', want);
}

async function* walk(repo: Repository, treeId: string, dir: string, want: string): AsyncGenerator<WalkEntry> {
  for (const node of await repo.loadTree(treeId)) {
    const path = posix.join(dir, node.name);
    const inside = want === '/' || path === want || path.startsWith(`${want}/`);
    const onTheWay = want.startsWith(`${path}/`);
    if (!inside && !onTheWay) continue;
    yield { path, node };
    if (node.type === 'dir' && node.subtree) yield* walk(repo, node.subtree, path, want);
  }
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
