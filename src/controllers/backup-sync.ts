import {
  ANNOTATIONS,
  type Backup,
  type BackupStorageLocation,
  fromVeleroApiVersion,
  LABELS,
  validateResource,
} from '../api/index.ts';
import { errorMessage, isLifeboatError } from '../core/errors.ts';
import type { KubeObject } from '../kube/types.ts';
import { backupKeys, listBackupNames, type ObjectStore } from '../storage/index.ts';
import { type ControllerContext, patchStatus } from './context.ts';
import { LIFEBOAT_RESOURCES } from './resources.ts';

/** Phases a backup in storage may be in while its server still works on it: not imported until expired. */
const IN_FLIGHT = new Set([
  'New',
  'Queued',
  'ReadyToStart',
  'InProgress',
  'WaitingForPluginOperations',
  'WaitingForPluginOperationsPartiallyFailed',
  'Finalizing',
  'FinalizingPartiallyFailed',
]);

/**
 * On Backups this controller created from storage: the location they were read from. Sync alone uses it (a
 * Failed backup is forgotten when it vanishes from storage only if it came from there); the backup
 * controller should leave a Backup carrying it alone while its status is still being written.
 */
/** Kept for callers of the sync module; the key itself lives with the others in `ANNOTATIONS`. */
export const SYNCED_FROM_ANNOTATION = ANNOTATIONS.syncedFrom;

/** Finished phases: a Backup in one of them whose objects left its location is removed from the cluster. */
const FINISHED = new Set(['Completed', 'PartiallyFailed', 'Failed']);

export interface SyncResult {
  imported: string[];
  deleted: string[];
}

/**
 * Backup sync (Velero's, reference §8.4): makes the Backups in a location's storage known to this cluster,
 * so a cluster that shares a bucket with another can restore its backups (migration) and a reinstalled
 * server finds its old ones. A backup in storage is one with `backups/<name>/velero-backup.json`; those
 * absent from the cluster are created here (in the server's namespace, `spec.storageLocation` and the
 * location label set to this location, `spec.copyTo` dropped, annotated `lifeboat.io/synced-from`, status as
 * stored). Backups whose stored phase is still in flight
 * are skipped unless expired (then imported as PartiallyFailed). Completed and PartiallyFailed Backups
 * labelled with the location that are no longer in its storage are deleted from the cluster, and so are
 * Failed ones that came from storage (a backup that failed here before writing anything was never there).
 * Sync only reads storage, so it runs on ReadOnly locations too (the migration target's). The caller runs
 * it only for Available locations: an unreachable bucket must not look like an empty one.
 */
export class BackupSync {
  readonly #ctx: ControllerContext;

  constructor(ctx: ControllerContext) {
    this.#ctx = ctx;
  }

  /** One pass over `bsl` (already checked Available), whose store is `store`. */
  async syncLocation(bsl: BackupStorageLocation, store: ObjectStore): Promise<SyncResult> {
    const ctx = this.#ctx;
    const location = bsl.metadata.name ?? '';
    // The cluster first: a backup that completes meanwhile wrote its metadata before its Completed status, so
    // the storage listing after it includes every backup the cluster listing saw finished.
    const inCluster = new Map<string, KubeObject>();
    for await (const page of ctx.client.listPages(LIFEBOAT_RESOURCES.Backup, { namespace: ctx.namespace }))
      for (const item of page.items) if (item.metadata?.name) inCluster.set(item.metadata.name, item);
    const inStorage = new Set(await listBackupNames(store));

    const imported: string[] = [];
    for (const name of [...inStorage].sort()) {
      const present = inCluster.get(name);
      if (present !== undefined && !isUnfinishedImport(present, location)) continue;
      try {
        if (await this.importBackup(bsl, store, name)) imported.push(name);
      } catch (err) {
        ctx.logger.warn(
          { location, backup: name, err: errorMessage(err) },
          'cannot sync a backup from storage',
        );
      }
    }
    const deleted = await this.#removeOrphans(location, inStorage, inCluster);
    if (imported.length + deleted.length > 0)
      ctx.logger.info({ location, imported, deleted }, 'synced backups from storage');
    return { imported, deleted };
  }

  /** Deletes finished Backups labelled with `location` that its storage no longer holds. */
  async #removeOrphans(
    location: string,
    inStorage: ReadonlySet<string>,
    inCluster: ReadonlyMap<string, KubeObject>,
  ): Promise<string[]> {
    const ctx = this.#ctx;
    const deleted: string[] = [];
    for (const [name, object] of inCluster) {
      const phase = (object.status as { phase?: string } | undefined)?.phase;
      if (object.metadata?.labels?.[LABELS.storageLocation] !== location) continue;
      if (!FINISHED.has(phase ?? '')) continue;
      if (phase === 'Failed' && object.metadata?.annotations?.[SYNCED_FROM_ANNOTATION] === undefined)
        continue;
      if (inStorage.has(name)) continue;
      try {
        await ctx.client.delete(LIFEBOAT_RESOURCES.Backup, ctx.namespace, name);
        deleted.push(name);
      } catch (err) {
        if (!isLifeboatError(err, 'NotFound'))
          ctx.logger.warn(
            { location, backup: name, err: errorMessage(err) },
            'cannot delete an orphaned backup',
          );
      }
    }
    return deleted;
  }

  /**
   * Creates the Backup `name` from its metadata in `store`; false when there is none (never completed) or it
   * is still in flight. Throws when the metadata cannot be read or parsed.
   */
  async importBackup(bsl: BackupStorageLocation, store: ObjectStore, name: string): Promise<boolean> {
    const ctx = this.#ctx;
    let body: Buffer;
    try {
      body = await store.getBuffer(backupKeys(name).metadata);
    } catch (err) {
      if (isLifeboatError(err, 'NotFound')) return false;
      throw err;
    }
    const raw = fromVeleroApiVersion(JSON.parse(body.toString('utf8')) as KubeObject);
    const parsed = validateResource('Backup', raw);
    if (!parsed.ok) throw new Error(`velero-backup.json of ${name} is not a valid Backup`);
    const stored: Backup = parsed.value;
    let status = { ...(stored.status ?? {}) };
    if (IN_FLIGHT.has(status.phase ?? 'New')) {
      const expires = Date.parse(status.expiration ?? '');
      if (Number.isNaN(expires) || expires > ctx.clock.now().getTime()) return false;
      status = { ...status, phase: 'PartiallyFailed' };
    }
    const location = bsl.metadata.name ?? '';
    const labels = { ...(stored.metadata.labels ?? {}), [LABELS.storageLocation]: location };
    const annotations = { ...(stored.metadata.annotations ?? {}), [SYNCED_FROM_ANNOTATION]: location };
    try {
      await ctx.client.create(LIFEBOAT_RESOURCES.Backup, {
        apiVersion: 'lifeboat.io/v1',
        kind: 'Backup',
        metadata: { name, namespace: ctx.namespace, labels, annotations },
        // copyTo is the business of the cluster that made the backup: here it would name other locations.
        spec: { ...withoutCopyTo(stored.spec), storageLocation: location },
      });
    } catch (err) {
      if (!isLifeboatError(err, 'AlreadyExists')) throw err;
      // Imported meanwhile by another pass (the periodic sync and a Restore's look-up can meet), or imported
      // by a pass that stopped before writing the status: that one gets its status now.
      const existing = await ctx.client.get(LIFEBOAT_RESOURCES.Backup, ctx.namespace, name);
      if (existing === undefined || !isUnfinishedImport(existing, location)) return true;
    }
    await patchStatus(ctx, LIFEBOAT_RESOURCES.Backup, name, status);
    return true;
  }

  /**
   * Looks for backup `name` in every Available location (the default first) and imports it from the first
   * that has it: a Restore created right after a server start need not wait for the periodic sync.
   */
  async findAndImport(name: string): Promise<boolean> {
    const ctx = this.#ctx;
    const locations = (await ctx.locations.list()).filter((bsl) => bsl.status?.phase !== 'Unavailable');
    locations.sort((a, b) => Number(b.spec.default === true) - Number(a.spec.default === true));
    for (const bsl of locations) {
      try {
        const store = await ctx.locations.store(bsl);
        if (await this.importBackup(bsl, store, name)) return true;
      } catch (err) {
        ctx.logger.debug(
          { location: bsl.metadata.name, backup: name, err: errorMessage(err) },
          'backup not imported',
        );
      }
    }
    return false;
  }
}

function withoutCopyTo(spec: Backup['spec']): Omit<Backup['spec'], 'copyTo'> {
  const { copyTo: _copyTo, ...rest } = spec;
  return rest;
}

/**
 * A Backup sync created from `location` whose status was never written (the Kubernetes API drops status on
 * create, so an import is two writes and a crash can fall between them).
 */
function isUnfinishedImport(object: KubeObject, location: string): boolean {
  return (
    object.metadata?.annotations?.[SYNCED_FROM_ANNOTATION] === location &&
    !(object.status as { phase?: string } | undefined)?.phase
  );
}
