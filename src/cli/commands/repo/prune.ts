import type { Command } from 'commander';
import { UsageError } from '../../../core/errors.ts';
import {
  type PruneOptions,
  parseMaxUnused,
  parseSize,
  prune,
} from '../../../repository/maintenance/index.ts';
import { writeJson } from '../../output/json.ts';
import { runRepoCommand } from './context.ts';
import { pruneJson, pruneReport } from './prune-output.ts';

/** The options `prune` and `forget --prune` share. */
export interface PruneFlags {
  maxUnused: string;
  maxRepackSize?: string;
  repackSmall?: boolean;
  repackUncompressed?: boolean;
  dryRun?: boolean;
}

export function addPruneOptions(command: Command): Command {
  return command
    .option(
      '--max-unused <limit>',
      'unused space to tolerate: a percentage, a size (k/m/g/t) or "unlimited"',
      '5%',
    )
    .option('--max-repack-size <size>', 'repack at most this much data (k/m/g/t)')
    .option('--repack-small', 'also repack packs below 80 % of the target pack size')
    .option('--repack-uncompressed', 'repack packs with uncompressed data so it gets compressed');
}

export function pruneOptionsFrom(flags: PruneFlags): PruneOptions {
  try {
    return {
      maxUnused: parseMaxUnused(flags.maxUnused),
      maxRepackBytes:
        flags.maxRepackSize === undefined ? undefined : parseSize(flags.maxRepackSize, '--max-repack-size'),
      repackSmall: flags.repackSmall,
      repackUncompressed: flags.repackUncompressed,
      dryRun: flags.dryRun,
    };
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

export function registerPrune(repo: Command): void {
  addPruneOptions(
    repo
      .command('prune')
      .description(
        'remove data no snapshot needs (repack partly used packs, delete unused ones) under an exclusive lock',
      ),
  )
    .option('-n, --dry-run', 'only show what would be done')
    .action(async (flags: PruneFlags, command: Command) => {
      await runRepoCommand(command, async (ctx, r) => {
        const result = await prune(r, {
          ...pruneOptionsFrom(flags),
          onStep: (step, detail) => {
            if (step !== 'done' && !detail.done) ctx.note(`${step.replace(/-/g, ' ')}…`);
          },
        });
        if (ctx.json) writeJson(ctx.out, pruneJson(result));
        else if (!ctx.quiet) ctx.out.write(pruneReport(result));
      });
    });
}
