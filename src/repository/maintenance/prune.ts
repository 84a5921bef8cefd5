import { LifeboatError } from '../../core/errors.ts';
import { compressAlways, compressBlob } from '../blobs/compression.ts';
import {
  decodeIndexFile,
  encodeIndexFile,
  INDEX_MAX_BLOBS,
  type IndexFileJSON,
  type PackContents,
} from '../format/index.ts';
import type { PackedBlob } from '../format/pack.ts';
import { BlobSaver } from '../repo/blob-saver.ts';
import { fileKey } from '../repo/layout.ts';
import { acquireLock, type LockOptions } from '../repo/locks.ts';
import { mapLimit, type Repository } from '../repo/repository.ts';
import { blobHandle, IndexView } from './index-view.ts';
import { type MaxUnused, type PrunePlan, type PruneStats, planPrune } from './prune-plan.ts';
import { collectUsedBlobs } from './used-blobs.ts';

export interface PruneOptions {
  /** Unused space to tolerate (default 5 %). */
  maxUnused?: MaxUnused;
  maxRepackBytes?: number;
  repackSmall?: boolean;
  repackUncompressed?: boolean;
  /** Plan and report, change nothing. */
  dryRun?: boolean;
  /** Snapshots to treat as already deleted (a dry-run `forget --prune`). */
  ignoreSnapshots?: ReadonlySet<string>;
  /**
   * Take the exclusive lock (default true). Pass false only when the caller already holds an exclusive lock
   * (`forget --prune`).
   */
  lock?: boolean;
  lockOptions?: LockOptions;
  /** Told about each step as it starts, for progress output. */
  onStep?: (step: PruneStep, detail: { done?: number; total?: number }) => void;
  /** Deletes in flight at once (default 8). */
  concurrency?: number;
}

export type PruneStep =
  | 'loading'
  | 'planning'
  | 'delete-unreferenced'
  | 'repack'
  | 'write-index'
  | 'delete-index'
  | 'delete-packs'
  | 'done';

export interface PruneResult {
  plan: Omit<PrunePlan, 'keepBlobs' | 'compress'>;
  stats: PruneStats;
  dryRun: boolean;
  /** Packs written by repacking. */
  newPacks: string[];
  indexFilesWritten: string[];
  indexFilesDeleted: string[];
  packsDeleted: number;
  /** Bytes of pack files deleted minus bytes of pack files written. */
  bytesFreed: number;
}

/**
 * Removes data no snapshot needs, in restic's crash-safe order: (1) packs no index names; (2) repack — copy the
 * still-needed blobs of partly used packs into new packs, whose own index files follow them; (3) write new
 * index files describing every pack that stays plus the new ones; (4) only then delete every old index file;
 * (5) only then delete the repacked and unused packs. A crash at any point leaves a repository whose index
 * files together still name a stored copy of every blob a snapshot needs: before (4) the old index files are
 * intact; after it the new ones are complete; packs disappear only once no index file names them.
 *
 * Holds an exclusive lock throughout, so it refuses to start beside a backup (the error names the other
 * lock's host, PID and time). Refuses, without changing anything, when a snapshot's tree cannot be read or a
 * needed blob or pack is missing. Afterwards `repo.index` is stale: reopen the repository to read from it.
 */
export async function prune(repo: Repository, options: PruneOptions = {}): Promise<PruneResult> {
  const lock =
    options.lock === false ? undefined : await acquireLock(repo, { ...options.lockOptions, exclusive: true });
  try {
    return await pruneLocked(repo, options);
  } finally {
    await lock?.release();
  }
}

async function pruneLocked(repo: Repository, options: PruneOptions): Promise<PruneResult> {
  const step = options.onStep ?? (() => {});
  const concurrency = options.concurrency ?? 8;
  step('loading', {});
  const { view, problems } = await IndexView.load(repo);
  if (problems.length > 0) {
    throw new LifeboatError(
      'Corrupt',
      `refusing to prune: index file ${problems[0].id.slice(0, 8)} cannot be read (${problems[0].message}); run check`,
    );
  }
  const snapshots = (await repo.listSnapshots()).filter((s) => !options.ignoreSnapshots?.has(s.id));
  const used = await collectUsedBlobs(repo, view, snapshots);
  const stored = new Map((await repo.listFiles('data')).map((f) => [f.id, f.size] as const));

  step('planning', {});
  const plan = planPrune(view, stored, used, {
    maxUnused: options.maxUnused ?? { kind: 'percent', value: 5 },
    maxRepackBytes: options.maxRepackBytes,
    packSize: repo.packSize,
    repackSmall: options.repackSmall,
    repackUncompressed: options.repackUncompressed,
    repoVersion: repo.config.version,
  });
  const { keepBlobs: _keep, compress: _compress, ...publicPlan } = plan;
  const result: PruneResult = {
    plan: publicPlan,
    stats: plan.stats,
    dryRun: options.dryRun === true,
    newPacks: [],
    indexFilesWritten: [],
    indexFilesDeleted: [],
    packsDeleted: 0,
    bytesFreed: 0,
  };
  if (options.dryRun) return result;

  const deletePacks = async (ids: readonly string[]) => {
    let done = 0;
    await mapLimit(ids, concurrency, async (id) => {
      await repo.deleteFile('data', id);
      result.packsDeleted++;
      result.bytesFreed += stored.get(id) ?? 0;
      step('delete-packs', { done: ++done, total: ids.length });
    });
  };

  // (1) Packs no index names cannot be needed by anyone (we hold the exclusive lock).
  if (plan.removeFirst.length > 0) {
    step('delete-unreferenced', { total: plan.removeFirst.length });
    await deletePacks(plan.removeFirst);
  }

  // (2) Copy the blobs still needed out of the packs to repack.
  let newPacks: PackContents[] = [];
  if (plan.repack.length > 0) {
    const repacked = await repack(repo, view, plan, step);
    newPacks = repacked.packs;
    result.newPacks = newPacks.map((p) => p.packId);
    result.bytesFreed -= repacked.packBytes;
    result.indexFilesWritten.push(...repacked.indexIds);
  }

  // (3) New index files for everything that stays, (4) then the old ones go, (5) then the packs.
  const leaving = new Set([...plan.repack, ...plan.remove, ...plan.ignore]);
  if (leaving.size > 0) {
    const oldIndexIds = [...view.files.map((f) => f.id), ...result.indexFilesWritten];
    const staying: PackContents[] = [];
    for (const [packId, blobs] of view.packs) if (!leaving.has(packId)) staying.push({ packId, blobs });
    step('write-index', {});
    const written = await writeIndexFiles(repo, [...staying, ...newPacks], oldIndexIds);
    result.indexFilesWritten.push(...written);
    step('delete-index', { total: oldIndexIds.length });
    await mapLimit(oldIndexIds, concurrency, async (id) => {
      await repo.deleteFile('index', id);
      result.indexFilesDeleted.push(id);
    });
    const doomed = [...plan.repack, ...plan.remove].filter((id) => stored.has(id));
    step('delete-packs', { total: doomed.length });
    await deletePacks(doomed);
  }
  step('done', {});
  return result;
}

/**
 * Copies the blobs in `plan.keepBlobs` out of the packs to repack into new packs (verifying each first: a
 * damaged blob must not become the only copy once the old pack goes), and writes their index files.
 */
async function repack(
  repo: Repository,
  view: IndexView,
  plan: PrunePlan,
  step: NonNullable<PruneOptions['onStep']>,
): Promise<{ packs: PackContents[]; indexIds: string[]; packBytes: number }> {
  const { keepBlobs, compress } = plan;
  const saver = new BlobSaver(repo);
  let done = 0;
  for (const packId of plan.repack) {
    step('repack', { done: done++, total: plan.repack.length });
    const wanted = (view.packs.get(packId) ?? []).filter((b) => keepBlobs.has(blobHandle(b.type, b.id)));
    if (wanted.length === 0) continue;
    const bytes = await repo.store.getBuffer(fileKey('data', packId));
    for (const b of wanted) {
      const h = blobHandle(b.type, b.id);
      if (!keepBlobs.has(h)) continue; // copied already from an earlier pack
      await saver.waitForCapacity();
      copyBlob(repo, saver, packId, bytes, b, compress.has(packId));
      keepBlobs.delete(h);
    }
  }
  const indexIds = await saver.flush();
  if (keepBlobs.size > 0) {
    throw new LifeboatError(
      'Internal',
      `prune: ${keepBlobs.size} blob(s) were not repacked; nothing was deleted`,
    );
  }
  const packs: PackContents[] = [];
  for (const id of indexIds) {
    const json = await repo.loadUnpacked<IndexFileJSON>('index', id);
    packs.push(...decodeIndexFile(json, `index/${id}`).packs);
  }
  return { packs, indexIds, packBytes: saver.stats.packBytes };
}

/** Adds one blob of a downloaded pack to the saver, verified, compressing it on the way when asked. */
function copyBlob(
  repo: Repository,
  saver: BlobSaver,
  packId: string,
  pack: Buffer,
  b: PackedBlob,
  compress: boolean,
): void {
  const sealed = pack.subarray(b.offset, b.offset + b.length);
  if (sealed.length !== b.length) {
    throw new LifeboatError(
      'Corrupt',
      `refusing to prune: pack ${packId} is truncated (${b.type} blob ${b.id})`,
    );
  }
  const plain = repo.openBlob(b.type, b.id, sealed, b.uncompressedLength);
  if (compress && b.uncompressedLength === undefined) {
    const z = b.type === 'tree' ? compressAlways(plain) : compressBlob(plain, 'auto');
    if (z) saver.add(b.type, b.id, repo.key.seal(z), plain.length, plain.length);
    else saver.add(b.type, b.id, Buffer.from(sealed), plain.length);
  } else {
    saver.add(b.type, b.id, Buffer.from(sealed), plain.length, b.uncompressedLength);
  }
}

/**
 * Writes `packs` as index files of at most restic's 50,000 blobs each. The last file written carries the
 * `supersedes` list, so it appears only once the new set is complete (restic ≤ 0.16 writes the field; no
 * reader relies on it, but one that did would never drop the old files early).
 */
async function writeIndexFiles(
  repo: Repository,
  packs: readonly PackContents[],
  supersedes: readonly string[],
): Promise<string[]> {
  const batches: PackContents[][] = [[]];
  let n = 0;
  for (const p of packs) {
    if (n > 0 && n + p.blobs.length > INDEX_MAX_BLOBS) {
      batches.push([]);
      n = 0;
    }
    batches[batches.length - 1].push(p);
    n += p.blobs.length;
  }
  const ids: string[] = [];
  for (let i = 0; i < batches.length; i++) {
    const last = i === batches.length - 1;
    if (batches[i].length === 0 && !last) continue;
    ids.push(await repo.saveUnpacked('index', encodeIndexFile(batches[i], last ? supersedes : [])));
  }
  return ids;
}
