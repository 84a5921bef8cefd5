import type { Command } from 'commander';
import { CliExit } from '../../exit.ts';
import { openSession } from '../../kube/session.ts';
import type { CliRuntime } from '../../runtime.ts';
import { confirm } from '../confirm.ts';
import { selectObjects } from '../select.ts';

export function registerRestoreDelete(restore: Command, runtime: CliRuntime): void {
  restore
    .command('delete')
    .argument('[NAMES...]', 'restores to delete')
    .description('delete restores (the restored objects stay)')
    .option('--all', 'delete all restores')
    .option('-l, --selector <selector>', 'delete the restores whose labels match')
    .option('--confirm', 'do not ask for confirmation')
    .action(
      async (
        names: string[],
        flags: { all?: boolean; selector?: string; confirm?: boolean },
        command: Command,
      ) => {
        const { client } = await openSession(command, runtime);
        const restores = await selectObjects(client, 'Restore', names, {
          selector: flags.selector,
          all: flags.all,
          requireSome: true,
        });
        if (restores.length === 0) {
          runtime.stdout.write('No restores found.\n');
          return;
        }
        if (
          !flags.confirm &&
          !(await confirm(
            runtime,
            `You are about to delete ${restores.length} restore(s). Are you sure you want to continue`,
          ))
        ) {
          runtime.stdout.write('Cancelled.\n');
          throw new CliExit(1);
        }
        for (const r of restores) {
          await client.delete('Restore', r.metadata.name ?? '');
          runtime.stdout.write(`Request to delete restore "${r.metadata.name}" submitted successfully.\n`);
        }
      },
    );
}
