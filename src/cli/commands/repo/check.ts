import type { Command } from 'commander';
import { LifeboatError, UsageError } from '../../../core/errors.ts';
import { type CheckReport, check, parseReadDataSubset } from '../../../repository/maintenance/index.ts';
import { formatBytes, formatLocalTime } from '../../output/format.ts';
import { writeJson } from '../../output/json.ts';
import { runRepoCommand } from './context.ts';

interface CheckFlags {
  readData?: boolean;
  readDataSubset?: string;
}

/** The human report: problems, then the damage (packs, lost blobs, affected snapshots and paths). */
export function checkReport(report: CheckReport): string {
  const out: string[] = [];
  const c = report.counts;
  out.push(
    `checked ${c.keys} key(s), ${c.indexFiles} index file(s), ${c.packs} pack(s), ${c.snapshots} snapshot(s), ${c.trees} tree(s)`,
  );
  if (report.readData) {
    out.push(
      `read ${c.packsRead} of ${report.readData.total} pack(s): ${c.blobsRead} blob(s), ${formatBytes(c.bytesRead)}`,
    );
  }
  for (const w of report.warnings) out.push(`warning: ${w.message}`);
  for (const e of report.errors) out.push(`error: ${e.message}`);
  if (report.damagedPacks.length > 0) {
    out.push('', 'damaged packs:');
    for (const p of report.damagedPacks) {
      out.push(`  pack ${p.packId}: ${p.reasons.join('; ')}`);
      for (const b of p.lostBlobs) out.push(`    lost ${b.type} blob ${b.id}`);
      const recoverable = p.damagedBlobs.length - p.lostBlobs.length;
      if (recoverable > 0) out.push(`    ${recoverable} damaged blob(s) have an intact copy elsewhere`);
    }
  }
  if (report.lostBlobs.length > 0) out.push('', `${report.lostBlobs.length} blob(s) lost`);
  for (const a of report.affected) {
    out.push(
      '',
      `snapshot ${a.snapshotId.slice(0, 8)} (${formatLocalTime(a.time)}): ${a.paths.length} path(s) affected`,
    );
    for (const p of a.paths) out.push(`  ${p}`);
  }
  out.push(report.ok ? 'no errors were found' : `${report.errors.length} error(s) found`);
  return `${out.join('\n')}\n`;
}

export function registerCheck(repo: Command): void {
  repo
    .command('check')
    .description('check the repository structure; with --read-data also every byte of the data')
    .option('--read-data', 'download every pack and verify every blob')
    .option('--read-data-subset <subset>', 'download only a subset: n/t (group n of t) or x% (random share)')
    .action(async (flags: CheckFlags, command: Command) => {
      await runRepoCommand(command, async (ctx, r) => {
        let subset: ReturnType<typeof parseReadDataSubset> | undefined;
        try {
          subset = flags.readDataSubset === undefined ? undefined : parseReadDataSubset(flags.readDataSubset);
        } catch (err) {
          throw new UsageError((err as Error).message);
        }
        const report = await check(r, {
          readData: flags.readData,
          readDataSubset: subset,
          lock: ctx.options.lock,
          onProgress: (phase, done, total) => {
            if (phase === 'read-data' && total > 0 && (done === total || done % 50 === 0)) {
              ctx.note(`read ${done} of ${total} packs`);
            }
          },
        });
        if (ctx.json) writeJson(ctx.out, report);
        else ctx.out.write(checkReport(report));
        if (!report.ok) throw new LifeboatError('Corrupt', 'the repository contains errors');
      });
    });
}
