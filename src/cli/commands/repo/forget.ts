import type { Command } from 'commander';
import { UsageError } from '../../../core/errors.ts';
import type { Snapshot } from '../../../repository/index.ts';
import {
  describePolicy,
  type ForgetGroup,
  type ForgetResult,
  forget,
  type GroupBy,
  isEmptyPolicy,
  type KeepReason,
  parseCalendarDuration,
  parseGroupBy,
  parseTagLists,
  type RetentionPolicy,
} from '../../../repository/maintenance/index.ts';
import { formatLocalTime } from '../../output/format.ts';
import { writeJson } from '../../output/json.ts';
import { renderTable } from '../../output/table.ts';
import { collect, type RepoContext, runRepoCommand } from './context.ts';
import { addPruneOptions, type PruneFlags, pruneOptionsFrom } from './prune.ts';
import { pruneJson, pruneReport } from './prune-output.ts';
import { type FilterOptions, filterFrom } from './snapshot-ref.ts';

interface ForgetFlags extends FilterOptions, PruneFlags {
  keepLast?: string;
  keepHourly?: string;
  keepDaily?: string;
  keepWeekly?: string;
  keepMonthly?: string;
  keepYearly?: string;
  keepWithin?: string;
  keepWithinHourly?: string;
  keepWithinDaily?: string;
  keepWithinWeekly?: string;
  keepWithinMonthly?: string;
  keepWithinYearly?: string;
  keepTag?: string[];
  groupBy: string;
  prune?: boolean;
}

function count(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < -1)
    throw new UsageError(`${flag} must be a whole number (or -1 for all), not "${text}"`);
  return n;
}

function duration(flag: string, text: string | undefined) {
  if (text === undefined) return undefined;
  try {
    return parseCalendarDuration(text);
  } catch (err) {
    throw new UsageError(`${flag}: ${(err as Error).message}`);
  }
}

function policyFrom(f: ForgetFlags): RetentionPolicy {
  return {
    last: count('--keep-last', f.keepLast),
    hourly: count('--keep-hourly', f.keepHourly),
    daily: count('--keep-daily', f.keepDaily),
    weekly: count('--keep-weekly', f.keepWeekly),
    monthly: count('--keep-monthly', f.keepMonthly),
    yearly: count('--keep-yearly', f.keepYearly),
    within: duration('--keep-within', f.keepWithin),
    withinHourly: duration('--keep-within-hourly', f.keepWithinHourly),
    withinDaily: duration('--keep-within-daily', f.keepWithinDaily),
    withinWeekly: duration('--keep-within-weekly', f.keepWithinWeekly),
    withinMonthly: duration('--keep-within-monthly', f.keepWithinMonthly),
    withinYearly: duration('--keep-within-yearly', f.keepWithinYearly),
    tags: parseTagLists(f.keepTag),
  };
}

function snapshotTable(list: Snapshot[], reasons?: KeepReason<Snapshot>[]): string {
  const columns = [{ header: 'ID' }, { header: 'Time' }, { header: 'Host' }, { header: 'Tags' }];
  if (reasons) columns.push({ header: 'Reasons' });
  columns.push({ header: 'Paths' });
  const rows = list.map((s, i) => {
    const row = [s.id.slice(0, 8), formatLocalTime(s.time), s.hostname ?? '', (s.tags ?? []).join(',')];
    if (reasons) row.push(reasons[i].matches.join('\n'));
    row.push(s.paths.join('\n'));
    return row;
  });
  return renderTable(columns, rows, { footer: `${list.length} snapshots` });
}

function groupHeader(g: ForgetGroup): string {
  const parts: string[] = [];
  if (g.key.host) parts.push(`host [${g.key.host}]`);
  if (g.key.tags) parts.push(`tags [${g.key.tags.join(', ')}]`);
  if (g.key.paths) parts.push(`paths [${g.key.paths.join(', ')}]`);
  return parts.length > 0 ? `snapshots for (${parts.join(', ')}):` : 'snapshots:';
}

function groupJson(g: ForgetGroup): Record<string, unknown> {
  const snap = (s: Snapshot) => {
    const { id, ...rest } = s;
    return { ...rest, id, short_id: id.slice(0, 8) };
  };
  return {
    tags: g.key.tags,
    host: g.key.host,
    paths: g.key.paths,
    keep: g.keep.map(snap),
    remove: g.remove.map(snap),
    reasons: g.reasons.map((r) => ({ snapshot: snap(r.snapshot), matches: r.matches, counters: r.counters })),
  };
}

function groupByFrom(text: string): GroupBy {
  try {
    return parseGroupBy(text);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** restic's forget report: per group the kept snapshots (with reasons) and the removed ones. */
function printForget(ctx: RepoContext, result: ForgetResult): void {
  if (ctx.json) {
    writeJson(ctx.out, result.groups.map(groupJson));
    if (result.prune) writeJson(ctx.out, pruneJson(result.prune));
    return;
  }
  if (ctx.quiet) return;
  for (const g of result.groups) {
    ctx.out.write(`${groupHeader(g)}\n`);
    if (g.keep.length > 0)
      ctx.out.write(`keep ${g.keep.length} snapshots:\n${snapshotTable(g.keep, g.reasons)}\n`);
    if (g.remove.length > 0)
      ctx.out.write(`remove ${g.remove.length} snapshots:\n${snapshotTable(g.remove)}\n`);
  }
  const n = result.removed.length;
  ctx.out.write(result.dryRun ? `would have removed ${n} snapshots\n` : `removed ${n} snapshots\n`);
  if (result.prune) ctx.out.write(`\n${pruneReport(result.prune)}`);
}

export function registerForget(repo: Command): void {
  const command = repo
    .command('forget')
    .description('remove snapshots by a retention policy (or by id); the data goes at the next prune')
    .argument('[ids...]', 'remove exactly these snapshots instead of applying a policy')
    .option('-l, --keep-last <n>', 'keep the last n snapshots')
    .option('-H, --keep-hourly <n>', 'keep the last n hourly snapshots')
    .option('-d, --keep-daily <n>', 'keep the last n daily snapshots')
    .option('-w, --keep-weekly <n>', 'keep the last n weekly snapshots')
    .option('-m, --keep-monthly <n>', 'keep the last n monthly snapshots')
    .option('-y, --keep-yearly <n>', 'keep the last n yearly snapshots')
    .option('--keep-within <duration>', 'keep snapshots newer than the newest minus duration (1y5m7d2h)')
    .option('--keep-within-hourly <duration>', 'keep hourly snapshots within duration of the newest')
    .option('--keep-within-daily <duration>', 'keep daily snapshots within duration of the newest')
    .option('--keep-within-weekly <duration>', 'keep weekly snapshots within duration of the newest')
    .option('--keep-within-monthly <duration>', 'keep monthly snapshots within duration of the newest')
    .option('--keep-within-yearly <duration>', 'keep yearly snapshots within duration of the newest')
    .option('--keep-tag <tags>', 'keep snapshots with all these tags (comma-separated; repeatable)', collect)
    .option('--host <name>', 'only consider snapshots of this host (repeatable)', collect)
    .option('--tag <tags>', 'only consider snapshots with these tags (repeatable)', collect)
    .option('--path <path>', 'only consider snapshots including this path (repeatable)', collect)
    .option('-g, --group-by <fields>', 'group snapshots by host, paths and/or tags', 'host,paths')
    .option('-n, --dry-run', 'only show what would be removed')
    .option('--prune', 'run prune afterwards (under the same lock)');
  addPruneOptions(command).action(async (ids: string[], flags: ForgetFlags, cmd: Command) => {
    await runRepoCommand(cmd, async (ctx, r) => {
      if (!ctx.options.lock && !flags.dryRun)
        throw new UsageError('--no-lock works with forget only together with --dry-run');
      const policy = policyFrom(flags);
      const groupBy = groupByFrom(flags.groupBy);
      if (ids.length === 0 && isEmptyPolicy(policy)) {
        ctx.note('no policy was specified, no snapshots will be removed');
        if (ctx.json) writeJson(ctx.out, []);
        return;
      }
      if (ids.length === 0) ctx.note(`Applying Policy: ${describePolicy(policy)}`);
      const result = await forget(r, {
        policy,
        groupBy,
        filter: filterFrom(flags),
        snapshotIds: ids,
        dryRun: flags.dryRun,
        lock: ctx.options.lock,
        prune: flags.prune ? pruneOptionsFrom(flags) : undefined,
      });
      printForget(ctx, result);
    });
  });
}
