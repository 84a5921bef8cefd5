import { type Command, Option } from 'commander';
import { openSession } from '../../kube/session.ts';
import { type OutputFormat, parseOutputFormat, printStructured } from '../../output/resources.ts';
import type { CliRuntime } from '../../runtime.ts';
import { selectObjects } from '../select.ts';
import { locationTable } from './table.ts';

export function registerLocationGet(parent: Command, runtime: CliRuntime): void {
  parent
    .command('get')
    .argument('[NAMES...]', 'locations to show (default: all)')
    .description('get backup storage locations')
    .option('-l, --selector <selector>', 'only locations whose labels match')
    .option('--default', 'only the default location')
    .addOption(
      new Option('-o, --output <format>', 'table, json or yaml')
        .default('table')
        .argParser(parseOutputFormat),
    )
    .action(
      async (
        names: string[],
        flags: { selector?: string; default?: boolean; output: OutputFormat },
        command: Command,
      ) => {
        const { client } = await openSession(command, runtime);
        const all = await selectObjects(client, 'BackupStorageLocation', names, { selector: flags.selector });
        const locations = (flags.default ? all.filter((l) => l.spec.default) : all).sort((a, b) =>
          (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''),
        );
        if (printStructured(runtime.stdout, flags.output, locations, names.length === 1)) return;
        if (locations.length === 0) {
          runtime.stderr.write(`No backup storage locations found in namespace ${client.namespace}.\n`);
          return;
        }
        runtime.stdout.write(locationTable(locations));
      },
    );
}
