import type { Command } from 'commander';
import type { CliRuntime } from '../../runtime.ts';

/** `lifeboat debug`: a support bundle (see docs/debug.md). */
export function registerDebug(program: Command, runtime: CliRuntime): void {
  program
    .command('debug')
    .description(
      'write a support bundle (tar.gz): logs, Lifeboat resources, events, versions, discovery; secrets redacted',
    )
    .option('--output <file>', 'where to write the bundle', 'lifeboat-debug.tar.gz')
    .action(async (flags: { output: string }, command: Command) => {
      const { runDebug } = await import('./run.ts');
      await runDebug(flags, command, runtime);
    });
}
