import type { Command } from 'commander';
import { LABELS } from '../../../api/index.ts';
import { labelValue } from '../../names.ts';
import type { CliRuntime } from '../../runtime.ts';
import { registerDeleteCommand } from '../delete-command.ts';

export function registerLocationDelete(parent: Command, runtime: CliRuntime): void {
  registerDeleteCommand(parent, runtime, {
    kind: 'BackupStorageLocation',
    plural: 'backup storage locations',
    description:
      'delete backup storage locations and the Backup objects that live in them (the data in storage stays)',
    question: (count) =>
      `You are about to delete ${count} backup storage location(s) and the Backup objects in them`,
    async remove(client, location, out) {
      const name = location.metadata.name ?? '';
      await client.delete('BackupStorageLocation', name);
      out.stdout.write(`Backup storage location "${name}" deleted successfully.\n`);
      const backups = await client.list('Backup', {
        labelSelector: `${LABELS.storageLocation}=${labelValue(name)}`,
      });
      for (const b of backups) await client.delete('Backup', b.metadata.name ?? '');
      if (backups.length > 0)
        out.stdout.write(
          `${backups.length} Backup object(s) of location "${name}" deleted (their data stays in storage).\n`,
        );
    },
  });
}
