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
  const finder = new AffectedFinder(repo, view, lost);
  const result: AffectedSnapshot[] = [];
  for (const s of snapshots) {
    const rel = await finder.below(s.tree);
    if (rel.length > 0)
      result.push({ snapshotId: s.id, time: s.time, paths: rel.map((r) => posix.join('/', r)) });
  }
  return result;
}

class AffectedFinder {
  readonly #repo: Repository;
  readonly #view: IndexView;
  readonly #lost: ReadonlySet<BlobHandle>;
  /** Tree id → the affected paths below it, relative (memoised: shared subtrees cost one walk). */
  readonly #memo = new Map<string, Promise<string[]>>();

  constructor(repo: Repository, view: IndexView, lost: ReadonlySet<BlobHandle>) {
    this.#repo = repo;
    this.#view = view;
    this.#lost = lost;
  }

  /** Affected paths below tree `id`; `['']` when the tree itself is lost. */
  below(id: string): Promise<string[]> {
    let p = this.#memo.get(id);
    if (!p) {
      p = this.#walk(id);
      this.#memo.set(id, p);
    }
    return p;
  }

  async #walk(id: string): Promise<string[]> {
    const nodes = await this.#load(id);
    if (!nodes) return [''];
    const out: string[] = [];
    for (const n of nodes) {
      if (n.type === 'file' && (n.content ?? []).some((c) => this.#lost.has(blobHandle('data', c))))
        out.push(n.name);
      if (n.type !== 'dir' || !n.subtree) continue;
      for (const rel of await this.below(n.subtree)) out.push(rel === '' ? `${n.name}/` : `${n.name}/${rel}`);
    }
    return out;
  }

  async #load(id: string): Promise<TreeNode[] | undefined> {
    if (this.#lost.has(blobHandle('tree', id))) return undefined;
    return this.#view.loadTree(this.#repo, id).catch(() => undefined);
  }
}
