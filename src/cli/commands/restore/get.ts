import type { Command } from 'commander';
import type { CliRuntime } from '../../runtime.ts';
import { registerGetCommand } from '../get-command.ts';
import { restoreTable } from './table.ts';

export function registerRestoreGet(restore: Command, runtime: CliRuntime): void {
  registerGetCommand(restore, runtime, { kind: 'Restore', plural: 'restores', table: restoreTable });
}
