import type { Command } from 'commander';
import type { ResourceKind, ResourceTypes } from '../../api/index.ts';
import { errorMessage } from '../../core/errors.ts';
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
  /**
   * Deletes (or asks the server to delete) one object. What it returns, if anything, is how `--wait` waits
   * for that object to be gone: it resolves then, and throws when the deletion failed. Without it, `--wait`
   * polls until the object no longer exists.
   */
  remove(
    client: LifeboatClient,
    object: ResourceTypes[K],
    runtime: CliRuntime,
  ): Promise<WaitForGone | undefined>;
}

/** Resolves once the object is gone; throws (with the server's reasons) when its deletion failed. */
export type WaitForGone = () => Promise<void>;

/** How often `--wait` looks again. */
const WAIT_POLL_MS = 500;

/** Polls until `kind/name` no longer exists (the default `--wait`). */
export function untilGone(
  client: LifeboatClient,
  kind: ResourceKind,
  name: string,
  runtime: CliRuntime,
): WaitForGone {
  return async () => {
    while ((await client.get(kind, name)) !== undefined) await runtime.clock.sleep(WAIT_POLL_MS);
  };
}

/**
 * `<noun> delete [NAMES...] [--all | -l SELECTOR] [--confirm] [--wait]`: selects, confirms (unless told not
 * to), deletes; with `--wait`, waits until every selected object is gone and exits 1 when any deletion
 * failed (each failure printed on stderr).
 */
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
    .option('-w, --wait', `wait until the ${verb.plural} are gone`)
    .action(
      async (
        names: string[],
        flags: { all?: boolean; selector?: string; confirm?: boolean; wait?: boolean },
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
        const waits: { name: string; wait: WaitForGone }[] = [];
        for (const object of objects) {
          const name = object.metadata.name ?? '';
          const wait = await verb.remove(client, object, runtime);
          waits.push({
            name,
            wait: typeof wait === 'function' ? wait : untilGone(client, verb.kind, name, runtime),
          });
        }
        if (!flags.wait) return;
        runtime.stdout.write(`Waiting for ${objects.length} ${verb.plural} to be deleted...\n`);
        let failed = 0;
        for (const { name, wait } of waits) {
          try {
            await wait();
            runtime.stdout.write(`${verb.kind} "${name}" deleted.\n`);
          } catch (err) {
            failed++;
            runtime.stderr.write(`${verb.kind} "${name}" was not deleted: ${errorMessage(err)}\n`);
          }
        }
        if (failed > 0) throw new CliExit(1);
      },
    );
}
