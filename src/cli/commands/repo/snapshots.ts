import type { Command } from 'commander';
import { filterSnapshots } from '../../../repository/maintenance/snapshot-filter.ts';
import { RestoreSizer } from '../../../repository/maintenance/stats.ts';
import { formatBytes, formatLocalTime } from '../../output/format.ts';
import { writeJson } from '../../output/json.ts';
import { renderTable } from '../../output/table.ts';
import { collect, runRepoCommand } from './context.ts';
import { type FilterOptions, filterFrom } from './snapshot-ref.ts';

interface SnapshotsFlags extends FilterOptions {
  size: boolean;
}

export function registerSnapshots(repo: Command): void {
  repo
    .command('snapshots')
    .description('list snapshots (oldest first)')
    .argument('[ids...]', 'only these snapshots (ids or unique prefixes)')
    .option('--host <name>', 'only snapshots of this host (repeatable)', collect)
    .option(
      '--tag <tags>',
      'only snapshots with all these tags (comma-separated; repeatable: any list)',
      collect,
    )
    .option('--path <path>', 'only snapshots including this path (repeatable)', collect)
    .option('--no-size', "do not compute each snapshot's restore size (faster on large repositories)")
    .action(async (ids: string[], flags: SnapshotsFlags, command: Command) => {
      await runRepoCommand(command, async (ctx, r) => {
        let list = filterSnapshots(await r.listSnapshots(), filterFrom(flags));
        if (ids.length > 0) list = list.filter((s) => ids.some((id) => s.id.startsWith(id)));
        const sizes = new Map<string, number>();
        if (flags.size) {
          await r.loadIndex();
          const sizer = new RestoreSizer((id) => r.loadTree(id));
          for (const s of list) sizes.set(s.id, (await sizer.of(s)).bytes);
        }
        if (ctx.json) {
          writeJson(
            ctx.out,
            list.map((s) => {
              const { id, ...rest } = s;
              return {
                ...rest,
                id,
                short_id: id.slice(0, 8),
                ...(sizes.has(id) ? { size: sizes.get(id) } : {}),
              };
            }),
          );
          return;
        }
        const columns = [
          { header: 'ID' },
          { header: 'Time' },
          { header: 'Host' },
          { header: 'Tags' },
          { header: 'Paths' },
        ];
        if (flags.size) columns.push({ header: 'Size', align: 'right' } as (typeof columns)[number]);
        const rows = list.map((s) => {
          const row = [
            s.id.slice(0, 8),
            formatLocalTime(s.time),
            s.hostname ?? '',
            (s.tags ?? []).join(','),
            s.paths.join('\n'),
          ];
          if (flags.size) row.push(formatBytes(sizes.get(s.id) ?? 0));
          return row;
        });
        ctx.out.write(renderTable(columns, rows, { footer: `${list.length} snapshots` }));
      });
    });
}
