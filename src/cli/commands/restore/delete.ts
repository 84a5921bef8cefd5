import type { Command } from 'commander';
import type { CliRuntime } from '../../runtime.ts';
import { registerDeleteCommand } from '../delete-command.ts';

export function registerRestoreDelete(restore: Command, runtime: CliRuntime): void {
  registerDeleteCommand(restore, runtime, {
    kind: 'Restore',
    plural: 'restores',
    description: 'delete restores (the restored objects stay)',
    question: (count) => `You are about to delete ${count} restore(s)`,
    async remove(client, restore, out) {
      await client.delete('Restore', restore.metadata.name ?? '');
      out.stdout.write(`Request to delete restore "${restore.metadata.name}" submitted successfully.\n`);
    },
  });
}
