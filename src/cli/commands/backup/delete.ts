import type { Command } from 'commander';
import { API_VERSION, LABELS } from '../../../api/index.ts';
import { CliExit } from '../../exit.ts';
import { openSession } from '../../kube/session.ts';
import { labelValue, requestName } from '../../names.ts';
import type { CliRuntime } from '../../runtime.ts';
import { confirm } from '../confirm.ts';
import { selectObjects } from '../select.ts';

export function registerBackupDelete(backup: Command, runtime: CliRuntime): void {
  backup
    .command('delete')
    .argument('[NAMES...]', 'backups to delete')
    .description('delete backups and everything they hold in storage (through DeleteBackupRequests)')
    .option('--all', 'delete all backups')
    .option('-l, --selector <selector>', 'delete the backups whose labels match')
    .option('--confirm', 'do not ask for confirmation')
    .action(
      async (
        names: string[],
        flags: { all?: boolean; selector?: string; confirm?: boolean },
        command: Command,
      ) => {
        const { client } = await openSession(command, runtime);
        const backups = await selectObjects(client, 'Backup', names, {
          selector: flags.selector,
          all: flags.all,
          requireSome: true,
        });
        if (backups.length === 0) {
          runtime.stdout.write('No backups found.\n');
          return;
        }
        if (
          !flags.confirm &&
          !(await confirm(
            runtime,
            `You are about to delete ${backups.length} backup(s). Are you sure you want to continue`,
          ))
        ) {
          runtime.stdout.write('Cancelled.\n');
          throw new CliExit(1);
        }
        for (const b of backups) {
          const name = b.metadata.name ?? '';
          await client.create('DeleteBackupRequest', {
            apiVersion: API_VERSION,
            kind: 'DeleteBackupRequest',
            metadata: {
              name: requestName(name),
              labels: {
                [LABELS.backupName]: labelValue(name),
                ...(b.metadata.uid ? { [LABELS.backupUid]: b.metadata.uid } : {}),
              },
            },
            spec: { backupName: name },
          });
          runtime.stdout.write(
            `Request to delete backup "${name}" submitted successfully.\nThe backup will be fully deleted after all associated data (backup files, snapshots, restores) are removed.\n`,
          );
        }
      },
    );
}
