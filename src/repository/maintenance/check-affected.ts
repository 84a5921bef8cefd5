import { posix } from 'node:path';
import type { Snapshot } from '../format/snapshot.ts';
import type { TreeNode } from '../format/tree.ts';
import type { Repository } from '../repo/repository.ts';
import type { AffectedSnapshot } from './check.ts';
import { type BlobHandle, blobHandle, type IndexView } from './index-view.ts';

/**
 * For each snapshot, the paths that need a lost blob: files with lost content, and directories (written with a
 * trailing `/`) whose listing is lost or unreadable, which takes everything below them. Trees are read once
 * and shared between snapshots; only called when something is lost, so the full walk is acceptable.
 */
export async function findAffected(
  repo: Repository,
  view: IndexView,
  snapshots: readonly Snapshot[],
  lost: ReadonlySet<BlobHandle>,
): Promise<AffectedSnapshot[]> {
  const trees = new Map<string, Promise<TreeNode[] | undefined>>();
  const load = (id: string) => {
    let p = trees.get(id);
    if (!p) {
      p = lost.has(blobHandle('tree', id))
        ? Promise.resolve(undefined)
        : view.loadTree(repo, id).catch(() => undefined);
      trees.set(id, p);
    }
    return p;
  };
  // Per tree: the relative paths below it that are affected (memoised, so shared subtrees cost one walk).
  const below = new Map<string, Promise<string[]>>();
  const affectedIn = (treeId: string): Promise<string[]> => {
    let p = below.get(treeId);
    if (!p) {
      p = (async () => {
        const nodes = await load(treeId);
        if (!nodes) return [''];
        const out: string[] = [];
        for (const n of nodes) {
          if (n.type === 'file' && (n.content ?? []).some((c) => lost.has(blobHandle('data', c))))
            out.push(n.name);
          if (n.type === 'dir' && n.subtree) {
            for (const rel of await affectedIn(n.subtree))
              out.push(rel === '' ? `${n.name}/` : `${n.name}/${rel}`);
          }
        }
        return out;
      })();
      below.set(treeId, p);
    }
    return p;
  };
  const result: AffectedSnapshot[] = [];
  for (const s of snapshots) {
    const rel = await affectedIn(s.tree);
    if (rel.length > 0) {
      result.push({ snapshotId: s.id, time: s.time, paths: rel.map((r) => posix.join('/', r)) });
    }
  }
  return result;
}
