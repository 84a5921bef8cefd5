import type { Command } from 'commander';
import type { CliRuntime } from '../../runtime.ts';

export function registerRestore(program: Command, runtime: CliRuntime): void {
  void runtime;
  program.command('restore').description('work with restores');
}
