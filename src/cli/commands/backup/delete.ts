import type { Command } from 'commander';
import { API_VERSION, LABELS } from '../../../api/index.ts';
import { LifeboatError } from '../../../core/errors.ts';
import type { LifeboatClient } from '../../kube/lifeboat-client.ts';
import { labelValue, requestName } from '../../names.ts';
import type { CliRuntime } from '../../runtime.ts';
import { registerDeleteCommand, type WaitForGone } from '../delete-command.ts';

/** How often `--wait` looks at the Backup and its DeleteBackupRequest. */
const POLL_MS = 500;

/**
 * `lifeboat backup delete NAME... | --all | -l SELECTOR [--confirm] [--wait]`: one DeleteBackupRequest per
 * backup (the server deletes its objects in storage, its copies, snapshots and restores, then the Backup).
 * `--wait` returns when the Backups are gone, or exits 1 with the server's reasons when a request was
 * refused or failed (a backup still in progress, a ReadOnly location, …).
 */
export function registerBackupDelete(backup: Command, runtime: CliRuntime): void {
  registerDeleteCommand(backup, runtime, {
    kind: 'Backup',
    plural: 'backups',
    description: 'delete backups and everything they hold in storage (through DeleteBackupRequests)',
    question: (count) => `You are about to delete ${count} backup(s)`,
    async remove(client, b, out) {
      const name = b.metadata.name ?? '';
      const request = requestName(name);
      await client.create('DeleteBackupRequest', {
        apiVersion: API_VERSION,
        kind: 'DeleteBackupRequest',
        metadata: {
          name: request,
          labels: {
            [LABELS.backupName]: labelValue(name),
            ...(b.metadata.uid ? { [LABELS.backupUid]: b.metadata.uid } : {}),
          },
        },
        spec: { backupName: name },
      });
      out.stdout.write(
        `Request to delete backup "${name}" submitted successfully.\nThe backup will be fully deleted after all associated data (backup files, copies, snapshots, restores) are removed.\n`,
      );
      return untilBackupDeleted(client, name, request, out);
    },
  });
}

/**
 * Waits until Backup `name` is gone; throws with the request's errors when `request` was processed without
 * deleting it (refused, or failed part-way: the server then keeps the Backup).
 */
function untilBackupDeleted(
  client: LifeboatClient,
  name: string,
  request: string,
  runtime: CliRuntime,
): WaitForGone {
  return async () => {
    for (;;) {
      if ((await client.get('Backup', name)) === undefined) return;
      const status = (await client.get('DeleteBackupRequest', request))?.status;
      if (status?.phase === 'Processed' && (await client.get('Backup', name)) !== undefined)
        throw new LifeboatError(
          'Conflict',
          status.errors?.length
            ? status.errors.join('; ')
            : 'the server processed the request but kept the backup',
        );
      await runtime.clock.sleep(POLL_MS);
    }
  };
}
