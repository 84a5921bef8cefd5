import type { Command } from 'commander';
import type { CliRuntime } from '../../runtime.ts';
import { registerLocationCreate } from './create.ts';
import { registerLocationDelete } from './delete.ts';
import { registerLocationGet } from './get.ts';
import { registerLocationSet } from './set.ts';

/** `lifeboat backup-location create|get|set|delete`: BackupStorageLocations in the server's namespace. */
export function registerBackupLocation(program: Command, runtime: CliRuntime): void {
  const location = program.command('backup-location').description('work with backup storage locations');
  registerLocationCreate(location, runtime);
  registerLocationGet(location, runtime);
  registerLocationSet(location, runtime);
  registerLocationDelete(location, runtime);
}
