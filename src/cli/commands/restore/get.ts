import { type Command, Option } from 'commander';
import { openSession } from '../../kube/session.ts';
import { type OutputFormat, parseOutputFormat, printStructured } from '../../output/resources.ts';
import type { CliRuntime } from '../../runtime.ts';
import { newestFirst } from '../backup/table.ts';
import { selectObjects } from '../select.ts';
import { restoreTable } from './table.ts';

export function registerRestoreGet(restore: Command, runtime: CliRuntime): void {
  restore
    .command('get')
    .argument('[NAMES...]', 'restores to show (default: all)')
    .description('get restores')
    .option('-l, --selector <selector>', 'only restores whose labels match')
    .addOption(
      new Option('-o, --output <format>', 'table, json or yaml')
        .default('table')
        .argParser(parseOutputFormat),
    )
    .action(async (names: string[], flags: { selector?: string; output: OutputFormat }, command: Command) => {
      const { client } = await openSession(command, runtime);
      const restores = newestFirst(
        await selectObjects(client, 'Restore', names, { selector: flags.selector }),
      );
      if (printStructured(runtime.stdout, flags.output, restores, names.length === 1)) return;
      if (restores.length === 0) {
        runtime.stderr.write(`No restores found in namespace ${client.namespace}.\n`);
        return;
      }
      runtime.stdout.write(restoreTable(restores));
    });
}
