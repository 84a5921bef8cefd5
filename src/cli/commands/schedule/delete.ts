import type { Command } from 'commander';
import type { CliRuntime } from '../../runtime.ts';
import { registerDeleteCommand } from '../delete-command.ts';

/**
 * `lifeboat schedule delete NAME... | --all | -l SELECTOR [--confirm] [--wait]`. The schedule's backups stay
 * (unless it owns them through `useOwnerReferencesInBackup`: then Kubernetes removes their Backup objects,
 * not their data in storage, which backup sync brings back).
 */
export function registerScheduleDelete(schedule: Command, runtime: CliRuntime): void {
  registerDeleteCommand(schedule, runtime, {
    kind: 'Schedule',
    plural: 'schedules',
    description: 'delete schedules (their backups stay)',
    question: (count) => `You are about to delete ${count} schedule(s)`,
    async remove(client, s, out) {
      const name = s.metadata.name ?? '';
      await client.delete('Schedule', name);
      out.stdout.write(`Schedule "${name}" deleted.\n`);
      return undefined;
    },
  });
}
