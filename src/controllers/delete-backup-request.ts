import type { Logger } from 'pino';
import {
  type Backup,
  type BackupStorageLocation,
  type DeleteBackupRequestStatus,
  LABELS,
  validateResource,
} from '../api/index.ts';
import { errorMessage, isLifeboatError } from '../core/errors.ts';
import type { KubeObject } from '../kube/types.ts';
import { labelValue } from '../restore/restore-labels.ts';
import { backupKeys, type ObjectStore, restoreKeys } from '../storage/index.ts';
import {
  type ControllerContext,
  patchStatus,
  type ReconcileResult,
  type Reconciler,
  setCondition,
} from './context.ts';
import { LIFEBOAT_RESOURCES } from './resources.ts';

/**
 * Runs before a backup's objects are deleted, with the backup and its location's store; returns problems
 * (which stop the deletion of the objects and the Backup) or nothing. The volumes issue hooks snapshot and
 * repository clean-up in here.
 */
export type BeforeDeleteBackup = (input: {
  backup: Backup;
  store: ObjectStore;
  logger: Logger;
}) => Promise<string[] | undefined>;

export interface DeleteBackupRequestReconcilerOptions {
  beforeDeleteBackup?: readonly BeforeDeleteBackup[];
  /** How long a Processed request is kept before it is deleted (default 24 h, as Velero). */
  processedTtlMs?: number;
}

const DAY_MS = 24 * 3_600_000;

/** Phases in which the backup controller may still write the backup: deleting then would race it. */
const UNFINISHED = new Set<string>([
  'New',
  'Queued',
  'ReadyToStart',
  'InProgress',
  'WaitingForPluginOperations',
  'WaitingForPluginOperationsPartiallyFailed',
  'Finalizing',
  'FinalizingPartiallyFailed',
]);

/** A location holding a copy of the backup (from `status.copies`) whose objects go with it. */
interface CopyTarget {
  bsl: BackupStorageLocation;
}

/**
 * The DeleteBackupRequest controller. A request is refused (Processed, with `status.errors`) when its backup
 * does not exist, is not finished yet (New, Queued, InProgress, … — the backup controller may still write
 * it), or its location — or a location holding a copy of it (`status.copies`) — is ReadOnly or Unavailable;
 * a missing location is refused too, a missing copy location is skipped. Otherwise the request goes
 * InProgress (labelled with the backup's name and uid), the Backup goes `Deleting`, the `beforeDeleteBackup`
 * hooks run, and — only if they reported nothing — every object under `backups/<name>/` is deleted in the
 * backup's location and in each copy location (the metadata object first, so a deletion cut short never
 * leaves something sync would take for a complete backup), then the Restores made from the backup (their
 * `restores/<r>/` objects and the resources), then the Backup itself. The request ends Processed with the errors met, if any (a
 * failed deletion puts the Backup back in its former phase); on success older requests for the same backup
 * are deleted. Processed requests are deleted after a day.
 */
export class DeleteBackupRequestReconciler implements Reconciler {
  readonly name = 'delete-backup-request';
  readonly resource = LIFEBOAT_RESOURCES.DeleteBackupRequest;
  readonly #ctx: ControllerContext;
  readonly #options: DeleteBackupRequestReconcilerOptions;

  constructor(ctx: ControllerContext, options: DeleteBackupRequestReconcilerOptions = {}) {
    this.#ctx = ctx;
    this.#options = options;
  }

  async reconcile(name: string): Promise<ReconcileResult | undefined> {
    const ctx = this.#ctx;
    const request = await ctx.client.get(this.resource, ctx.namespace, name);
    if (request === undefined || request.metadata?.deletionTimestamp) return undefined;
    const status = (request.status ?? {}) as DeleteBackupRequestStatus;
    if (status.phase === 'Processed') return this.#expire(request);

    const backupName = String((request.spec as { backupName?: unknown } | undefined)?.backupName ?? '');
    const log = ctx.logger.child({ controller: this.name, request: name, backup: backupName });
    const target = await this.#target(backupName);
    if ('refusal' in target) return this.#finish(request, [target.refusal], log);
    const { backup, bsl, copies } = target;
    const formerPhase = backup.status?.phase;
    const locationName = bsl.metadata.name ?? '';

    const labels = { schedule: backup.metadata.labels?.[LABELS.scheduleName], location: locationName };
    await ctx.client.patch(this.resource, ctx.namespace, name, 'merge', {
      metadata: {
        labels: {
          [LABELS.backupName]: labelValue(backupName),
          ...(backup.metadata.uid ? { [LABELS.backupUid]: backup.metadata.uid } : {}),
        },
      },
    });
    await patchStatus(ctx, this.resource, name, { phase: 'InProgress' });
    await patchStatus(ctx, LIFEBOAT_RESOURCES.Backup, backupName, { phase: 'Deleting' });
    ctx.events.record(request, 'Normal', 'Deleting', `deleting backup ${backupName}`);
    ctx.metrics.deletionAttempted(labels);
    log.info({ location: locationName }, 'deleting backup');

    const errors = await this.#deleteData(backup, bsl, copies, log);
    if (errors.length === 0) {
      try {
        await ctx.client.delete(LIFEBOAT_RESOURCES.Backup, ctx.namespace, backupName);
      } catch (err) {
        if (!isLifeboatError(err, 'NotFound'))
          errors.push(`cannot delete Backup ${backupName}: ${errorMessage(err)}`);
      }
    } else {
      await patchStatus(ctx, LIFEBOAT_RESOURCES.Backup, backupName, { phase: formerPhase ?? null }).catch(
        () => undefined,
      );
    }
    ctx.metrics.deletionFinished(labels, errors.length === 0);
    const result = await this.#finish(request, errors, log);
    if (errors.length === 0) await this.#deleteOlderRequests(backupName, name);
    return result;
  }

  /** The hooks, then the backup's objects, then its restores; stops at the first step that reports errors. */
  async #deleteData(
    backup: Backup,
    bsl: BackupStorageLocation,
    copies: readonly CopyTarget[],
    log: Logger,
  ): Promise<string[]> {
    const backupName = backup.metadata.name ?? '';
    const locationName = bsl.metadata.name ?? '';
    const errors: string[] = [];
    let store: ObjectStore | undefined;
    try {
      store = await this.#ctx.locations.store(bsl);
    } catch (err) {
      errors.push(`cannot reach backup storage location "${locationName}": ${errorMessage(err)}`);
    }
    if (!store) return errors;
    for (const hook of this.#options.beforeDeleteBackup ?? []) {
      try {
        errors.push(...((await hook({ backup, store, logger: log })) ?? []));
      } catch (err) {
        errors.push(errorMessage(err));
      }
    }
    if (errors.length === 0) errors.push(...(await deleteBackupObjects(store, backupName)));
    for (const copy of copies) {
      if (errors.length > 0) break;
      const where = copy.bsl.metadata.name ?? '';
      try {
        const copyStore = await this.#ctx.locations.store(copy.bsl);
        const failed = await deleteBackupObjects(copyStore, backupName);
        errors.push(...failed.map((e) => `copy in "${where}": ${e}`));
        if (failed.length === 0) log.info({ location: where }, 'deleted the copy of the backup');
      } catch (err) {
        errors.push(`cannot reach backup storage location "${where}" holding a copy: ${errorMessage(err)}`);
      }
    }
    if (errors.length === 0) errors.push(...(await this.#deleteRestores(backupName, store)));
    return errors;
  }

  /** The backup and its location, or why the request must be refused. */
  async #target(
    backupName: string,
  ): Promise<{ backup: Backup; bsl: BackupStorageLocation; copies: CopyTarget[] } | { refusal: string }> {
    const ctx = this.#ctx;
    if (backupName === '') return { refusal: 'spec.backupName: the backup to delete is not named' };
    const object = await ctx.client.get(LIFEBOAT_RESOURCES.Backup, ctx.namespace, backupName);
    if (object === undefined) return { refusal: `backup "${backupName}" not found` };
    const parsed = validateResource('Backup', object);
    if (!parsed.ok) return { refusal: `backup "${backupName}" is not a valid Backup` };
    const backup = parsed.value;
    const phase = backup.status?.phase ?? 'New';
    if (UNFINISHED.has(phase))
      return {
        refusal: `backup "${backupName}" is ${phase === 'InProgress' ? 'still in progress' : `not finished (phase ${phase})`}; delete it once it finishes`,
      };
    const location = backup.spec.storageLocation || backup.metadata.labels?.[LABELS.storageLocation] || '';
    const bsl = location ? await ctx.locations.get(location) : undefined;
    if (bsl === undefined)
      return { refusal: `backup storage location "${location}" of backup "${backupName}" not found` };
    const unwritable = writeRefusal(bsl);
    if (unwritable) return { refusal: unwritable };
    const copies: CopyTarget[] = [];
    for (const where of new Set((backup.status?.copies ?? []).map((c) => c.location))) {
      if (where === location) continue;
      const copyBsl = await ctx.locations.get(where);
      // A location that is gone holds nothing this server could reach or sync back.
      if (copyBsl === undefined) continue;
      const refusal = writeRefusal(copyBsl);
      if (refusal)
        return {
          refusal: `${refusal}, and it holds a copy of backup "${backupName}" that would come back at its next sync`,
        };
      copies.push({ bsl: copyBsl });
    }
    return { backup, bsl, copies };
  }

  /** Deletes every Restore made from `backupName`, and its objects in storage. */
  async #deleteRestores(backupName: string, store: ObjectStore): Promise<string[]> {
    const ctx = this.#ctx;
    const errors: string[] = [];
    const names: string[] = [];
    for await (const page of ctx.client.listPages(LIFEBOAT_RESOURCES.Restore, { namespace: ctx.namespace }))
      for (const item of page.items)
        if (
          (item.spec as { backupName?: string } | undefined)?.backupName === backupName &&
          item.metadata?.name
        )
          names.push(item.metadata.name);
    for (const restore of names) {
      errors.push(...(await deleteUnder(store, restoreKeys(restore).dir)));
      try {
        await ctx.client.delete(LIFEBOAT_RESOURCES.Restore, ctx.namespace, restore);
      } catch (err) {
        if (!isLifeboatError(err, 'NotFound'))
          errors.push(`cannot delete Restore ${restore}: ${errorMessage(err)}`);
      }
    }
    return errors;
  }

  async #deleteOlderRequests(backupName: string, keep: string): Promise<void> {
    const ctx = this.#ctx;
    for await (const page of ctx.client.listPages(this.resource, {
      namespace: ctx.namespace,
      labelSelector: `${LABELS.backupName}=${labelValue(backupName)}`,
    }))
      for (const item of page.items) {
        const other = item.metadata?.name;
        if (other && other !== keep)
          await ctx.client.delete(this.resource, ctx.namespace, other).catch(() => undefined);
      }
  }

  async #finish(request: KubeObject, errors: string[], log: Logger): Promise<ReconcileResult | undefined> {
    const ctx = this.#ctx;
    const now = ctx.clock.now();
    const conditions = setCondition(
      (request.status as DeleteBackupRequestStatus | undefined)?.conditions,
      errors.length === 0
        ? { type: 'Completed', status: 'True', reason: 'Deleted', message: 'the backup was deleted' }
        : { type: 'Completed', status: 'False', reason: 'DeletionFailed', message: errors.join('; ') },
      now,
    );
    const name = request.metadata?.name ?? '';
    await patchStatus(ctx, this.resource, name, {
      phase: 'Processed',
      errors: errors.length ? errors : null,
      conditions,
    });
    if (errors.length === 0) {
      ctx.events.record(request, 'Normal', 'Deleted', 'the backup was deleted');
      log.info('backup deleted');
    } else {
      ctx.events.record(request, 'Warning', 'DeletionFailed', errors.join('; '));
      log.warn({ errors }, 'backup deletion refused or incomplete');
    }
    return { requeueAfterMs: this.#ttl() };
  }

  async #expire(request: KubeObject): Promise<ReconcileResult | undefined> {
    const ctx = this.#ctx;
    // Aged from when it was processed (its Completed condition), else from its creation.
    const completed = (request.status as DeleteBackupRequestStatus | undefined)?.conditions?.find(
      (c) => c.type === 'Completed',
    );
    const since = Date.parse(completed?.lastTransitionTime ?? request.metadata?.creationTimestamp ?? '');
    const age = Number.isNaN(since) ? 0 : ctx.clock.now().getTime() - since;
    if (age < this.#ttl()) return { requeueAfterMs: this.#ttl() - age };
    await ctx.client
      .delete(this.resource, ctx.namespace, request.metadata?.name ?? '')
      .catch((err: unknown) => {
        if (!isLifeboatError(err, 'NotFound')) throw err;
      });
    return undefined;
  }

  #ttl(): number {
    return this.#options.processedTtlMs ?? DAY_MS;
  }
}

/** Why nothing may be deleted from `bsl` (ReadOnly, Unavailable), or undefined. */
function writeRefusal(bsl: BackupStorageLocation): string | undefined {
  const name = bsl.metadata.name ?? '';
  if (bsl.spec.accessMode === 'ReadOnly') return `backup storage location "${name}" is ReadOnly`;
  if (bsl.status?.phase === 'Unavailable')
    return `backup storage location "${name}" is unavailable: ${bsl.status.message ?? 'unknown reason'}`;
  return undefined;
}

/**
 * Deletes `backups/<name>/`: the metadata object first (once it is gone the rest is no longer a backup to
 * sync or restore), then everything else.
 */
async function deleteBackupObjects(store: ObjectStore, name: string): Promise<string[]> {
  const keys = backupKeys(name);
  try {
    await store.delete(keys.metadata);
  } catch (err) {
    return [`cannot delete ${keys.metadata}: ${errorMessage(err)}`];
  }
  return deleteUnder(store, keys.dir);
}

/** Deletes every object under `prefix`; returns what could not be deleted. */
async function deleteUnder(store: ObjectStore, prefix: string): Promise<string[]> {
  const errors: string[] = [];
  try {
    const keys: string[] = [];
    for await (const info of store.list(prefix)) keys.push(info.key);
    for (const key of keys) {
      try {
        await store.delete(key);
      } catch (err) {
        errors.push(`cannot delete ${key}: ${errorMessage(err)}`);
      }
    }
  } catch (err) {
    errors.push(`cannot list ${prefix}: ${errorMessage(err)}`);
  }
  return errors;
}
