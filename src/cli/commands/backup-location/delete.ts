import type { Command } from 'commander';
import { LABELS } from '../../../api/index.ts';
import { CliExit } from '../../exit.ts';
import { openSession } from '../../kube/session.ts';
import { labelValue } from '../../names.ts';
import type { CliRuntime } from '../../runtime.ts';
import { confirm } from '../confirm.ts';
import { selectObjects } from '../select.ts';

export function registerLocationDelete(parent: Command, runtime: CliRuntime): void {
  parent
    .command('delete')
    .argument('[NAMES...]', 'locations to delete')
    .description(
      'delete backup storage locations and the Backup objects that live in them (the data in storage stays)',
    )
    .option('--all', 'delete all locations')
    .option('-l, --selector <selector>', 'delete the locations whose labels match')
    .option('--confirm', 'do not ask for confirmation')
    .action(
      async (
        names: string[],
        flags: { all?: boolean; selector?: string; confirm?: boolean },
        command: Command,
      ) => {
        const { client } = await openSession(command, runtime);
        const locations = await selectObjects(client, 'BackupStorageLocation', names, {
          selector: flags.selector,
          all: flags.all,
          requireSome: true,
        });
        if (locations.length === 0) {
          runtime.stdout.write('No backup storage locations found.\n');
          return;
        }
        if (
          !flags.confirm &&
          !(await confirm(
            runtime,
            `You are about to delete ${locations.length} backup storage location(s) and the Backup objects in them. Are you sure you want to continue`,
          ))
        ) {
          runtime.stdout.write('Cancelled.\n');
          throw new CliExit(1);
        }
        for (const location of locations) {
          const name = location.metadata.name ?? '';
          await client.delete('BackupStorageLocation', name);
          runtime.stdout.write(`Backup storage location "${name}" deleted successfully.\n`);
          const backups = await client.list('Backup', {
            labelSelector: `${LABELS.storageLocation}=${labelValue(name)}`,
          });
          for (const b of backups) await client.delete('Backup', b.metadata.name ?? '');
          if (backups.length > 0)
            runtime.stdout.write(
              `${backups.length} Backup object(s) of location "${name}" deleted (their data stays in storage).\n`,
            );
        }
      },
    );
}
