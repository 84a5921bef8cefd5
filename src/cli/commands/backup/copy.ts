import type { Command } from 'commander';
import type { Backup, BackupCopyStatus } from '../../../api/index.ts';
import { LifeboatError, UsageError } from '../../../core/errors.ts';
import { CliExit } from '../../exit.ts';
import { csvList } from '../../flags.ts';
import type { LifeboatClient } from '../../kube/lifeboat-client.ts';
import { openSession } from '../../kube/session.ts';
import { ProgressDisplay } from '../../output/progress.ts';
import type { CliRuntime } from '../../runtime.ts';
import { waitForResource } from '../../wait.ts';

/** Backup phases after which no copy will ever start (the server copies Completed and PartiallyFailed ones). */
const NEVER_COPIED = new Set(['Failed', 'FailedValidation', 'Deleting']);

/**
 * `lifeboat backup copy NAME --to LOCATION[,LOCATION…] [--wait]`: asks the server to copy a backup to further
 * storage locations by adding them to the Backup's `spec.copyTo` (the request is the spec; the server's
 * copier records each copy in `status.copies`). Refused here: a location that does not exist, a ReadOnly one,
 * the backup's own. `--wait` returns when every named copy has Completed, and exits 1 when one Failed (its
 * message printed) or the backup ended in a phase that is never copied.
 */
export function registerBackupCopy(backup: Command, runtime: CliRuntime): void {
  backup
    .command('copy')
    .argument('<NAME>', 'the backup to copy')
    .description('copy a backup to further backup storage locations (another region or cloud)')
    .requiredOption('--to <locations>', 'backup storage locations to copy to (comma-separated)', csvList)
    .option('-w, --wait', 'wait until the copies are done')
    .action(async (name: string, flags: { to: string[]; wait?: boolean }, command: Command) => {
      const { client, namespace } = await openSession(command, runtime);
      const found = await client.get('Backup', name);
      if (!found) throw new LifeboatError('NotFound', `backup "${name}" not found in namespace ${namespace}`);
      const targets = [...new Set(flags.to.filter((t) => t !== ''))];
      if (targets.length === 0) throw new UsageError('--to names no location');
      await checkTargets(client, found, targets);

      const copyTo = [...new Set([...(found.spec.copyTo ?? []), ...targets])];
      await client.patch('Backup', name, { spec: { copyTo } });
      printRequested(runtime, found, targets);
      const phase = found.status?.phase;
      if (phase !== 'Completed' && phase !== 'PartiallyFailed')
        runtime.stdout.write(`The backup is ${phase ?? 'New'}: copies start once it has finished.\n`);
      if (!flags.wait) {
        runtime.stdout.write(
          `Run \`lifeboat backup get ${name} -o yaml\` and look at status.copies to follow them.\n`,
        );
        return;
      }
      // A copy that had failed counts as finished again only once the server has tried it anew.
      const failedBefore = new Map(
        (found.status?.copies ?? [])
          .filter((c) => c.phase === 'Failed')
          .map((c) => [c.location, c.completionTimestamp]),
      );
      const done = await waitForCopies(client, name, targets, failedBefore, runtime);
      if (!printOutcome(runtime, done, targets)) throw new CliExit(1);
    });
}

function printRequested(runtime: CliRuntime, backup: Backup, targets: readonly string[]): void {
  const name = backup.metadata.name ?? '';
  for (const target of targets) {
    const previous = backup.status?.copies?.find((c) => c.location === target);
    if (previous?.phase === 'Completed')
      runtime.stdout.write(`Backup "${name}" is already copied to location "${target}".\n`);
    else if (previous?.phase === 'Failed')
      runtime.stdout.write(
        `The copy of backup "${name}" to location "${target}" failed (${previous.message ?? 'no reason given'}); the server tries it again periodically.\n`,
      );
    else runtime.stdout.write(`Copy of backup "${name}" to location "${target}" requested.\n`);
  }
}

/** Prints each copy's outcome; false when any target did not get its copy. */
function printOutcome(runtime: CliRuntime, backup: Backup, targets: readonly string[]): boolean {
  const name = backup.metadata.name ?? '';
  let ok = true;
  for (const target of targets) {
    const copy = backup.status?.copies?.find((c) => c.location === target);
    if (copy?.phase === 'Completed') {
      runtime.stdout.write(`Backup "${name}" copied to location "${target}".\n`);
      continue;
    }
    ok = false;
    runtime.stderr.write(
      `Backup "${name}" was not copied to location "${target}": ${copy?.message ?? `the backup ended ${backup.status?.phase}`}\n`,
    );
  }
  return ok;
}

/** Refuses locations that do not exist, are ReadOnly, or hold the original. */
async function checkTargets(
  client: LifeboatClient,
  backup: Backup,
  targets: readonly string[],
): Promise<void> {
  const own = backup.spec.storageLocation;
  for (const target of targets) {
    if (target === own)
      throw new UsageError(`location "${target}" is the backup's own location, which holds the original`);
    const bsl = await client.get('BackupStorageLocation', target);
    if (!bsl)
      throw new LifeboatError(
        'NotFound',
        `backup storage location "${target}" not found in namespace ${client.namespace}`,
      );
    if (bsl.spec.accessMode === 'ReadOnly')
      throw new UsageError(`backup storage location "${target}" is ReadOnly: no copy can be written there`);
  }
}

/**
 * Until each of `targets` has a final copy status (Completed, or Failed in an attempt newer than the one in
 * `failedBefore`), or the backup will never be copied.
 */
function waitForCopies(
  client: LifeboatClient,
  name: string,
  targets: readonly string[],
  failedBefore: ReadonlyMap<string, string | null | undefined>,
  runtime: CliRuntime,
): Promise<Backup> {
  const copyOf = (b: Backup, t: string): BackupCopyStatus | undefined =>
    b.status?.copies?.find((c) => c.location === t);
  return waitForResource(client, 'Backup', name, {
    clock: runtime.clock,
    display: new ProgressDisplay({ stream: runtime.stderr }),
    finished: (b) =>
      NEVER_COPIED.has(b.status?.phase ?? '') ||
      targets.every((t) => {
        const copy = copyOf(b, t);
        if (copy?.phase === 'Completed') return true;
        return (
          copy?.phase === 'Failed' &&
          (!failedBefore.has(t) || failedBefore.get(t) !== copy.completionTimestamp)
        );
      }),
    line: (b) =>
      `Backup "${name}": ${b.status?.phase ?? 'New'}; copies: ${targets
        .map((t) => `${t} ${copyOf(b, t)?.phase ?? 'waiting'}`)
        .join(', ')}`,
  });
}
