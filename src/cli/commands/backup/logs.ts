import type { Command } from 'commander';
import { LifeboatError } from '../../../core/errors.ts';
import { streamGunzipped, withDownloadUrl } from '../../download.ts';
import { positiveInt } from '../../flags.ts';
import { openSession } from '../../kube/session.ts';
import type { CliRuntime } from '../../runtime.ts';

export function registerBackupLogs(backup: Command, runtime: CliRuntime): void {
  backup
    .command('logs')
    .argument('<NAME>', 'the backup')
    .description('print the log of a backup')
    .option('--timeout <seconds>', 'how long to wait for the download URL', positiveInt('--timeout'), 60)
    .action(async (name: string, flags: { timeout: number }, command: Command) => {
      const { client } = await openSession(command, runtime);
      const backup = await client.get('Backup', name);
      if (!backup)
        throw new LifeboatError('NotFound', `backup "${name}" not found in namespace ${client.namespace}`);
      await withDownloadUrl(
        client,
        { kind: 'BackupLog', name },
        { clock: runtime.clock, timeoutMs: flags.timeout * 1000 },
        (url) => streamGunzipped(url, `the log of backup "${name}"`, runtime.stdout),
      );
    });
}
