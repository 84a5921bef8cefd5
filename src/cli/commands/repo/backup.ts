import { resolve } from 'node:path';
import type { Command } from 'commander';
import { parseDuration } from '../../../core/duration.ts';
import { UsageError } from '../../../core/errors.ts';
import { type BackupProgress, backup } from '../../../repository/archiver/archiver.ts';
import { withInterrupt } from '../../interrupt.ts';
import { formatBytes, formatDuration, formatPercent } from '../../output/format.ts';
import { writeJson } from '../../output/json.ts';
import { ProgressDisplay } from '../../output/progress.ts';
import { collect, runRepoCommand, wholeNumber } from './context.ts';

interface BackupFlags {
  tag?: string[];
  host?: string;
  parent?: string;
  time?: string;
  progressInterval: string;
  workers?: string;
}

export function registerBackup(repo: Command): void {
  repo
    .command('backup')
    .description('back up files and directories into a new snapshot')
    .argument('<paths...>', 'files and directories to back up')
    .option('--tag <tags>', 'add tags to the snapshot (comma-separated; repeatable)', collect)
    .option('--host <name>', 'hostname to record in the snapshot (default: this host)')
    .option(
      '--parent <snapshot>',
      'compare against this snapshot to skip unchanged files (default: latest of host and paths)',
    )
    .option('--time <time>', 'snapshot time, "YYYY-MM-DD HH:MM:SS" (local) or RFC 3339 (default: now)')
    .option(
      '--progress-interval <duration>',
      'how often a progress line is printed when not on a terminal',
      '10s',
    )
    .option('--workers <n>', 'chunking and encryption threads (default: up to 4)')
    .action(async (paths: string[], flags: BackupFlags, command: Command) => {
      await runRepoCommand(command, async (ctx, r) => {
        const started = Date.now();
        const display = new ProgressDisplay({
          stream: ctx.err,
          intervalMs: parseDuration(flags.progressInterval),
        });
        let last: BackupProgress | undefined;
        const onProgress = (p: BackupProgress) => {
          last = p;
          if (ctx.json) {
            writeJson(ctx.out, {
              message_type: 'status',
              percent_done: p.bytesTotal > 0 ? p.bytesDone / p.bytesTotal : 0,
              total_files: p.filesTotal,
              files_done: p.filesDone,
              total_bytes: p.bytesTotal,
              bytes_done: p.bytesDone,
            });
          } else if (!ctx.quiet) {
            display.update(progressLine(p, Date.now() - started));
          }
        };
        const result = await withInterrupt(ctx.err, (signal) =>
          backup(r, {
            signal,
            // Absolute, as restic records them: a snapshot's paths do not depend on where the command ran.
            paths: paths.map((p) => resolve(p)),
            tags: flags.tag
              ?.flatMap((t) => t.split(','))
              .map((t) => t.trim())
              .filter(Boolean),
            hostname: flags.host,
            parent: flags.parent,
            timeNs: flags.time === undefined ? undefined : parseSnapshotTime(flags.time),
            compression: ctx.compression,
            workers: wholeNumber('--workers', flags.workers, 1),
            onProgress,
            // On a terminal the line moves often; in logs the display throttles to its own interval.
            progressIntervalMs: display.live ? 200 : Math.min(1000, parseDuration(flags.progressInterval)),
            lock: ctx.options.lock,
          }),
        );
        display.done();
        for (const w of result.warnings) ctx.err.write(`warning: ${w}\n`);
        const s = result.stats;
        if (ctx.json) {
          writeJson(ctx.out, {
            message_type: 'summary',
            files_new: s.filesNew,
            files_changed: s.filesChanged,
            files_unmodified: s.filesUnmodified,
            dirs: s.dirs,
            data_added: s.dataAdded,
            data_added_packed: s.packBytes,
            total_files_processed: s.filesNew + s.filesChanged + s.filesUnmodified,
            total_bytes_processed: last?.bytesTotal ?? s.bytesRead,
            total_duration: s.durationMs / 1000,
            snapshot_id: result.snapshotId,
            warnings: result.warnings.length,
          });
          return;
        }
        if (ctx.quiet) return;
        const files = s.filesNew + s.filesChanged + s.filesUnmodified;
        ctx.out.write(
          `Files:        ${s.filesNew} new, ${s.filesChanged} changed, ${s.filesUnmodified} unmodified\n` +
            `Dirs:         ${s.dirs}\n` +
            `Added to the repository: ${formatBytes(s.dataAdded)} (${formatBytes(s.packBytes)} stored)\n\n` +
            `processed ${files} files, ${formatBytes(last?.bytesTotal ?? s.bytesRead)} in ${formatDuration(s.durationMs)}\n` +
            `snapshot ${result.snapshotId.slice(0, 8)} saved\n`,
        );
      });
    });
}

function progressLine(p: BackupProgress, elapsedMs: number): string {
  const head = `[${formatDuration(elapsedMs)}]`;
  if (!p.totalsFinal) return `${head} ${p.filesDone} files ${formatBytes(p.bytesDone)}`;
  return `${head} ${formatPercent(p.bytesDone, p.bytesTotal)}  ${p.filesDone} files ${formatBytes(p.bytesDone)}, total ${p.filesTotal} files ${formatBytes(p.bytesTotal)}`;
}

/** `2024-05-01 13:45:07` (local time, as restic's --time) or RFC 3339, to ns since the epoch. */
export function parseSnapshotTime(text: string): bigint {
  const local = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(text.trim());
  const ms = local
    ? new Date(+local[1], +local[2] - 1, +local[3], +local[4], +local[5], +local[6]).getTime()
    : Date.parse(text);
  if (Number.isNaN(ms))
    throw new UsageError(`--time: "${text}" is not "YYYY-MM-DD HH:MM:SS" or an RFC 3339 time`);
  return BigInt(ms) * 1_000_000n;
}
