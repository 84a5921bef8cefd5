import {
  type BackupStorageLocation,
  type BackupStorageLocationStatus,
  formatIssues,
  validateResource,
} from '../api/index.ts';
import { parseDuration } from '../core/duration.ts';
import { errorMessage } from '../core/errors.ts';
import { assertLocationLayout } from '../storage/index.ts';
import type { BackupSync } from './backup-sync.ts';
import {
  type ControllerContext,
  patchStatus,
  type ReconcileResult,
  type Reconciler,
  setCondition,
  timestamp,
} from './context.ts';
import { LIFEBOAT_RESOURCES } from './resources.ts';

export interface BackupStorageLocationReconcilerOptions {
  /** How often a location is checked when its `spec.validationFrequency` is unset (default 1 minute). */
  validationFrequencyMs?: number;
  /** The server's default location name: marked `spec.default` when no location is. */
  defaultLocation?: string;
  /** Syncs backups from storage into the cluster after a successful check; no sync without it. */
  sync?: BackupSync;
  /** How often backups are synced when `spec.backupSyncPeriod` is unset (default 1 minute; 0 never). */
  syncPeriodMs?: number;
}

/**
 * The BackupStorageLocation controller: checks each location when it appears, when its spec changes and then
 * every `spec.validationFrequency` (the server's frequency when unset; 0 checks only on changes). A check
 * builds the location's store (credentials included), lists its top level and applies Velero's layout rule
 * (only backups/, restores/, restic/, kopia/, metadata/, plugins/ allowed). The result is `status.phase`
 * Available or Unavailable with `status.message` saying why, `lastValidationTime`, an `Available` condition,
 * an Event when the phase changes, and the `lifeboat_backup_location_status_gauge` metric. When no location
 * is marked default, the one with the server's default name becomes the default.
 */
export class BackupStorageLocationReconciler implements Reconciler {
  readonly name = 'backup-storage-location';
  readonly resource = LIFEBOAT_RESOURCES.BackupStorageLocation;
  readonly #ctx: ControllerContext;
  readonly #options: BackupStorageLocationReconcilerOptions;
  readonly #checked = new Map<string, { generation: number | undefined; at: number }>();
  readonly #synced = new Map<string, number>();

  constructor(ctx: ControllerContext, options: BackupStorageLocationReconcilerOptions = {}) {
    this.#ctx = ctx;
    this.#options = options;
  }

  async reconcile(name: string): Promise<ReconcileResult | undefined> {
    const ctx = this.#ctx;
    const object = await ctx.client.get(this.resource, ctx.namespace, name);
    if (object === undefined || object.metadata?.deletionTimestamp) {
      this.#checked.delete(name);
      this.#synced.delete(name);
      ctx.metrics.locationRemoved(name);
      await ctx.locations.forget(name);
      return undefined;
    }
    const previous = (object.status ?? {}) as BackupStorageLocationStatus;
    const parsed = validateResource('BackupStorageLocation', object);
    if (!parsed.ok) {
      await this.#record(
        object.metadata?.generation,
        name,
        previous,
        false,
        `invalid location: ${formatIssues(parsed.issues)}`,
      );
      return undefined;
    }
    const bsl = parsed.value;
    await this.#ensureDefault(bsl);

    const frequency = this.#frequency(bsl);
    const now = ctx.clock.now().getTime();
    const last = this.#checked.get(name);
    const changed = last === undefined || last.generation !== bsl.metadata.generation;
    const checkDue = changed || (frequency > 0 && now - last.at >= frequency);
    let available = previous.phase === 'Available';
    if (checkDue) {
      let message: string | undefined;
      try {
        await assertLocationLayout(await ctx.locations.store(bsl));
      } catch (err) {
        message = errorMessage(err);
      }
      this.#checked.set(name, { generation: bsl.metadata.generation, at: now });
      available = message === undefined;
      await this.#record(bsl.metadata.generation, name, previous, available, message);
    }
    const syncPeriod = this.#syncPeriod(bsl);
    if (available && syncPeriod > 0 && this.#options.sync) {
      const lastSync = this.#synced.get(name);
      if (lastSync === undefined || now - lastSync >= syncPeriod) await this.#sync(bsl, now);
    }
    return this.#next(name, now, frequency, syncPeriod);
  }

  async #sync(bsl: BackupStorageLocation, now: number): Promise<void> {
    const ctx = this.#ctx;
    const name = bsl.metadata.name ?? '';
    this.#synced.set(name, now);
    try {
      await this.#options.sync?.syncLocation(bsl, await ctx.locations.store(bsl));
      await patchStatus(ctx, this.resource, name, { lastSyncedTime: timestamp(new Date(now)) });
    } catch (err) {
      ctx.logger.warn(
        { controller: this.name, location: name, err: errorMessage(err) },
        'backup sync failed',
      );
    }
  }

  /** When to come back: the sooner of the next check and the next sync, if either is periodic. */
  #next(name: string, now: number, frequency: number, syncPeriod: number): ReconcileResult | undefined {
    const due: number[] = [];
    const checked = this.#checked.get(name);
    if (frequency > 0 && checked) due.push(checked.at + frequency);
    const synced = this.#synced.get(name);
    if (syncPeriod > 0 && this.#options.sync) due.push((synced ?? now) + syncPeriod);
    if (due.length === 0) return undefined;
    return { requeueAfterMs: Math.max(0, Math.min(...due) - now) };
  }

  #syncPeriod(bsl: BackupStorageLocation): number {
    const text = bsl.spec.backupSyncPeriod;
    if (text === undefined || text === null || text === '') return this.#options.syncPeriodMs ?? 60_000;
    return parseDuration(text);
  }

  async #record(
    generation: number | undefined,
    name: string,
    previous: BackupStorageLocationStatus,
    available: boolean,
    message: string | undefined,
  ): Promise<void> {
    const ctx = this.#ctx;
    const now = ctx.clock.now();
    const phase = available ? 'Available' : 'Unavailable';
    const conditions = setCondition(
      previous.conditions,
      {
        type: 'Available',
        status: available ? 'True' : 'False',
        reason: available ? 'Validated' : 'ValidationFailed',
        message: message ?? 'the location is reachable and its layout is valid',
        ...(generation !== undefined ? { observedGeneration: generation } : {}),
      },
      now,
    );
    const object = await patchStatus(ctx, this.resource, name, {
      phase,
      // null removes a stale message through the merge patch.
      message: message ?? null,
      lastValidationTime: timestamp(now),
      conditions,
    });
    ctx.metrics.locationAvailability(name, available);
    if (previous.phase !== phase) {
      if (available) ctx.events.record(object, 'Normal', 'Available', 'backup storage location is available');
      else
        ctx.events.record(
          object,
          'Warning',
          'Unavailable',
          `backup storage location is unavailable: ${message}`,
        );
      ctx.logger.info(
        { controller: this.name, location: name, phase, message },
        'backup storage location checked',
      );
    }
  }

  /** Marks the server's default location as `spec.default` when no location is marked. */
  async #ensureDefault(bsl: BackupStorageLocation): Promise<void> {
    const wanted = this.#options.defaultLocation;
    if (!wanted || bsl.metadata.name !== wanted || bsl.spec.default !== undefined) return;
    const all = await this.#ctx.locations.list();
    if (all.some((l) => l.spec.default === true)) return;
    await this.#ctx.client.patch(this.resource, this.#ctx.namespace, wanted, 'merge', {
      spec: { default: true },
    });
    bsl.spec.default = true;
  }

  #frequency(bsl: BackupStorageLocation): number {
    const text = bsl.spec.validationFrequency;
    if (text === undefined || text === null || text === '')
      return this.#options.validationFrequencyMs ?? 60_000;
    return parseDuration(text);
  }
}
