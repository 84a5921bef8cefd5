import type { Command } from 'commander';
import { parseDuration } from '../../../core/duration.ts';
import { LifeboatError } from '../../../core/errors.ts';
import type { Snapshot } from '../../../repository/format/snapshot.ts';
import { acquireLock } from '../../../repository/repo/locks.ts';
import type { Repository } from '../../../repository/repo/repository.ts';
import {
  defaultRestoreWorkers,
  type RestoreProgress,
  type RestoreResult,
  restore,
} from '../../../repository/restorer/restorer.ts';
import { findNode } from '../../../repository/restorer/tree-walk.ts';
import { prestartWorkers } from '../../../repository/workers/start-worker.ts';
import { withInterrupt } from '../../interrupt.ts';
import { formatBytes, formatDuration, formatPercent } from '../../output/format.ts';
import { writeJson } from '../../output/json.ts';
import { ProgressDisplay } from '../../output/progress.ts';
import { collect, type RepoContext, runRepoCommand } from './context.ts';
import {
  describeSnapshot,
  type FilterOptions,
  filterFrom,
  findSnapshot,
  splitSnapshotPath,
} from './snapshot-ref.ts';

interface RestoreFlags extends FilterOptions {
  target: string;
  include?: string[];
  progressInterval: string;
}

export function registerRestore(repo: Command): void {
  repo
    .command('restore')
    .description(
      'restore a snapshot (or, with ID:PATH, one directory of it, into the target root) to a directory',
    )
    .argument('<snapshot>', 'snapshot id, unique prefix or "latest", optionally with :PATH')
    .requiredOption('-t, --target <dir>', 'directory to restore into (created if missing)')
    .option('-i, --include <path>', 'restore only this path of the snapshot (repeatable)', collect)
    .option('--host <name>', 'for "latest": only snapshots of this host (repeatable)', collect)
    .option('--tag <tags>', 'for "latest": only snapshots with these tags (repeatable)', collect)
    .option('--path <path>', 'for "latest": only snapshots including this path (repeatable)', collect)
    .option(
      '--progress-interval <duration>',
      'how often a progress line is printed when not on a terminal',
      '10s',
    )
    .action(async (ref: string, flags: RestoreFlags, command: Command) => {
      // Its workers load while the repository opens and the snapshot is found.
      prestartWorkers('restore-worker', defaultRestoreWorkers());
      await runRepoCommand(command, async (ctx, r) => {
        const lock = ctx.options.lock ? await acquireLock(r) : undefined;
        try {
          const { ref: id, path } = splitSnapshotPath(ref);
          const snap = await findSnapshot(r, id, filterFrom(flags));
          const root = await rootFor(r, snap, path);
          ctx.note(`restoring ${describeSnapshot(snap)}${path ? ` (${path})` : ''} to ${flags.target}`);
          const started = Date.now();
          const display = new ProgressDisplay({
            stream: ctx.err,
            intervalMs: parseDuration(flags.progressInterval),
          });
          const result = await withInterrupt(ctx.err, (signal) =>
            restore(r, root, {
              signal,
              target: flags.target,
              include: flags.include,
              onProgress:
                ctx.json || ctx.quiet
                  ? undefined
                  : (p) => display.update(progressLine(p, Date.now() - started)),
            }),
          );
          display.done();
          printRestore(ctx, result, Date.now() - started);
        } finally {
          await lock?.release();
        }
      });
    });
}

/** restic's ID:PATH: a snapshot re-rooted at a directory, so its contents land directly in the target. */
async function rootFor(r: Repository, snap: Snapshot, path: string | undefined): Promise<Snapshot> {
  if (path === undefined || path === '/') return snap;
  const node = await findNode(r, snap.tree, path);
  if (node.type !== 'dir' || !node.subtree) {
    throw new LifeboatError('Invalid', `${path} is a ${node.type}, not a directory (use --include or dump)`);
  }
  return { ...snap, tree: node.subtree };
}

/** The per-file errors (stderr), the summary, and a failure exit when any file could not be restored. */
function printRestore(ctx: RepoContext, result: RestoreResult, elapsedMs: number): void {
  for (const e of result.errors) ctx.err.write(`error: ${e}\n`);
  if (ctx.json) {
    writeJson(ctx.out, {
      message_type: 'summary',
      files_restored: result.filesRestored,
      dirs: result.dirs,
      bytes_restored: result.bytesWritten,
      errors: result.errors,
      total_duration: elapsedMs / 1000,
    });
  } else if (!ctx.quiet) {
    ctx.out.write(
      `restored ${result.filesRestored} files, ${result.dirs} directories, ${formatBytes(result.bytesWritten)} in ${formatDuration(elapsedMs)}\n`,
    );
  }
  if (result.errors.length > 0) {
    throw new LifeboatError(
      'Corrupt',
      `${result.errors.length} file(s) could not be restored (listed above)`,
    );
  }
}

function progressLine(p: RestoreProgress, elapsedMs: number): string {
  return `[${formatDuration(elapsedMs)}] ${formatPercent(p.bytesDone, p.bytesTotal)}  ${p.filesDone} files ${formatBytes(p.bytesDone)}, total ${p.filesTotal} files ${formatBytes(p.bytesTotal)}`;
}
