import { type Command, Option } from 'commander';
import { openSession } from '../../kube/session.ts';
import { type OutputFormat, parseOutputFormat, printStructured } from '../../output/resources.ts';
import type { CliRuntime } from '../../runtime.ts';
import { selectObjects } from '../select.ts';
import { backupTable, newestFirst } from './table.ts';

export function registerBackupGet(backup: Command, runtime: CliRuntime): void {
  backup
    .command('get')
    .argument('[NAMES...]', 'backups to show (default: all)')
    .description('get backups')
    .option('-l, --selector <selector>', 'only backups whose labels match')
    .addOption(
      new Option('-o, --output <format>', 'table, json or yaml')
        .default('table')
        .argParser(parseOutputFormat),
    )
    .action(async (names: string[], flags: { selector?: string; output: OutputFormat }, command: Command) => {
      const { client } = await openSession(command, runtime);
      const backups = newestFirst(await selectObjects(client, 'Backup', names, { selector: flags.selector }));
      if (printStructured(runtime.stdout, flags.output, backups, names.length === 1)) return;
      if (backups.length === 0) {
        runtime.stderr.write(`No backups found in namespace ${client.namespace}.\n`);
        return;
      }
      runtime.stdout.write(backupTable(backups, runtime.clock.now()));
    });
}
