import { errorMessage, LifeboatError } from '../../core/errors.ts';
import type { Snapshot } from '../format/snapshot.ts';
import type { TreeNode } from '../format/tree.ts';
import type { Repository } from '../repo/repository.ts';
import { type BlobHandle, blobHandle, type IndexView } from './index-view.ts';

export interface TreeVisit {
  id: string;
  nodes: TreeNode[];
}

/**
 * Loads every tree reachable from `roots` once (shared subtrees are read once, `concurrency` at a time) and
 * hands each to `visit`. A tree that fails to load goes to `onError` (and its subtrees are not reached); without
 * `onError`, or when `visit` or `onError` throws, the walk stops and the first failure is thrown.
 */
export async function visitTrees(
  roots: readonly string[],
  load: (id: string) => Promise<TreeNode[]>,
  visit: (tree: TreeVisit) => void,
  options: { concurrency?: number; onError?: (id: string, err: unknown) => void } = {},
): Promise<void> {
  const seen = new Set<string>();
  const queue: string[] = [];
  const push = (id: string) => {
    if (seen.has(id)) return;
    seen.add(id);
    queue.push(id);
  };
  for (const r of roots) push(r);
  let failure: unknown;
  let active = 0;
  await new Promise<void>((resolve) => {
    const pump = () => {
      while (failure === undefined && active < (options.concurrency ?? 8) && queue.length > 0) {
        const id = queue.shift() as string;
        active++;
        load(id)
          .then(
            (nodes) => {
              visit({ id, nodes });
              for (const n of nodes) if (n.type === 'dir' && n.subtree) push(n.subtree);
            },
            (err) => {
              if (!options.onError) throw err;
              options.onError(id, err);
            },
          )
          .catch((err) => {
            failure ??= err;
          })
          .finally(() => {
            active--;
            pump();
          });
      }
      if (active === 0 && (queue.length === 0 || failure !== undefined)) resolve();
    };
    pump();
  });
  if (failure !== undefined) throw failure;
}

/**
 * Every blob the snapshots need: their trees and the data blobs of their files, as handles. Throws `Corrupt`
 * naming the snapshot when a tree cannot be loaded, because prune must never act on a partial picture.
 */
export async function collectUsedBlobs(
  repo: Repository,
  view: IndexView,
  snapshots: readonly Snapshot[],
): Promise<Set<BlobHandle>> {
  const used = new Set<BlobHandle>();
  const rootOwner = new Map<string, string>();
  for (const s of snapshots) if (!rootOwner.has(s.tree)) rootOwner.set(s.tree, s.id);
  try {
    await visitTrees(
      [...rootOwner.keys()],
      (id) => view.loadTree(repo, id),
      ({ id, nodes }) => {
        used.add(blobHandle('tree', id));
        for (const n of nodes) {
          if (n.type === 'file') for (const c of n.content ?? []) used.add(blobHandle('data', c));
        }
      },
    );
  } catch (err) {
    throw new LifeboatError(
      'Corrupt',
      `a snapshot's tree cannot be loaded (${errorMessage(err)}); run check before pruning`,
      { cause: err },
    );
  }
  return used;
}
