import type { Command } from 'commander';
import { UsageError } from '../../../core/errors.ts';
import { filterSnapshots, stats } from '../../../repository/maintenance/index.ts';
import { formatBytes, formatRatio } from '../../output/format.ts';
import { writeJson } from '../../output/json.ts';
import { collect, runRepoCommand } from './context.ts';
import { type FilterOptions, filterFrom, findSnapshot } from './snapshot-ref.ts';

const MODES = ['summary', 'restore-size', 'raw-data'] as const;

export function registerStats(repo: Command): void {
  repo
    .command('stats')
    .description('sizes: restore size, stored size, deduplication and compression')
    .argument('[ids...]', 'only these snapshots (default: all that the filters admit)')
    .option('--mode <mode>', `summary (everything), or restic's restore-size or raw-data`, 'summary')
    .option('--host <name>', 'only snapshots of this host (repeatable)', collect)
    .option('--tag <tags>', 'only snapshots with these tags (repeatable)', collect)
    .option('--path <path>', 'only snapshots including this path (repeatable)', collect)
    .action(async (ids: string[], flags: FilterOptions & { mode: string }, command: Command) => {
      if (!(MODES as readonly string[]).includes(flags.mode)) {
        throw new UsageError(`--mode must be one of ${MODES.join(', ')}, not "${flags.mode}"`);
      }
      await runRepoCommand(command, async (ctx, r) => {
        const snapshots =
          ids.length > 0
            ? await Promise.all(ids.map((id) => findSnapshot(r, id)))
            : filterSnapshots(await r.listSnapshots(), filterFrom(flags));
        const s = await stats(r, { snapshots, lock: ctx.options.lock });
        if (flags.mode === 'restore-size') {
          if (ctx.json) {
            writeJson(ctx.out, {
              total_size: s.restoreSize,
              total_file_count: s.totalFileCount,
              snapshots_count: s.snapshotsCount,
            });
          } else {
            ctx.out.write(
              `Stats in restore-size mode:\nSnapshots processed:   ${s.snapshotsCount}\n   Total File Count:   ${s.totalFileCount}\n         Total Size:   ${formatBytes(s.restoreSize)}\n`,
            );
          }
          return;
        }
        if (flags.mode === 'raw-data') {
          if (ctx.json) {
            writeJson(ctx.out, {
              total_size: s.rawDataSize,
              total_uncompressed_size: s.uncompressedSize,
              compression_ratio: s.compressionRatio,
              compression_space_saving: s.compressionSpaceSaving,
              total_blob_count: s.blobCount,
              snapshots_count: s.snapshotsCount,
            });
          } else {
            ctx.out.write(
              `Stats in raw-data mode:\nSnapshots processed:   ${s.snapshotsCount}\n   Total Blob Count:   ${s.blobCount}\n Total Uncompressed Size:   ${formatBytes(s.uncompressedSize)}\n         Total Size:   ${formatBytes(s.rawDataSize)}\n    Compression Ratio:   ${formatRatio(s.compressionRatio)}\n`,
            );
          }
          return;
        }
        if (ctx.json) {
          writeJson(ctx.out, s);
          return;
        }
        ctx.out.write(
          [
            `Snapshots:               ${s.snapshotsCount} (of ${s.repository.snapshots})`,
            `Restore size:            ${formatBytes(s.restoreSize)} in ${s.totalFileCount} entries`,
            `Unique data:             ${formatBytes(s.uniqueDataSize)}`,
            `Stored (raw data):       ${formatBytes(s.rawDataSize)} in ${s.blobCount} blobs`,
            `Deduplication ratio:     ${formatRatio(s.dedupRatio)}`,
            `Compression ratio:       ${formatRatio(s.compressionRatio)} (${s.compressionSpaceSaving.toFixed(2)}% saved)`,
            `Repository:              ${formatBytes(s.repository.packBytes)} in ${s.repository.packs} packs, ${s.repository.indexFiles} index files`,
            '',
          ].join('\n'),
        );
      });
    });
}
