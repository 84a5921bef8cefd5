import { LifeboatError } from '../../core/errors.ts';
import type { BlobType } from '../format/pack.ts';
import { type BlobHandle, blobHandle, expectedPackSize, type IndexView } from './index-view.ts';

/** How much unused space prune may leave behind: a share of the used size, a byte count, or no limit. */
export type MaxUnused =
  | { kind: 'percent'; value: number }
  | { kind: 'bytes'; value: number }
  | { kind: 'unlimited' };

/** Parses restic's `--max-unused`: `5%`, `100M` (k/m/g/t suffixes, powers of 1024), `unlimited`. */
export function parseMaxUnused(text: string): MaxUnused {
  const t = text.trim();
  if (t === 'unlimited') return { kind: 'unlimited' };
  if (t.endsWith('%')) {
    const p = Number(t.slice(0, -1));
    if (!Number.isFinite(p) || t.length === 1 || p < 0 || p >= 100) {
      throw new LifeboatError(
        'Invalid',
        `invalid --max-unused ${JSON.stringify(text)}: a percentage from 0 to below 100`,
      );
    }
    return { kind: 'percent', value: p };
  }
  return { kind: 'bytes', value: parseSize(t, '--max-unused') };
}

/** Parses a byte size with an optional k/m/g/t suffix (powers of 1024), as restic's size flags. */
export function parseSize(text: string, flag = 'size'): number {
  const m = /^(\d+)([kKmMgGtT]?)$/.exec(text.trim());
  if (!m)
    throw new LifeboatError(
      'Invalid',
      `invalid ${flag} ${JSON.stringify(text)}: a number of bytes, optionally with k, m, g or t`,
    );
  const exp = ' kmgt'.indexOf(m[2].toLowerCase() || ' ');
  return Number(m[1]) * 1024 ** exp;
}

/** The most unused bytes allowed to remain, given the bytes in use (restic: p/(100-p) × used for p %). */
export function maxUnusedBytes(limit: MaxUnused, usedBytes: number): number {
  if (limit.kind === 'unlimited') return Number.POSITIVE_INFINITY;
  if (limit.kind === 'bytes') return limit.value;
  return Math.floor((limit.value / (100 - limit.value)) * usedBytes);
}

export interface PrunePlanOptions {
  maxUnused: MaxUnused;
  /** Stop choosing packs to repack once this many bytes are chosen (default no limit). */
  maxRepackBytes?: number;
  /** The repository's target pack size: packs far below it count as small. */
  packSize: number;
  /** Repack packs below 80 % of the target size (default: only below 4 %, and only when there are ten). */
  repackSmall?: boolean;
  /** Repack packs holding uncompressed data blobs so they get compressed (version 2 repositories). */
  repackUncompressed?: boolean;
  repoVersion: number;
}

export interface PruneStats {
  blobs: {
    used: number;
    duplicate: number;
    unused: number;
    remove: number;
    repack: number;
    repackrm: number;
  };
  size: {
    used: number;
    duplicate: number;
    unused: number;
    remove: number;
    repack: number;
    repackrm: number;
    unref: number;
  };
  packs: {
    used: number;
    unused: number;
    partlyUsed: number;
    unref: number;
    keep: number;
    repack: number;
    remove: number;
  };
}

export interface PrunePlan {
  /** Packs no index names: deleted first (nothing can need them). */
  removeFirst: string[];
  /** Packs whose used blobs are copied into new packs, then deleted. */
  repack: string[];
  /** Packs with no used blob: deleted after the new index is in place. */
  remove: string[];
  /** Packs the index names but storage lacks, none of whose blobs is needed: dropped from the index. */
  ignore: string[];
  /** Blobs to copy out of the repacked packs (used, and with no copy in a pack that stays). */
  keepBlobs: Set<BlobHandle>;
  /** Packs to repack whose blobs must be compressed on the way (uncompressed trees in v2, or asked for). */
  compress: Set<string>;
  stats: PruneStats;
}

interface PackInfo {
  usedBlobs: number;
  unusedBlobs: number;
  usedSize: number;
  unusedSize: number;
  type: BlobType | 'mixed' | undefined;
  uncompressed: boolean;
}

function newStats(): PruneStats {
  return {
    blobs: { used: 0, duplicate: 0, unused: 0, remove: 0, repack: 0, repackrm: 0 },
    size: { used: 0, duplicate: 0, unused: 0, remove: 0, repack: 0, repackrm: 0, unref: 0 },
    packs: { used: 0, unused: 0, partlyUsed: 0, unref: 0, keep: 0, repack: 0, remove: 0 },
  };
}

/**
 * Decides what prune does, with restic 0.14's rules: one copy of each used blob is "used" (for a duplicated
 * blob, preferably the copy in a pack that has other used blobs); packs with no used blob are deleted; packs
 * entirely used (and not mixed, not uncompressed trees in v2) are kept; the rest are repack candidates, taken
 * trees first, then small packs, then by falling unused/used ratio, until the unused bytes left fall under the
 * `maxUnused` limit. Pure: reads nothing, writes nothing. Throws `Corrupt` (refusing to prune) when a needed
 * blob is in no index, a needed pack is missing, or a needed pack's size disagrees with its index entries.
 */
export function planPrune(
  view: IndexView,
  storedPacks: ReadonlyMap<string, number>,
  used: ReadonlySet<BlobHandle>,
  options: PrunePlanOptions,
): PrunePlan {
  const stats = newStats();
  const { keepBlobs, duplicates } = countBlobs(view, used, stats);
  const info = packInfos(view, keepBlobs, duplicates);
  const plan: PrunePlan = {
    removeFirst: [],
    repack: [],
    remove: [],
    ignore: [],
    keepBlobs,
    compress: new Set(),
    stats,
  };
  const smallLimit = options.repackSmall
    ? Math.floor(options.packSize / 5) * 4
    : Math.floor(options.packSize / 25);
  const candidates = sortPacks(storedPacks, info, plan, options, smallLimit);
  chooseRepacks(candidates, plan, options, smallLimit);
  // Blobs that also live in a pack that stays need no copy.
  if (plan.repack.length > 0) {
    const leaving = new Set([...plan.repack, ...plan.remove, ...plan.ignore]);
    for (const [packId, blobs] of view.packs) {
      if (leaving.has(packId)) continue;
      for (const b of blobs) keepBlobs.delete(blobHandle(b.type, b.id));
    }
  } else keepBlobs.clear();
  return plan;
}

/**
 * First pass over every stored blob copy: the first copy of each used blob is kept, later copies count as
 * duplicates, the rest as unused. Refuses when a used blob has no copy at all.
 */
function countBlobs(
  view: IndexView,
  used: ReadonlySet<BlobHandle>,
  stats: PruneStats,
): { keepBlobs: Set<BlobHandle>; duplicates: Map<BlobHandle, number> } {
  const keepBlobs = new Set<BlobHandle>();
  const duplicates = new Map<BlobHandle, number>();
  const pending = new Set(used);
  for (const [, blobs] of view.packs) {
    for (const b of blobs) {
      const h = blobHandle(b.type, b.id);
      if (pending.has(h)) {
        pending.delete(h);
        keepBlobs.add(h);
        stats.size.used += b.length;
        stats.blobs.used++;
      } else if (keepBlobs.has(h)) {
        duplicates.set(h, Math.min((duplicates.get(h) ?? 1) + 1, 255));
        stats.size.duplicate += b.length;
        stats.blobs.duplicate++;
      } else {
        stats.size.unused += b.length;
        stats.blobs.unused++;
      }
    }
  }
  if (pending.size > 0) {
    const some = [...pending].slice(0, 5).map((h) => `${h[0] === 'd' ? 'data' : 'tree'} ${h.slice(1, 9)}`);
    throw new LifeboatError(
      'Corrupt',
      `refusing to prune: ${pending.size} blob(s) that snapshots need are in no index (${some.join(', ')}); run check`,
    );
  }
  return { keepBlobs, duplicates };
}

/** Used and unused bytes per pack; of a duplicated blob one copy counts as used, preferably in a used pack. */
function packInfos(
  view: IndexView,
  keepBlobs: ReadonlySet<BlobHandle>,
  duplicates: Map<BlobHandle, number>,
): Map<string, PackInfo> {
  const info = new Map<string, PackInfo>();
  for (const [packId, blobs] of view.packs) {
    const p: PackInfo = {
      usedBlobs: 0,
      unusedBlobs: 0,
      usedSize: expectedPackSize(blobs) - blobs.reduce((n, b) => n + b.length, 0),
      unusedSize: 0,
      type: undefined,
      uncompressed: false,
    };
    for (const b of blobs) {
      p.type = p.type === undefined ? b.type : p.type === b.type ? p.type : 'mixed';
      if (b.uncompressedLength === undefined) p.uncompressed = true;
      const h = blobHandle(b.type, b.id);
      if (duplicates.has(h)) continue;
      if (keepBlobs.has(h)) count(p, 'used', b.length);
      else count(p, 'unused', b.length);
    }
    info.set(packId, p);
  }
  settleDuplicates(view, info, duplicates);
  return info;
}

/** Of each duplicated blob, one copy counts as used: the first in a pack with other used blobs, else the last. */
function settleDuplicates(
  view: IndexView,
  info: Map<string, PackInfo>,
  duplicates: Map<BlobHandle, number>,
): void {
  if (duplicates.size === 0) return;
  for (const [packId, blobs] of view.packs) {
    const p = info.get(packId) as PackInfo;
    for (const b of blobs) {
      const h = blobHandle(b.type, b.id);
      const n = duplicates.get(h);
      if (n === undefined) continue;
      if (n !== 0 && (p.usedBlobs > 0 || n === 1)) {
        count(p, 'used', b.length);
        duplicates.set(h, 0);
      } else {
        count(p, 'unused', b.length);
        if (n !== 0) duplicates.set(h, n - 1);
      }
    }
  }
}

function count(p: PackInfo, what: 'used' | 'unused', length: number): void {
  if (what === 'used') {
    p.usedSize += length;
    p.usedBlobs++;
  } else {
    p.unusedSize += length;
    p.unusedBlobs++;
  }
}

/** Packs holding uncompressed trees in a v2 repository (or uncompressed data, when asked) must be rewritten. */
function mustCompress(p: PackInfo, options: PrunePlanOptions): boolean {
  return (
    options.repoVersion >= 2 && p.uncompressed && (p.type === 'tree' || options.repackUncompressed === true)
  );
}

/** What to do with one stored, indexed pack of the right size. */
function decide(
  p: PackInfo,
  size: number,
  options: PrunePlanOptions,
  smallLimit: number,
): 'remove' | 'keep' | 'small' | 'candidate' {
  if (p.usedBlobs === 0) return 'remove';
  if (p.unusedBlobs === 0 && p.type !== 'mixed' && !mustCompress(p, options)) {
    return size >= smallLimit ? 'keep' : 'small';
  }
  return 'candidate';
}

interface Candidate {
  id: string;
  p: PackInfo;
  mustCompress: boolean;
}

/**
 * Goes through the stored packs: unindexed ones go first, unused ones are removed, fully used ones kept, the
 * rest become repack candidates (returned). Indexed packs missing from storage are dropped from the index when
 * unneeded; refuses when a needed pack is missing or has the wrong size.
 */
function sortPacks(
  storedPacks: ReadonlyMap<string, number>,
  info: Map<string, PackInfo>,
  plan: PrunePlan,
  options: PrunePlanOptions,
  smallLimit: number,
): Candidate[] {
  const { stats } = plan;
  const candidates: Candidate[] = [];
  const small: Candidate[] = [];
  const badSize: string[] = [];
  for (const [packId, size] of storedPacks) {
    const p = info.get(packId);
    if (!p) {
      plan.removeFirst.push(packId);
      stats.size.unref += size;
      continue;
    }
    info.delete(packId);
    if (p.usedSize + p.unusedSize !== size && p.usedBlobs !== 0) {
      badSize.push(`${packId} (${size} bytes stored, index implies ${p.usedSize + p.unusedSize})`);
      continue;
    }
    stats.packs[p.usedBlobs === 0 ? 'unused' : p.unusedBlobs === 0 ? 'used' : 'partlyUsed']++;
    const decision = decide(p, size, options, smallLimit);
    if (decision === 'remove') {
      plan.remove.push(packId);
      stats.blobs.remove += p.unusedBlobs;
      stats.size.remove += p.unusedSize;
    } else if (decision === 'keep') stats.packs.keep++;
    else
      (decision === 'small' ? small : candidates).push({
        id: packId,
        p,
        mustCompress: mustCompress(p, options),
      });
  }
  if (badSize.length > 0) {
    throw new LifeboatError(
      'Corrupt',
      `refusing to prune: ${badSize.length} needed pack(s) differ in size from their index entries: ${badSize.slice(0, 3).join('; ')}; run check`,
    );
  }
  dropMissing(info, plan);
  // A handful of small packs is not worth rewriting (and one lone small pack would be rewritten every time).
  if (small.length < 10) stats.packs.keep += small.length;
  else candidates.push(...small);
  return candidates;
}

/** Indexed packs storage lacks: dropped from the index when unneeded, else a refusal naming them. */
function dropMissing(missingPacks: ReadonlyMap<string, PackInfo>, plan: PrunePlan): void {
  const needed: string[] = [];
  for (const [packId, p] of missingPacks) {
    if (p.usedBlobs !== 0) {
      needed.push(packId);
      continue;
    }
    plan.ignore.push(packId);
    plan.stats.blobs.remove += p.unusedBlobs;
    plan.stats.size.remove += p.unusedSize;
  }
  if (needed.length > 0) {
    throw new LifeboatError(
      'Corrupt',
      `refusing to prune: ${needed.length} pack(s) holding needed data are missing from storage: ${needed.slice(0, 5).join(', ')}; run check`,
    );
  }
}

/**
 * Takes candidates trees first, then small packs, then by falling unused/used ratio, repacking until the unused
 * bytes left are under the limit (trees and packs to compress regardless), within `maxRepackBytes`.
 */
function chooseRepacks(
  candidates: Candidate[],
  plan: PrunePlan,
  options: PrunePlanOptions,
  smallLimit: number,
): void {
  const { stats } = plan;
  const total = (p: PackInfo) => p.usedSize + p.unusedSize;
  candidates.sort((a, b) => {
    const at = a.p.type !== 'data';
    const bt = b.p.type !== 'data';
    if (at !== bt) return at ? -1 : 1;
    const as = total(a.p) < smallLimit;
    const bs = total(b.p) < smallLimit;
    if (as !== bs) return as ? -1 : 1;
    return b.p.unusedSize * a.p.usedSize - a.p.unusedSize * b.p.usedSize;
  });
  const maxUnusedAfter = maxUnusedBytes(options.maxUnused, stats.size.used);
  const maxRepack = options.maxRepackBytes ?? Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const unusedAfter = stats.size.unused - stats.size.remove - stats.size.repackrm;
    const settled = unusedAfter < maxUnusedAfter && total(c.p) >= smallLimit;
    if (stats.size.repack + total(c.p) >= maxRepack || (c.p.type === 'data' && !c.mustCompress && settled)) {
      stats.packs.keep++;
      continue;
    }
    plan.repack.push(c.id);
    if (c.mustCompress) plan.compress.add(c.id);
    stats.blobs.repack += c.p.unusedBlobs + c.p.usedBlobs;
    stats.size.repack += total(c.p);
    stats.blobs.repackrm += c.p.unusedBlobs;
    stats.size.repackrm += c.p.unusedSize;
  }
  stats.packs.unref = plan.removeFirst.length;
  stats.packs.repack = plan.repack.length;
  stats.packs.remove = plan.remove.length;
}
