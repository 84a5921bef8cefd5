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
      if (keepBlobs.has(h)) {
        p.usedSize += b.length;
        p.usedBlobs++;
      } else {
        p.unusedSize += b.length;
        p.unusedBlobs++;
      }
    }
    info.set(packId, p);
  }
  // Settle duplicates: one copy counts as used, preferring packs that are used anyway.
  if (duplicates.size > 0) {
    for (const [packId, blobs] of view.packs) {
      const p = info.get(packId) as PackInfo;
      for (const b of blobs) {
        const h = blobHandle(b.type, b.id);
        const count = duplicates.get(h);
        if (count === undefined) continue;
        if (count === 0) {
          p.unusedSize += b.length;
          p.unusedBlobs++;
        } else if (p.usedBlobs > 0 || count === 1) {
          p.usedSize += b.length;
          p.usedBlobs++;
          duplicates.set(h, 0);
        } else {
          p.unusedSize += b.length;
          p.unusedBlobs++;
          duplicates.set(h, count - 1);
        }
      }
    }
  }

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
  const candidates: Array<{ id: string; p: PackInfo; mustCompress: boolean }> = [];
  const small: typeof candidates = [];
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
    if (p.usedBlobs === 0) stats.packs.unused++;
    else if (p.unusedBlobs === 0) stats.packs.used++;
    else stats.packs.partlyUsed++;
    const mustCompress =
      options.repoVersion >= 2 &&
      p.uncompressed &&
      (p.type === 'tree' || options.repackUncompressed === true);
    if (p.usedBlobs === 0) {
      plan.remove.push(packId);
      stats.blobs.remove += p.unusedBlobs;
      stats.size.remove += p.unusedSize;
    } else if (p.unusedBlobs === 0 && p.type !== 'mixed' && !mustCompress) {
      if (size >= smallLimit) stats.packs.keep++;
      else small.push({ id: packId, p, mustCompress });
    } else {
      candidates.push({ id: packId, p, mustCompress });
    }
  }
  if (badSize.length > 0) {
    throw new LifeboatError(
      'Corrupt',
      `refusing to prune: ${badSize.length} needed pack(s) differ in size from their index entries: ${badSize.slice(0, 3).join('; ')}; run check`,
    );
  }
  const missing: string[] = [];
  for (const [packId, p] of info) {
    if (p.usedBlobs === 0) {
      plan.ignore.push(packId);
      stats.blobs.remove += p.unusedBlobs;
      stats.size.remove += p.unusedSize;
    } else missing.push(packId);
  }
  if (missing.length > 0) {
    throw new LifeboatError(
      'Corrupt',
      `refusing to prune: ${missing.length} pack(s) holding needed data are missing from storage: ${missing.slice(0, 5).join(', ')}; run check`,
    );
  }
  // A handful of small packs is not worth rewriting (and one lone small pack would be rewritten every time).
  if (small.length < 10) stats.packs.keep += small.length;
  else candidates.push(...small);

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
    const reachedRepackSize = stats.size.repack + total(c.p) >= maxRepack;
    const largeEnough = total(c.p) >= smallLimit;
    if (reachedRepackSize) {
      stats.packs.keep++;
    } else if (c.p.type !== 'data' || c.mustCompress || !(unusedAfter < maxUnusedAfter && largeEnough)) {
      plan.repack.push(c.id);
      if (c.mustCompress) plan.compress.add(c.id);
      stats.blobs.repack += c.p.unusedBlobs + c.p.usedBlobs;
      stats.size.repack += total(c.p);
      stats.blobs.repackrm += c.p.unusedBlobs;
      stats.size.repackrm += c.p.unusedSize;
    } else {
      stats.packs.keep++;
    }
  }
  stats.packs.unref = plan.removeFirst.length;
  stats.packs.repack = plan.repack.length;
  stats.packs.remove = plan.remove.length;

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
