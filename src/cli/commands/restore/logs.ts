import type { Command } from 'commander';
import { LifeboatError } from '../../../core/errors.ts';
import { streamGunzipped, withDownloadUrl } from '../../download.ts';
import { positiveInt } from '../../flags.ts';
import { openSession } from '../../kube/session.ts';
import type { CliRuntime } from '../../runtime.ts';

export function registerRestoreLogs(restore: Command, runtime: CliRuntime): void {
  restore
    .command('logs')
    .argument('<NAME>', 'the restore')
    .description('print the log of a restore')
    .option('--timeout <seconds>', 'how long to wait for the download URL', positiveInt('--timeout'), 60)
    .action(async (name: string, flags: { timeout: number }, command: Command) => {
      const { client } = await openSession(command, runtime);
      if (!(await client.get('Restore', name)))
        throw new LifeboatError('NotFound', `restore "${name}" not found in namespace ${client.namespace}`);
      await withDownloadUrl(
        client,
        { kind: 'RestoreLog', name },
        { clock: runtime.clock, timeoutMs: flags.timeout * 1000 },
        (url) => streamGunzipped(url, `the log of restore "${name}"`, runtime.stdout),
      );
    });
}
