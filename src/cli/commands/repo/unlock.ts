import type { Command } from 'commander';
import { unlock } from '../../../repository/maintenance/index.ts';
import { writeJson } from '../../output/json.ts';
import { runRepoCommand } from './context.ts';

export function registerUnlock(repo: Command): void {
  repo
    .command('unlock')
    .description('remove stale locks (left by processes that died); --remove-all removes every lock')
    .option('--remove-all', 'remove all locks, even those of running processes')
    .action(async (flags: { removeAll?: boolean }, command: Command) => {
      await runRepoCommand(command, async (ctx, r) => {
        const removed = await unlock(r, flags.removeAll === true);
        if (ctx.json) {
          writeJson(
            ctx.out,
            removed.map((l) => ({
              id: l.id,
              stale: l.stale,
              hostname: l.lock?.hostname,
              pid: l.lock?.pid,
              time: l.lock?.time,
            })),
          );
          return;
        }
        for (const l of removed) {
          const who = l.lock ? ` (PID ${l.lock.pid} on ${l.lock.hostname}, ${l.lock.time})` : '';
          ctx.note(`removed lock ${l.id.slice(0, 8)}${who}`);
        }
        ctx.out.write(`successfully removed ${removed.length} locks\n`);
      });
    });
}
