import type { Command } from 'commander';
import type { CliRuntime } from '../../runtime.ts';
import { registerGetCommand } from '../get-command.ts';
import { backupTable } from './table.ts';

export function registerBackupGet(backup: Command, runtime: CliRuntime): void {
  registerGetCommand(backup, runtime, { kind: 'Backup', plural: 'backups', table: backupTable });
}
