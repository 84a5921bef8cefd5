import { createHash } from 'node:crypto';
import { errorMessage, isLifeboatError } from '../../core/errors.ts';
import { parseKeyFile, sha256Hex } from '../format/key-file.ts';
import { decodePackHeader, type PackedBlob } from '../format/pack.ts';
import type { Snapshot, SnapshotJSON } from '../format/snapshot.ts';
import type { TreeNode } from '../format/tree.ts';
import { fileKey } from '../repo/layout.ts';
import { acquireLock, type LockOptions } from '../repo/locks.ts';
import { mapLimit, type Repository } from '../repo/repository.ts';
import { findAffected } from './check-affected.ts';
import { type BlobHandle, blobHandle, expectedPackSize, IndexView, parseBlobHandle } from './index-view.ts';
import { parseReadDataSubset, type ReadDataSubset, selectPacks } from './read-data-subset.ts';
import { visitTrees } from './used-blobs.ts';

export interface CheckOptions {
  /** Download every pack (or the subset) and verify every blob in it. */
  readData?: boolean;
  /** `n/t` or `x%`: read only these packs (implies readData). */
  readDataSubset?: string | ReadDataSubset;
  /** Randomness for a percentage subset (tests pin it). */
  random?: () => number;
  /** Take a shared lock for the duration (default true). */
  lock?: boolean;
  lockOptions?: LockOptions;
  /** Packs read at once with read-data (default 2; each is held whole in memory). */
  readConcurrency?: number;
  onProgress?: (phase: CheckPhase, done: number, total: number) => void;
}

export type CheckPhase =
  | 'keys'
  | 'index'
  | 'packs'
  | 'headers'
  | 'snapshots'
  | 'trees'
  | 'read-data'
  | 'affected';

export type CheckProblemKind = 'config' | 'key' | 'index' | 'pack' | 'blob' | 'snapshot' | 'tree';

export interface CheckProblem {
  kind: CheckProblemKind;
  /** The file or blob the problem is about (full id). */
  id?: string;
  message: string;
}

export interface LostBlob {
  type: 'data' | 'tree';
  id: string;
}

/** A pack with damage: why, and which of its blobs are unreadable here and have no good copy elsewhere. */
export interface DamagedPack {
  packId: string;
  reasons: string[];
  /** Blobs whose copy in this pack is unreadable. */
  damagedBlobs: LostBlob[];
  /** Of those, the ones with no intact copy anywhere: data that is gone. */
  lostBlobs: LostBlob[];
}

/** What a snapshot loses: files whose content needs a lost blob, directories whose listing is lost. */
export interface AffectedSnapshot {
  snapshotId: string;
  time: string;
  paths: string[];
}

export interface CheckReport {
  ok: boolean;
  errors: CheckProblem[];
  warnings: CheckProblem[];
  counts: {
    keys: number;
    indexFiles: number;
    packs: number;
    blobs: number;
    snapshots: number;
    trees: number;
    unusedBlobs: number;
    duplicateBlobs: number;
    orphanPacks: number;
    packsRead: number;
    blobsRead: number;
    bytesRead: number;
  };
  damagedPacks: DamagedPack[];
  /** Blobs a snapshot needs that no intact copy holds (including blobs no index knows). */
  lostBlobs: LostBlob[];
  affected: AffectedSnapshot[];
  /** Present when data was read: how many of the packs were selected. */
  readData?: { selected: number; total: number };
}

interface Damage {
  reasons: string[];
  blobs: Set<BlobHandle>;
}

/**
 * Checks a repository: key files parse; every index file decrypts and parses; every pack an index names exists
 * with the size its entries imply and a header that lists exactly those entries; every snapshot loads and
 * every tree it reaches loads, verifies and names only blobs the index knows. With `readData`, every selected
 * pack is downloaded, its SHA-256 compared with its name and every blob in it decrypted and verified. Damage is
 * reported per pack, with the blobs lost (no intact copy elsewhere) and the snapshots and paths that need them.
 * Unused and duplicate blobs, packs listed by several index files, mixed packs and unindexed packs are
 * warnings, as in restic. Never changes the repository (apart from its own lock file).
 */
export async function check(repo: Repository, options: CheckOptions = {}): Promise<CheckReport> {
  const lock = options.lock === false ? undefined : await acquireLock(repo, options.lockOptions);
  try {
    return await checkLocked(repo, options);
  } finally {
    await lock?.release();
  }
}

async function checkLocked(repo: Repository, options: CheckOptions): Promise<CheckReport> {
  const c = new Checker(repo, options);
  await c.keys();
  const view = await c.index();
  const sound = await c.packs(view);
  await c.contents(view, sound);
  const snapshots = await c.snapshots();
  await c.trees(view, snapshots);
  await c.damage(view, snapshots);
  c.report.ok = c.report.errors.length === 0;
  return c.report;
}

function emptyReport(): CheckReport {
  return {
    ok: false,
    errors: [],
    warnings: [],
    counts: {
      keys: 0,
      indexFiles: 0,
      packs: 0,
      blobs: 0,
      snapshots: 0,
      trees: 0,
      unusedBlobs: 0,
      duplicateBlobs: 0,
      orphanPacks: 0,
      packsRead: 0,
      blobsRead: 0,
      bytesRead: 0,
    },
    damagedPacks: [],
    lostBlobs: [],
    affected: [],
  };
}

/** One check run: each phase adds to the report; damage is collected per pack for the final accounting. */
class Checker {
  readonly report = emptyReport();
  readonly #repo: Repository;
  readonly #options: CheckOptions;
  readonly #progress: NonNullable<CheckOptions['onProgress']>;
  readonly #damage = new Map<string, Damage>();
  readonly #used = new Set<BlobHandle>();
  /** Blobs that no intact copy holds as far as the trees show: data no index knows, trees that do not load. */
  readonly #lost = new Set<BlobHandle>();

  constructor(repo: Repository, options: CheckOptions) {
    this.#repo = repo;
    this.#options = options;
    this.#progress = options.onProgress ?? (() => {});
  }

  #error(kind: CheckProblemKind, message: string, id?: string): void {
    this.report.errors.push({ kind, id, message });
  }

  #warn(kind: CheckProblemKind, message: string, id?: string): void {
    this.report.warnings.push({ kind, id, message });
  }

  readonly #damagePack = (packId: string, reason: string, blobs: Iterable<PackedBlob>): void => {
    let d = this.#damage.get(packId);
    if (!d) {
      d = { reasons: [], blobs: new Set() };
      this.#damage.set(packId, d);
    }
    if (!d.reasons.includes(reason)) d.reasons.push(reason);
    for (const b of blobs) d.blobs.add(blobHandle(b.type, b.id));
    this.#error('pack', `pack ${packId}: ${reason}`, packId);
  };

  async keys(): Promise<void> {
    await checkKeys(this.#repo, this.report, (kind, message, id) => this.#error(kind, message, id));
    this.#progress('keys', this.report.counts.keys, this.report.counts.keys);
  }

  async index(): Promise<IndexView> {
    const { view, problems } = await IndexView.load(this.#repo);
    for (const p of problems) this.#error('index', `index ${p.id}: ${p.message}`, p.id);
    this.report.counts.indexFiles = view.files.length + problems.length;
    this.report.counts.blobs = view.blobCount;
    for (const [, copies] of view.blobs()) if (copies.length > 1) this.report.counts.duplicateBlobs++;
    if (this.report.counts.duplicateBlobs > 0) {
      this.#warn(
        'blob',
        `${this.report.counts.duplicateBlobs} blob(s) are stored more than once (prune removes the extra copies)`,
      );
    }
    this.#progress('index', this.report.counts.indexFiles, this.report.counts.indexFiles);
    return view;
  }

  /** Existence, size and membership of every pack; returns the packs of the right size, with their sizes. */
  async packs(view: IndexView): Promise<Array<[string, number]>> {
    const stored = new Map((await this.#repo.listFiles('data')).map((f) => [f.id, f.size] as const));
    const sound: Array<[string, number]> = [];
    for (const [packId, blobs] of view.packs) {
      const size = stored.get(packId);
      if (size === undefined) {
        this.#damagePack(packId, 'does not exist', blobs);
        continue;
      }
      const expected = expectedPackSize(blobs);
      if (size === expected) sound.push([packId, size]);
      else {
        const beyond = blobs.filter((b) => b.offset + b.length > size);
        const what = size < expected ? 'truncated' : 'too long';
        this.#damagePack(packId, `${what}: ${size} bytes, the index implies ${expected}`, beyond);
      }
      const files = view.packIndexFiles.get(packId) ?? [];
      if (files.length > 1) {
        const names = files.map((f) => f.slice(0, 8)).join(', ');
        this.#warn('pack', `pack ${packId} is listed in ${files.length} index files: ${names}`, packId);
      }
      if (new Set(blobs.map((b) => b.type)).size > 1) {
        this.#warn('pack', `pack ${packId} holds both tree and data blobs`, packId);
      }
    }
    for (const packId of stored.keys()) {
      if (view.packs.has(packId)) continue;
      this.report.counts.orphanPacks++;
      this.#warn('pack', `pack ${packId}: not referenced in any index (prune removes it)`, packId);
    }
    this.report.counts.packs = view.packs.size;
    this.#progress('packs', view.packs.size, view.packs.size);
    return sound;
  }

  /** The header of each sound pack, or with read-data the whole of the selected ones. */
  async contents(view: IndexView, sound: Array<[string, number]>): Promise<void> {
    const o = this.#options;
    const subset =
      typeof o.readDataSubset === 'string' ? parseReadDataSubset(o.readDataSubset) : o.readDataSubset;
    const ids = sound.map(([id]) => id);
    const toRead = new Set(
      o.readData !== true && subset === undefined ? [] : subset ? selectPacks(ids, subset, o.random) : ids,
    );
    const headerOnly = sound.filter(([id]) => !toRead.has(id));
    let done = 0;
    await mapLimit(headerOnly, 8, async ([packId, size]) => {
      try {
        const header = await this.#repo.readPackHeader(packId, size);
        const mismatch = compareHeader(header, view.packs.get(packId) ?? []);
        if (mismatch) this.#damagePack(packId, `header does not match the index: ${mismatch}`, []);
      } catch (err) {
        if (!isLifeboatError(err) || err.code === 'Unavailable') throw err;
        this.#damagePack(packId, `header cannot be read: ${err.message}`, []);
      }
      this.#progress('headers', ++done, headerOnly.length);
    });
    if (o.readData !== true && subset === undefined) return;
    this.report.readData = { selected: toRead.size, total: sound.length };
    done = 0;
    await mapLimit([...toRead], o.readConcurrency ?? 2, async (packId) => {
      await readPack(this.#repo, packId, view.packs.get(packId) ?? [], this.report, this.#damagePack);
      this.#progress('read-data', ++done, toRead.size);
    });
  }

  async snapshots(): Promise<Snapshot[]> {
    const snapshots: Snapshot[] = [];
    for (const id of await this.#repo.listIds('snapshots')) {
      try {
        const json = await this.#repo.loadUnpacked<SnapshotJSON>('snapshots', id);
        if (typeof json.tree !== 'string') throw new Error('snapshot has no tree');
        snapshots.push({ ...json, id });
      } catch (err) {
        if (isLifeboatError(err, 'Unavailable')) throw err;
        this.#error('snapshot', `snapshot ${id}: ${errorMessage(err)}`, id);
      }
    }
    this.report.counts.snapshots = snapshots.length;
    this.#progress('snapshots', snapshots.length, snapshots.length);
    return snapshots;
  }

  /** Every tree the snapshots reach loads and verifies, and names only data blobs the index knows. */
  async trees(view: IndexView, snapshots: readonly Snapshot[]): Promise<void> {
    await visitTrees(
      snapshots.map((s) => s.tree),
      (id) => view.loadTree(this.#repo, id),
      ({ id, nodes }) => {
        this.report.counts.trees++;
        this.#used.add(blobHandle('tree', id));
        for (const node of nodes) this.#node(view, id, node);
        this.#progress('trees', this.report.counts.trees, 0);
      },
      {
        onError: (id, err) => {
          if (isLifeboatError(err, 'Unavailable')) throw err;
          this.#used.add(blobHandle('tree', id));
          this.#lost.add(blobHandle('tree', id));
          this.#error('tree', `tree ${id}: ${errorMessage(err)}`, id);
        },
      },
    );
    for (const [h] of view.blobs()) if (!this.#used.has(h)) this.report.counts.unusedBlobs++;
    if (this.report.counts.unusedBlobs > 0) {
      this.#warn(
        'blob',
        `${this.report.counts.unusedBlobs} blob(s) are not used by any snapshot (prune removes them)`,
      );
    }
  }

  #node(view: IndexView, treeId: string, node: TreeNode): void {
    if (node.type === 'dir' && !node.subtree) {
      this.#error('tree', `tree ${treeId}: directory ${JSON.stringify(node.name)} has no subtree`, treeId);
    }
    if (node.type !== 'file') return;
    for (const blob of node.content ?? []) {
      const h = blobHandle('data', blob);
      this.#used.add(h);
      if (view.has('data', blob) || this.#lost.has(h)) continue;
      this.#lost.add(h);
      this.#error(
        'blob',
        `tree ${treeId}: file ${JSON.stringify(node.name)}: data blob ${blob} is in no index`,
        blob,
      );
    }
  }

  /** Per damaged pack, which blobs are lost (no intact copy elsewhere); then who needs them. */
  async damage(view: IndexView, snapshots: readonly Snapshot[]): Promise<void> {
    for (const [packId, d] of this.#damage) {
      const entry: DamagedPack = { packId, reasons: d.reasons, damagedBlobs: [], lostBlobs: [] };
      for (const h of d.blobs) {
        const { type, id } = parseBlobHandle(h);
        entry.damagedBlobs.push({ type, id });
        const intact = view
          .copies(type, id)
          .some((c) => c.packId !== packId && !this.#damage.get(c.packId)?.blobs.has(h));
        if (intact) continue;
        entry.lostBlobs.push({ type, id });
        this.#lost.add(h);
      }
      this.report.damagedPacks.push(entry);
    }
    this.report.lostBlobs = [...this.#lost].sort().map(parseBlobHandle);
    if (this.#lost.size === 0) return;
    this.report.affected = await findAffected(this.#repo, view, snapshots, this.#lost);
    this.#progress('affected', this.report.affected.length, this.report.affected.length);
  }
}

async function checkKeys(
  repo: Repository,
  report: CheckReport,
  error: (kind: CheckProblemKind, message: string, id?: string) => void,
): Promise<void> {
  for (const id of await repo.listIds('keys')) {
    report.counts.keys++;
    try {
      const bytes = await repo.store.getBuffer(fileKey('keys', id));
      if (sha256Hex(bytes) !== id) error('key', `key ${id}: content does not match its name`, id);
      else parseKeyFile(bytes);
    } catch (err) {
      if (isLifeboatError(err, 'Unavailable')) throw err;
      error('key', `key ${id}: ${errorMessage(err)}`, id);
    }
  }
}

/** Why a pack's header and its index entries disagree, or undefined when they match. */
function compareHeader(header: readonly PackedBlob[], indexed: readonly PackedBlob[]): string | undefined {
  const key = (b: PackedBlob) => `${b.type}:${b.id}:${b.offset}:${b.length}:${b.uncompressedLength ?? '-'}`;
  const inHeader = new Set(header.map(key));
  const inIndex = new Set(indexed.map(key));
  const onlyIndex = [...inIndex].filter((k) => !inHeader.has(k));
  const onlyHeader = [...inHeader].filter((k) => !inIndex.has(k));
  if (onlyIndex.length === 0 && onlyHeader.length === 0) return undefined;
  const parts: string[] = [];
  if (onlyIndex.length)
    parts.push(`${onlyIndex.length} index entr${onlyIndex.length === 1 ? 'y' : 'ies'} not in the header`);
  if (onlyHeader.length)
    parts.push(`${onlyHeader.length} header entr${onlyHeader.length === 1 ? 'y' : 'ies'} not in the index`);
  return parts.join(', ');
}

/** Downloads one pack and verifies its name, its header and every blob the index places in it. */
async function readPack(
  repo: Repository,
  packId: string,
  indexed: readonly PackedBlob[],
  report: CheckReport,
  damagePack: (packId: string, reason: string, blobs: Iterable<PackedBlob>) => void,
): Promise<void> {
  const bytes = await repo.store.getBuffer(fileKey('data', packId));
  report.counts.packsRead++;
  report.counts.bytesRead += bytes.length;
  if (createHash('sha256').update(bytes).digest('hex') !== packId) {
    damagePack(packId, 'content does not match its name (the file is damaged)', []);
  }
  try {
    const header = decodePackHeader(bytes, repo.key, bytes.length, `pack ${packId}`);
    const mismatch = compareHeader(header, indexed);
    if (mismatch) damagePack(packId, `header does not match the index: ${mismatch}`, []);
  } catch (err) {
    if (!isLifeboatError(err)) throw err;
    damagePack(packId, `header cannot be read: ${err.message}`, []);
  }
  const bad: PackedBlob[] = [];
  for (const b of indexed) {
    report.counts.blobsRead++;
    const sealed = bytes.subarray(b.offset, b.offset + b.length);
    try {
      if (sealed.length !== b.length) throw new Error('beyond the end of the pack');
      repo.openBlob(b.type, b.id, sealed, b.uncompressedLength);
    } catch {
      bad.push(b);
    }
  }
  if (bad.length > 0) {
    const names = bad.map((b) => `${b.type} ${b.id}`);
    damagePack(packId, `${bad.length} blob(s) do not verify: ${names.join(', ')}`, bad);
  }
}
