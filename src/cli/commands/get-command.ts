import { type Command, Option } from 'commander';
import type { ResourceKind, ResourceTypes } from '../../api/index.ts';
import { openSession } from '../kube/session.ts';
import { type OutputFormat, parseOutputFormat, printStructured } from '../output/resources.ts';
import type { CliRuntime } from '../runtime.ts';
import { newestFirst } from './backup/table.ts';
import { selectObjects } from './select.ts';

/** What one noun's `get` shows: its kind, its plural as users read it, and its table. */
export interface GetVerb<K extends ResourceKind> {
  kind: K;
  /** `backups`, `restores`, `schedules`. */
  plural: string;
  table(objects: ResourceTypes[K][], now: Date): string;
}

/**
 * `<noun> get [NAMES…] [-l SELECTOR] [-o table|json|yaml]`, the same for every noun: the named objects (or
 * the selected ones, or all), newest first; one named object prints as an object in json/yaml, as kubectl.
 */
export function registerGetCommand<K extends ResourceKind>(
  noun: Command,
  runtime: CliRuntime,
  verb: GetVerb<K>,
): void {
  noun
    .command('get')
    .argument('[NAMES...]', `${verb.plural} to show (default: all)`)
    .description(`get ${verb.plural}`)
    .option('-l, --selector <selector>', `only ${verb.plural} whose labels match`)
    .addOption(
      new Option('-o, --output <format>', 'table, json or yaml')
        .default('table')
        .argParser(parseOutputFormat),
    )
    .action(async (names: string[], flags: { selector?: string; output: OutputFormat }, command: Command) => {
      const { client } = await openSession(command, runtime);
      const objects = newestFirst(
        await selectObjects(client, verb.kind, names, { selector: flags.selector }),
      );
      if (printStructured(runtime.stdout, flags.output, objects, names.length === 1)) return;
      if (objects.length === 0) {
        runtime.stderr.write(`No ${verb.plural} found in namespace ${client.namespace}.\n`);
        return;
      }
      runtime.stdout.write(verb.table(objects, runtime.clock.now()));
    });
}
