import type { Command } from 'commander';
import type { ResourceKind, ResourceTypes } from '../../api/index.ts';
import { CliExit } from '../exit.ts';
import type { LifeboatClient } from '../kube/lifeboat-client.ts';
import { openSession } from '../kube/session.ts';
import type { CliRuntime } from '../runtime.ts';
import { confirm } from './confirm.ts';
import { selectObjects } from './select.ts';

/** What differs between the `delete` verbs: what they delete, how they ask, and what deleting one does. */
export interface DeleteVerb<K extends ResourceKind> {
  kind: K;
  /** Plural words for messages: `backups`, `backup storage locations`. */
  plural: string;
  description: string;
  /** The confirmation question for `count` objects (without the trailing "Are you sure…"). */
  question(count: number): string;
  remove(client: LifeboatClient, object: ResourceTypes[K], runtime: CliRuntime): Promise<void>;
}

/** `<noun> delete [NAMES...] [--all | -l SELECTOR] [--confirm]`: selects, confirms (unless told not to), deletes. */
export function registerDeleteCommand<K extends ResourceKind>(
  parent: Command,
  runtime: CliRuntime,
  verb: DeleteVerb<K>,
): void {
  parent
    .command('delete')
    .argument('[NAMES...]', `${verb.plural} to delete`)
    .description(verb.description)
    .option('--all', `delete all ${verb.plural}`)
    .option('-l, --selector <selector>', `delete the ${verb.plural} whose labels match`)
    .option('--confirm', 'do not ask for confirmation')
    .action(
      async (
        names: string[],
        flags: { all?: boolean; selector?: string; confirm?: boolean },
        command: Command,
      ) => {
        const { client } = await openSession(command, runtime);
        const objects = await selectObjects(client, verb.kind, names, {
          selector: flags.selector,
          all: flags.all,
          requireSome: true,
        });
        if (objects.length === 0) {
          runtime.stdout.write(`No ${verb.plural} found.\n`);
          return;
        }
        const question = `${verb.question(objects.length)}. Are you sure you want to continue`;
        if (!flags.confirm && !(await confirm(runtime, question))) {
          runtime.stdout.write('Cancelled.\n');
          throw new CliExit(1);
        }
        for (const object of objects) await verb.remove(client, object, runtime);
      },
    );
}
