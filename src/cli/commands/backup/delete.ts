import type { Command } from 'commander';
import { API_VERSION, LABELS } from '../../../api/index.ts';
import { labelValue, requestName } from '../../names.ts';
import type { CliRuntime } from '../../runtime.ts';
import { registerDeleteCommand } from '../delete-command.ts';

export function registerBackupDelete(backup: Command, runtime: CliRuntime): void {
  registerDeleteCommand(backup, runtime, {
    kind: 'Backup',
    plural: 'backups',
    description: 'delete backups and everything they hold in storage (through DeleteBackupRequests)',
    question: (count) => `You are about to delete ${count} backup(s)`,
    async remove(client, b, out) {
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
      out.stdout.write(
        `Request to delete backup "${name}" submitted successfully.\nThe backup will be fully deleted after all associated data (backup files, snapshots, restores) are removed.\n`,
      );
    },
  });
}
