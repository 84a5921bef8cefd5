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
  const ahead = new SubtreesAhead(repo, nodes, dir, prefix, want);
  for (let i = 0; i < nodes.length; i++) {
    const path = prefix + nodes[i].name;
    if (!wanted(path, want)) continue;
    yield { path, node: nodes[i] };
    const load = ahead.take(i);
    if (load) yield* walk(repo, load, path, want);
  }
}

/**
 * The same walk as `walkTree`, calling `visit` for each entry instead of yielding it: no promise per entry,
 * which matters when a restore plans tens of thousands of files.
 */
export async function forEachEntry(
  repo: Repository,
  treeId: string,
  under: string,
  visit: (entry: WalkEntry) => void,
): Promise<void> {
  await visitTree(repo, repo.loadTree(treeId), '/', normalizeSnapshotPath(under), visit);
}

async function visitTree(
  repo: Repository,
  tree: Promise<TreeNode[]>,
  dir: string,
  want: string,
  visit: (entry: WalkEntry) => void,
): Promise<void> {
  const nodes = await tree;
  const prefix = dir === '/' ? '/' : `${dir}/`;
  const ahead = new SubtreesAhead(repo, nodes, dir, prefix, want);
  for (let i = 0; i < nodes.length; i++) {
    const path = prefix + nodes[i].name;
    if (!wanted(path, want)) continue;
    visit({ path, node: nodes[i] });
    const load = ahead.take(i);
    if (load) await visitTree(repo, load, path, want, visit);
  }
}

/** Checks a directory's entry names and reads the subtrees the walk will enter, a few ahead. */
class SubtreesAhead {
  readonly #repo: Repository;
  readonly #descend: Array<{ index: number; subtree: string }> = [];
  readonly #loads = new Map<number, Promise<TreeNode[]>>();
  #next = 0;

  constructor(repo: Repository, nodes: TreeNode[], dir: string, prefix: string, want: string) {
    this.#repo = repo;
    for (let i = 0; i < nodes.length; i++) {
      const node = nodes[i];
      if (!node.name || node.name === '.' || node.name === '..' || node.name.includes('/')) {
        throw new LifeboatError(
          'Corrupt',
          `tree in ${dir} holds an entry named ${JSON.stringify(node.name)}`,
        );
      }
      if (node.type === 'dir' && node.subtree && wanted(prefix + node.name, want)) {
        this.#descend.push({ index: i, subtree: node.subtree });
      }
    }
    this.#fill();
  }

  /** The loading subtree of entry `index`, if the walk enters it. */
  take(index: number): Promise<TreeNode[]> | undefined {
    const load = this.#loads.get(index);
    if (load) {
      this.#loads.delete(index);
      this.#fill();
    }
    return load;
  }

  #fill(): void {
    while (this.#next < this.#descend.length && this.#loads.size < SUBTREES_AHEAD) {
      const d = this.#descend[this.#next++];
      const load = this.#repo.loadTree(d.subtree);
      load.catch(() => undefined); // awaited by the walk; one abandoned early must not leave it unhandled
      this.#loads.set(d.index, load);
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
