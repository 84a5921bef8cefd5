import type { Command } from 'commander';
import type { CliRuntime } from '../../runtime.ts';

export function registerBackupLocation(program: Command, runtime: CliRuntime): void {
  void runtime;
  program.command('backup-location').description('work with backup storage locations');
}
