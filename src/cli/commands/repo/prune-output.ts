import type { PruneResult, PruneStats } from '../../../repository/maintenance/index.ts';
import { formatBytes, formatPercent } from '../../output/format.ts';

/** restic's prune report: what is used, unused, to repack and to delete, and what remains. */
export function pruneReport(result: PruneResult): string {
  const s: PruneStats = result.stats;
  const totalBlobs = s.blobs.used + s.blobs.unused + s.blobs.duplicate;
  const totalSize = s.size.used + s.size.duplicate + s.size.unused + s.size.unref;
  const unusedSize = s.size.duplicate + s.size.unused;
  const pruneSize = s.size.remove + s.size.repackrm + s.size.unref;
  const unusedAfter = unusedSize - s.size.remove - s.size.repackrm;
  const lines = [
    `used:         ${String(s.blobs.used).padStart(10)} blobs / ${formatBytes(s.size.used)}`,
    ...(s.blobs.duplicate > 0
      ? [`duplicates:   ${String(s.blobs.duplicate).padStart(10)} blobs / ${formatBytes(s.size.duplicate)}`]
      : []),
    `unused:       ${String(s.blobs.unused).padStart(10)} blobs / ${formatBytes(s.size.unused)}`,
    ...(s.size.unref > 0 ? [`unreferenced:                    ${formatBytes(s.size.unref)}`] : []),
    `total:        ${String(totalBlobs).padStart(10)} blobs / ${formatBytes(totalSize)}`,
    `unused size: ${formatPercent(unusedSize, totalSize)} of total size`,
    '',
    `to repack:    ${String(s.blobs.repack).padStart(10)} blobs / ${formatBytes(s.size.repack)}`,
    `this removes: ${String(s.blobs.repackrm).padStart(10)} blobs / ${formatBytes(s.size.repackrm)}`,
    `to delete:    ${String(s.blobs.remove).padStart(10)} blobs / ${formatBytes(s.size.remove + s.size.unref)}`,
    `total prune:  ${String(s.blobs.remove + s.blobs.repackrm).padStart(10)} blobs / ${formatBytes(pruneSize)}`,
    `remaining:    ${String(totalBlobs - s.blobs.remove - s.blobs.repackrm).padStart(10)} blobs / ${formatBytes(totalSize - pruneSize)}`,
    `unused size after prune: ${formatBytes(unusedAfter)} (${formatPercent(unusedAfter, totalSize - pruneSize)} of remaining size)`,
    '',
    `totally used packs: ${String(s.packs.used).padStart(10)}`,
    `partly used packs:  ${String(s.packs.partlyUsed).padStart(10)}`,
    `unused packs:       ${String(s.packs.unused).padStart(10)}`,
    '',
    `to keep:      ${String(s.packs.keep).padStart(10)} packs`,
    `to repack:    ${String(s.packs.repack).padStart(10)} packs`,
    `to delete:    ${String(s.packs.remove).padStart(10)} packs`,
    ...(s.packs.unref > 0 ? [`to delete:    ${String(s.packs.unref).padStart(10)} unreferenced packs`] : []),
    '',
    result.dryRun
      ? 'dry run: nothing was changed'
      : `done: ${result.packsDeleted} packs deleted, ${result.newPacks.length} written, ${formatBytes(Math.max(0, result.bytesFreed))} freed`,
  ];
  return `${lines.join('\n')}\n`;
}

/** The JSON form of a prune result (plan and statistics; pack ids in full). */
export function pruneJson(result: PruneResult): Record<string, unknown> {
  return {
    message_type: 'prune',
    dry_run: result.dryRun,
    stats: result.stats,
    packs_unreferenced: result.plan.removeFirst,
    packs_repacked: result.plan.repack,
    packs_removed: result.plan.remove,
    packs_written: result.newPacks,
    index_files_written: result.indexFilesWritten.length,
    index_files_deleted: result.indexFilesDeleted.length,
    packs_deleted: result.packsDeleted,
    bytes_freed: result.bytesFreed,
  };
}
