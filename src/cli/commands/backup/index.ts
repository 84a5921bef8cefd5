import type { Command } from 'commander';
import type { CliRuntime } from '../../runtime.ts';
import { registerBackupCopy } from './copy.ts';
import { registerBackupCreate } from './create.ts';
import { registerBackupDelete } from './delete.ts';
import { registerBackupDescribe } from './describe.ts';
import { registerBackupDownload } from './download.ts';
import { registerBackupGet } from './get.ts';
import { registerBackupLogs } from './logs.ts';

/** `lifeboat backup create|get|describe|logs|download|delete|copy`: Backup resources in the server's namespace. */
export function registerBackup(program: Command, runtime: CliRuntime): void {
  const backup = program.command('backup').description('work with backups');
  registerBackupCreate(backup, runtime);
  registerBackupGet(backup, runtime);
  registerBackupDescribe(backup, runtime);
  registerBackupLogs(backup, runtime);
  registerBackupDownload(backup, runtime);
  registerBackupDelete(backup, runtime);
  registerBackupCopy(backup, runtime);
}
