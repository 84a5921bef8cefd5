import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { LifeboatError, UsageError } from '../../../core/errors.ts';
import { saveToFile, withDownloadUrl } from '../../download.ts';
import { positiveInt } from '../../flags.ts';
import { openSession } from '../../kube/session.ts';
import type { CliRuntime } from '../../runtime.ts';

export function registerBackupDownload(backup: Command, runtime: CliRuntime): void {
  backup
    .command('download')
    .argument('<NAME>', 'the backup')
    .description('download all Kubernetes manifests of a backup (the backup tarball)')
    .option('-o, --output <file>', 'where to save it (default: <NAME>-data.tar.gz in this directory)')
    .option('--force', 'overwrite the output file if it exists')
    .option('--timeout <seconds>', 'how long to wait for the download URL', positiveInt('--timeout'), 60)
    .action(
      async (
        name: string,
        flags: { output?: string; force?: boolean; timeout: number },
        command: Command,
      ) => {
        const { client } = await openSession(command, runtime);
        const path = resolve(flags.output ?? `${name}-data.tar.gz`);
        if (existsSync(path)) {
          if (!flags.force) throw new UsageError(`file ${path} already exists; use --force to overwrite it`);
          await rm(path);
        }
        const backup = await client.get('Backup', name);
        if (!backup)
          throw new LifeboatError('NotFound', `backup "${name}" not found in namespace ${client.namespace}`);
        await withDownloadUrl(
          client,
          { kind: 'BackupContents', name },
          { clock: runtime.clock, timeoutMs: flags.timeout * 1000 },
          (url) => saveToFile(url, `the contents of backup "${name}"`, path),
        );
        runtime.stdout.write(`Backup ${name} has been successfully downloaded to ${path}\n`);
      },
    );
}
