import type { Snapshot } from '../format/snapshot.ts';
import type { TreeNode } from '../format/tree.ts';
import { acquireLock } from '../repo/locks.ts';
import type { Repository } from '../repo/repository.ts';
import { blobHandle, IndexView, parseBlobHandle } from './index-view.ts';
import { visitTrees } from './used-blobs.ts';

/** Restore size of one snapshot, restic's `restore-size` rules. */
export interface RestoreSize {
  /** Every entry below the root: files, directories, links (restic counts them all as "files"). */
  fileCount: number;
  /** Sum of file sizes, each inode counted once (hard links do not add). */
  bytes: number;
}

/**
 * Computes restore sizes of snapshots, reading each tree once however many snapshots share it. Decoded trees
 * stay cached for the sizer's lifetime (memory grows with the number of distinct trees, not with file data).
 */
export class RestoreSizer {
  readonly #load: (id: string) => Promise<TreeNode[]>;
  readonly #trees = new Map<string, Promise<TreeNode[]>>();

  constructor(load: (id: string) => Promise<TreeNode[]>) {
    this.#load = load;
  }

  #tree(id: string): Promise<TreeNode[]> {
    let p = this.#trees.get(id);
    if (!p) {
      p = this.#load(id);
      this.#trees.set(id, p);
    }
    return p;
  }

  async of(snapshot: Pick<Snapshot, 'tree'>): Promise<RestoreSize> {
    const out: RestoreSize = { fileCount: 0, bytes: 0 };
    const inodes = new Set<number>();
    const walk = async (treeId: string): Promise<void> => {
      for (const node of await this.#tree(treeId)) {
        out.fileCount++;
        const inode = node.inode ?? 0;
        if (inode === 0 || !inodes.has(inode)) {
          inodes.add(inode);
          out.bytes += node.size ?? 0;
        }
        if (node.type === 'dir' && node.subtree) await walk(node.subtree);
      }
    };
    await walk(snapshot.tree);
    return out;
  }
}

export interface RepoStats {
  snapshotsCount: number;
  /** restic `restore-size`: entries and bytes a restore of every snapshot would write (summed over snapshots). */
  totalFileCount: number;
  restoreSize: number;
  /** restic `raw-data`: the distinct blobs (trees and data) the snapshots reference, as stored. */
  blobCount: number;
  /** Stored bytes of those blobs (compressed and encrypted, as in their packs). */
  rawDataSize: number;
  /** Their plaintext bytes. */
  uncompressedSize: number;
  /** Plaintext bytes of the distinct data blobs (file content after deduplication). */
  uniqueDataSize: number;
  /** restoreSize ÷ uniqueDataSize: how much deduplication saves (1 = nothing). */
  dedupRatio: number;
  /** uncompressedSize ÷ rawDataSize: how much compression saves (1 = nothing; encryption adds 32 bytes a blob). */
  compressionRatio: number;
  /** 1 − rawDataSize ÷ uncompressedSize, in percent. */
  compressionSpaceSaving: number;
  /** The whole repository, whatever the selection. */
  repository: { packs: number; packBytes: number; indexFiles: number; snapshots: number; blobs: number };
}

export interface StatsOptions {
  /** The snapshots to count (default: all). */
  snapshots?: readonly Snapshot[];
  /** Take a shared lock (default true). */
  lock?: boolean;
}

/** Size statistics of a repository or of some of its snapshots, in restic's two main modes at once. */
export async function stats(repo: Repository, options: StatsOptions = {}): Promise<RepoStats> {
  const lock = options.lock === false ? undefined : await acquireLock(repo);
  try {
    const { view } = await IndexView.load(repo);
    const all = await repo.listSnapshots();
    const selected = options.snapshots ?? all;
    const sizer = new RestoreSizer((id) => view.loadTree(repo, id));
    let totalFileCount = 0;
    let restoreSize = 0;
    for (const s of selected) {
      const r = await sizer.of(s);
      totalFileCount += r.fileCount;
      restoreSize += r.bytes;
    }
    const blobs = new Set<string>();
    await visitTrees(
      [...new Set(selected.map((s) => s.tree))],
      (id) => view.loadTree(repo, id),
      ({ id, nodes }) => {
        blobs.add(blobHandle('tree', id));
        for (const n of nodes)
          if (n.type === 'file') for (const c of n.content ?? []) blobs.add(blobHandle('data', c));
      },
    );
    let rawDataSize = 0;
    let uncompressedSize = 0;
    let uniqueDataSize = 0;
    for (const h of blobs) {
      const { type, id } = parseBlobHandle(h);
      const copy = view.copies(type, id)[0];
      if (!copy) continue;
      rawDataSize += copy.length;
      const plain = copy.uncompressedLength ?? copy.length - 32;
      uncompressedSize += plain;
      if (type === 'data') uniqueDataSize += plain;
    }
    const packs = await repo.listFiles('data');
    return {
      snapshotsCount: selected.length,
      totalFileCount,
      restoreSize,
      blobCount: blobs.size,
      rawDataSize,
      uncompressedSize,
      uniqueDataSize,
      dedupRatio: uniqueDataSize > 0 ? restoreSize / uniqueDataSize : 1,
      compressionRatio: rawDataSize > 0 ? uncompressedSize / rawDataSize : 1,
      compressionSpaceSaving: uncompressedSize > 0 ? (1 - rawDataSize / uncompressedSize) * 100 : 0,
      repository: {
        packs: packs.length,
        packBytes: packs.reduce((n, p) => n + p.size, 0),
        indexFiles: view.files.length,
        snapshots: all.length,
        blobs: view.blobCount,
      },
    };
  } finally {
    await lock?.release();
  }
}
