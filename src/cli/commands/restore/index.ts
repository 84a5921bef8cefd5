import type { Command } from 'commander';
import type { CliRuntime } from '../../runtime.ts';
import { registerRestoreCreate } from './create.ts';
import { registerRestoreDelete } from './delete.ts';
import { registerRestoreDescribe } from './describe.ts';
import { registerRestoreGet } from './get.ts';
import { registerRestoreLogs } from './logs.ts';

/** `lifeboat restore create|get|describe|logs|delete`: Restore resources in the server's namespace. */
export function registerRestore(program: Command, runtime: CliRuntime): void {
  const restore = program.command('restore').description('work with restores');
  registerRestoreCreate(restore, runtime);
  registerRestoreGet(restore, runtime);
  registerRestoreDescribe(restore, runtime);
  registerRestoreLogs(restore, runtime);
  registerRestoreDelete(restore, runtime);
}
