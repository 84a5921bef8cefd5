import type { Command } from 'commander';
import { initRepository } from '../../../repository/repo/repository.ts';
import { writeJson } from '../../output/json.ts';
import { RepoContext } from './context.ts';

export function registerInit(repo: Command): void {
  repo
    .command('init')
    .description('create a new repository (restic format, version 2) at --repo')
    .action(async (_opts: object, command: Command) => {
      const ctx = new RepoContext(command);
      try {
        const password = ctx.password();
        const r = await initRepository(await ctx.store(), password, {
          compression: ctx.compression,
          packSize: ctx.packSize,
        });
        if (ctx.json) {
          writeJson(ctx.out, { message_type: 'initialized', id: r.config.id, repository: ctx.locationText });
          return;
        }
        if (ctx.quiet) return;
        ctx.out.write(`created restic repository ${r.config.id.slice(0, 10)} at ${ctx.locationText}\n\n`);
        ctx.out.write(
          'Please note that knowledge of your password is required to access the repository.\n' +
            'Losing your password means that your data is irrecoverably lost.\n',
        );
      } finally {
        await ctx.close();
      }
    });
}
