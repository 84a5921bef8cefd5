import {
  ANNOTATIONS,
  type Backup,
  type BackupStatus,
  CONTROLLER_DEFAULTS,
  type Condition,
  formatIssue,
  LABELS,
  validateResource,
} from '../api/index.ts';
import { parseDuration } from '../core/duration.ts';
import { errorMessage } from '../core/errors.ts';
import type { KubeObject, ResourceCatalog } from '../kube/types.ts';
import { backupKeys, type ObjectStore } from '../storage/index.ts';
import {
  type ControllerContext,
  patchFinalStatus,
  patchStatus,
  type ReconcileResult,
  type Reconciler,
  setCondition,
  ThrottledProgress,
  timestamp,
} from './context.ts';
import type { BackupEngine } from './engines.ts';
import { LIFEBOAT_RESOURCES } from './resources.ts';
import { RunningSet } from './running-set.ts';

export interface BackupReconcilerOptions {
  engine: BackupEngine;
  /** `spec.ttl` when unset or 0, in milliseconds. */
  defaultTtlMs?: number;
  /** Items the engine handles at once. */
  concurrency?: number;
  /** Least time between two progress patches (default 1 s). */
  progressIntervalMs?: number;
}

/** The backup format this server writes (tarball layout and `status.formatVersion`). */
export const BACKUP_FORMAT_VERSION = '1.1.0';

/** Why a backup cut short by the server's shutdown failed. */
export const SHUTDOWN_REASON = 'the server shut down before the backup finished';

/**
 * The Backup controller. A new Backup (no phase, or `New`) is validated — its schema, its storage location
 * (exists, ReadWrite, not Unavailable) and the engine's checks of its filters against the cluster's
 * resources — and fails as `FailedValidation` with `status.validationErrors` naming the fields; otherwise
 * the location and TTL defaults are written into the spec, the phase becomes `InProgress` (start time,
 * expiration = start + TTL), the engine runs with its progress patched into `status.progress` (throttled),
 * and its final status is recorded. Events on each transition; metrics per schedule and location. Backups in
 * any other phase are left alone (a backup left `InProgress` by a dead server is the start-up recovery's
 * business).
 */
export class BackupReconciler implements Reconciler {
  readonly name = 'backup';
  readonly resource = LIFEBOAT_RESOURCES.Backup;
  readonly #ctx: ControllerContext;
  readonly #options: BackupReconcilerOptions;
  readonly #running = new RunningSet(SHUTDOWN_REASON);

  constructor(ctx: ControllerContext, options: BackupReconcilerOptions) {
    this.#ctx = ctx;
    this.#options = options;
  }

  /** Backups being run by this reconciler now. */
  get inFlight(): string[] {
    return this.#running.names;
  }

  /** Cuts every running backup short (they end `Failed` with `reason`) and waits for their final status. */
  async abortAll(reason = SHUTDOWN_REASON): Promise<void> {
    await this.#running.abortAll(reason);
  }

  /** Resolves when no backup is running (or at once). */
  async idle(): Promise<void> {
    await this.#running.idle();
  }

  async reconcile(name: string): Promise<ReconcileResult | undefined> {
    const ctx = this.#ctx;
    const object = await ctx.client.get(this.resource, ctx.namespace, name);
    if (object === undefined || object.metadata?.deletionTimestamp) return undefined;
    const phase = (object.status as BackupStatus | undefined)?.phase;
    if ((phase !== undefined && phase !== 'New') || this.#running.has(name)) return undefined;
    // A backup sync imported from storage exists for a moment without status (the API drops status on
    // create); it was run by the cluster that made it and must never be validated or run here.
    if (phase === undefined && object.metadata?.annotations?.[ANNOTATIONS.syncedFrom] !== undefined)
      return undefined;

    await this.#running.run(name, (signal) => this.#process(object, signal));
    return undefined;
  }

  async #process(object: KubeObject, signal: AbortSignal): Promise<void> {
    const ctx = this.#ctx;
    const name = object.metadata?.name ?? '';
    const log = ctx.logger.child({ controller: this.name, backup: name });
    const parsed = validateResource('Backup', object);
    if (!parsed.ok) {
      await this.#failValidation(object, undefined, parsed.issues.map(formatIssue), log);
      return;
    }
    const backup = parsed.value;
    const location = await ctx.locations.resolveName(backup.spec.storageLocation);
    const { problems, catalog } = await this.#validate(backup, location);
    if (problems.length > 0) {
      await this.#failValidation(object, location, problems, log);
      return;
    }

    // Defaults go into the spec, as Velero writes them, so the stored backup says what was done.
    const ttl = backup.spec.ttl && parseDuration(backup.spec.ttl) > 0 ? backup.spec.ttl : this.#defaultTtl();
    const labels = { ...(backup.metadata.labels ?? {}), [LABELS.storageLocation]: location };
    await ctx.client.patch(this.resource, ctx.namespace, name, 'merge', {
      metadata: { labels: { [LABELS.storageLocation]: location } },
      spec: { storageLocation: location, ttl },
    });
    const start = ctx.clock.now();
    const running: Backup = {
      ...backup,
      metadata: { ...backup.metadata, labels },
      spec: { ...backup.spec, storageLocation: location, ttl },
      status: {
        phase: 'InProgress',
        version: 1,
        formatVersion: BACKUP_FORMAT_VERSION,
        startTimestamp: timestamp(start),
        expiration: timestamp(new Date(start.getTime() + parseDuration(ttl))),
      },
    };
    let conditions = setCondition(
      backup.status?.conditions,
      { type: 'Validated', status: 'True', reason: 'Valid', message: 'the backup spec is valid' },
      start,
    );
    conditions = setCondition(
      conditions,
      { type: 'Completed', status: 'False', reason: 'InProgress', message: 'the backup is running' },
      start,
    );
    await patchStatus(ctx, this.resource, name, { ...running.status, conditions });
    ctx.events.record(object, 'Normal', 'Started', `backup started, writing to location ${location}`);
    const metricLabels = { schedule: backup.metadata.labels?.[LABELS.scheduleName], location };
    if (!backup.spec.dryRun) ctx.metrics.backupStarted(metricLabels);
    log.info({ location, ttl, dryRun: backup.spec.dryRun === true }, 'backup started');

    const progress = new ThrottledProgress<{ totalItems: number; itemsBackedUp: number }>(
      async (p) => {
        await patchStatus(ctx, this.resource, name, { progress: p });
      },
      this.#options.progressIntervalMs ?? 1000,
      ctx.clock,
      (err) => log.warn({ err: errorMessage(err) }, 'progress update failed'),
    );
    let status: BackupStatus;
    let store: ObjectStore | undefined;
    try {
      const bsl = await ctx.locations.get(location);
      if (bsl === undefined) throw new Error(`backup storage location ${location} disappeared`);
      store = await ctx.locations.store(bsl);
      const outcome = await this.#options.engine.runBackup(running, {
        catalog,
        client: ctx.client,
        store,
        logger: log,
        clock: ctx.clock,
        concurrency: this.#options.concurrency,
        onProgress: (p) => progress.report(p),
        signal,
      });
      status = { ...outcome.status };
      if (signal.aborted && status.phase !== 'Failed')
        status = { ...status, phase: 'Failed', failureReason: reasonOf(signal) };
    } catch (err) {
      status = {
        ...running.status,
        phase: 'Failed',
        failureReason: signal.aborted ? reasonOf(signal) : errorMessage(err),
      };
    } finally {
      await progress.close();
    }
    const end = ctx.clock.now();
    status.completionTimestamp ??= timestamp(end);
    status.startTimestamp ??= running.status?.startTimestamp;
    status.expiration ??= running.status?.expiration;
    status.formatVersion ??= BACKUP_FORMAT_VERSION;
    const outcome =
      status.phase === 'Completed' || status.phase === 'PartiallyFailed' ? status.phase : 'Failed';
    status.phase = outcome;
    conditions = setCondition(conditions, completedCondition(status), end);
    await patchFinalStatus(ctx, this.resource, name, { ...status, conditions });

    const summary = `${status.progress?.itemsBackedUp ?? 0} items, ${status.warnings ?? 0} warnings, ${status.errors ?? 0} errors`;
    if (outcome === 'Completed')
      ctx.events.record(object, 'Normal', 'Completed', `backup completed: ${summary}`);
    else if (outcome === 'PartiallyFailed')
      ctx.events.record(object, 'Warning', 'PartiallyFailed', `backup partially failed: ${summary}`);
    else
      ctx.events.record(
        object,
        'Warning',
        'Failed',
        `backup failed: ${status.failureReason ?? 'unknown error'}`,
      );
    if (!backup.spec.dryRun)
      ctx.metrics.backupFinished({
        ...metricLabels,
        outcome,
        durationSeconds: (end.getTime() - start.getTime()) / 1000,
        items: status.progress?.itemsBackedUp,
        errors: status.errors,
        warnings: status.warnings,
        finishedAt: end,
        tarballBytes: await tarballSize(store, name, outcome),
      });
    log.info({ phase: outcome, failureReason: status.failureReason }, 'backup finished');
  }

  async #validate(
    backup: Backup,
    location: string,
  ): Promise<{ problems: string[]; catalog: ResourceCatalog }> {
    const ctx = this.#ctx;
    const problems: string[] = [];
    const bsl = await ctx.locations.get(location);
    if (bsl === undefined) {
      problems.push(`spec.storageLocation: backup storage location "${location}" not found`);
    } else if (bsl.spec.accessMode === 'ReadOnly') {
      problems.push(`spec.storageLocation: backup storage location "${location}" is ReadOnly`);
    } else if (bsl.status?.phase === 'Unavailable') {
      problems.push(
        `spec.storageLocation: backup storage location "${location}" is unavailable${bsl.status.message ? `: ${bsl.status.message}` : ''}`,
      );
    }
    const known = new Set((await ctx.locations.list()).map((l) => l.metadata.name));
    const catalog = await ctx.discover();
    const withLocation: Backup = { ...backup, spec: { ...backup.spec, storageLocation: location } };
    for (const message of this.#options.engine.validateBackup(withLocation, {
      catalog,
      locationExists: (n) => known.has(n),
    }))
      if (!problems.includes(message) && !(bsl === undefined && message.startsWith('spec.storageLocation')))
        problems.push(message);
    return { problems, catalog };
  }

  async #failValidation(
    object: KubeObject,
    location: string | undefined,
    problems: string[],
    log: ControllerContext['logger'],
  ): Promise<void> {
    const ctx = this.#ctx;
    const name = object.metadata?.name ?? '';
    const now = ctx.clock.now();
    const conditions = setCondition(
      (object.status as BackupStatus | undefined)?.conditions,
      { type: 'Validated', status: 'False', reason: 'FailedValidation', message: problems.join('; ') },
      now,
    );
    await patchStatus(ctx, this.resource, name, {
      phase: 'FailedValidation',
      validationErrors: problems,
      completionTimestamp: timestamp(now),
      conditions,
    });
    ctx.events.record(object, 'Warning', 'FailedValidation', problems.join('; '));
    ctx.metrics.backupFinished({
      schedule: object.metadata?.labels?.[LABELS.scheduleName],
      location,
      outcome: 'FailedValidation',
    });
    log.info({ validationErrors: problems }, 'backup failed validation');
  }

  #defaultTtl(): string {
    const ms = this.#options.defaultTtlMs;
    if (ms === undefined || ms <= 0) return CONTROLLER_DEFAULTS.backupTtl;
    return goDuration(ms);
  }
}

/** The `Completed` condition of a finished run. */
export function completedCondition(status: {
  phase?: string;
  failureReason?: string;
  errors?: number;
  warnings?: number;
}): Omit<Condition, 'lastTransitionTime'> {
  if (status.phase === 'Completed')
    return {
      type: 'Completed',
      status: 'True',
      reason: 'Completed',
      message: `finished with ${status.warnings ?? 0} warnings`,
    };
  if (status.phase === 'PartiallyFailed')
    return {
      type: 'Completed',
      status: 'False',
      reason: 'PartiallyFailed',
      message: `finished with ${status.errors ?? 0} errors`,
    };
  return { type: 'Completed', status: 'False', reason: 'Failed', message: status.failureReason ?? 'failed' };
}

function reasonOf(signal: AbortSignal): string {
  return signal.reason instanceof Error ? signal.reason.message : String(signal.reason ?? SHUTDOWN_REASON);
}

/** Milliseconds as a Go duration with whole hours, minutes and seconds (`720h0m0s`). */
function goDuration(ms: number): string {
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return `${h}h${m}m${s}s`;
}

/** The size of a finished backup's tarball, for the metric; undefined when there is none to measure. */
async function tarballSize(
  store: ObjectStore | undefined,
  name: string,
  outcome: string,
): Promise<number | undefined> {
  if (store === undefined || outcome === 'Failed') return undefined;
  try {
    return (await store.stat(backupKeys(name).contents)).size;
  } catch {
    return undefined;
  }
}
