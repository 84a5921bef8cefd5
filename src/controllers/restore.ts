import {
  type Backup,
  type BackupStatus,
  formatIssue,
  LABELS,
  type Restore,
  type RestoreStatus,
  validateResource,
} from '../api/index.ts';
import { errorMessage, LifeboatError } from '../core/errors.ts';
import type { KubeObject, ResourceCatalog } from '../kube/types.ts';
import { completedCondition } from './backup.ts';
import type { BackupSync } from './backup-sync.ts';
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
import type { RestoreEngine } from './engines.ts';
import { LIFEBOAT_RESOURCES } from './resources.ts';
import { RunningSet } from './running-set.ts';

export interface RestoreReconcilerOptions {
  engine: RestoreEngine;
  /** Imports a backup found only in storage (another cluster's, on a shared bucket) before giving up on it. */
  sync?: BackupSync;
  concurrency?: number;
  progressIntervalMs?: number;
}

const RESTORABLE_BACKUP_PHASES: readonly string[] = ['Completed', 'PartiallyFailed'];

/** How long a Backup without a phase is waited for rather than refused. */
const JUST_CREATED_MS = 30_000;

/** Why a restore cut short by the server's shutdown failed. */
export const RESTORE_SHUTDOWN_REASON = 'the server shut down before the restore finished';

/**
 * The Restore controller. A new Restore is resolved to its backup — `spec.backupName`, or for
 * `spec.scheduleName` the most recent Completed backup of that schedule (written into `spec.backupName`) —
 * which must exist and be Completed or PartiallyFailed, with its storage location present; the engine's own
 * checks follow. Problems end in `FailedValidation` naming the field. Otherwise `InProgress`, the engine
 * runs against the backup's location with progress patched (throttled), and its final status is recorded.
 * Events on each transition; metrics per schedule and location.
 */
export class RestoreReconciler implements Reconciler {
  readonly name = 'restore';
  readonly resource = LIFEBOAT_RESOURCES.Restore;
  readonly #ctx: ControllerContext;
  readonly #options: RestoreReconcilerOptions;
  readonly #running = new RunningSet(RESTORE_SHUTDOWN_REASON);

  constructor(ctx: ControllerContext, options: RestoreReconcilerOptions) {
    this.#ctx = ctx;
    this.#options = options;
  }

  get inFlight(): string[] {
    return this.#running.names;
  }

  async abortAll(reason = RESTORE_SHUTDOWN_REASON): Promise<void> {
    await this.#running.abortAll(reason);
  }

  async idle(): Promise<void> {
    await this.#running.idle();
  }

  async reconcile(name: string): Promise<ReconcileResult | undefined> {
    const ctx = this.#ctx;
    const object = await ctx.client.get(this.resource, ctx.namespace, name);
    if (object === undefined || object.metadata?.deletionTimestamp) return undefined;
    const phase = (object.status as RestoreStatus | undefined)?.phase;
    if ((phase !== undefined && phase !== 'New') || this.#running.has(name)) return undefined;
    await this.#running.run(name, (signal) => this.#process(object, signal));
    return undefined;
  }

  async #process(object: KubeObject, signal: AbortSignal): Promise<void> {
    const ctx = this.#ctx;
    const name = object.metadata?.name ?? '';
    const log = ctx.logger.child({ controller: this.name, restore: name });
    const parsed = validateResource('Restore', object);
    if (!parsed.ok) {
      await this.#failValidation(object, {}, parsed.issues.map(formatIssue), log);
      return;
    }
    let restore = parsed.value;
    const resolved = await this.#resolveBackup(restore);
    const schedule = restore.spec.scheduleName || resolved.backup?.metadata.labels?.[LABELS.scheduleName];
    const location =
      resolved.backup?.spec.storageLocation || resolved.backup?.metadata.labels?.[LABELS.storageLocation];
    const labels = { schedule, location };
    const problems = [...resolved.problems];
    if (resolved.backup && location && (await ctx.locations.get(location)) === undefined)
      problems.push(`spec.backupName: the backup's storage location "${location}" not found`);
    const catalog = problems.length === 0 ? await ctx.discover() : undefined;
    if (catalog) problems.push(...this.#options.engine.validateRestore(restore, { catalog }));
    if (problems.length > 0 || !resolved.backup || !location || !catalog) {
      await this.#failValidation(object, labels, problems, log);
      return;
    }
    const backupName = resolved.backup.metadata.name ?? '';
    if (restore.spec.backupName !== backupName) {
      await ctx.client.patch(this.resource, ctx.namespace, name, 'merge', { spec: { backupName } });
      restore = { ...restore, spec: { ...restore.spec, backupName } };
    }

    const start = ctx.clock.now();
    let conditions = setCondition(
      restore.status?.conditions,
      { type: 'Validated', status: 'True', reason: 'Valid', message: `restoring from backup ${backupName}` },
      start,
    );
    conditions = setCondition(
      conditions,
      { type: 'Completed', status: 'False', reason: 'InProgress', message: 'the restore is running' },
      start,
    );
    const startTimestamp = timestamp(start);
    await patchStatus(ctx, this.resource, name, { phase: 'InProgress', startTimestamp, conditions });
    ctx.events.record(object, 'Normal', 'Started', `restore from backup ${backupName} started`);
    if (!restore.spec.dryRun) ctx.metrics.restoreStarted(labels);
    log.info({ backup: backupName, location, dryRun: restore.spec.dryRun === true }, 'restore started');

    const status = await this.#run(restore, location, catalog, startTimestamp, signal, log);
    const end = ctx.clock.now();
    status.startTimestamp ??= startTimestamp;
    status.completionTimestamp ??= timestamp(end);
    const outcome =
      status.phase === 'Completed' || status.phase === 'PartiallyFailed' ? status.phase : 'Failed';
    status.phase = outcome;
    conditions = setCondition(conditions, completedCondition(status), end);
    await patchFinalStatus(ctx, this.resource, name, { ...status, conditions });

    const summary = `${status.progress?.itemsRestored ?? 0} items, ${status.warnings ?? 0} warnings, ${status.errors ?? 0} errors`;
    if (outcome === 'Completed')
      ctx.events.record(object, 'Normal', 'Completed', `restore completed: ${summary}`);
    else if (outcome === 'PartiallyFailed')
      ctx.events.record(object, 'Warning', 'PartiallyFailed', `restore partially failed: ${summary}`);
    else
      ctx.events.record(
        object,
        'Warning',
        'Failed',
        `restore failed: ${status.failureReason ?? 'unknown error'}`,
      );
    if (!restore.spec.dryRun)
      ctx.metrics.restoreFinished({
        ...labels,
        outcome,
        durationSeconds: (end.getTime() - start.getTime()) / 1000,
        items: status.progress?.itemsRestored,
      });
    log.info({ phase: outcome, failureReason: status.failureReason }, 'restore finished');
  }

  /** Runs the engine against the backup's location; never throws (a failure is a Failed status). */
  async #run(
    restore: Restore,
    location: string,
    catalog: ResourceCatalog,
    startTimestamp: string,
    signal: AbortSignal,
    log: ControllerContext['logger'],
  ): Promise<RestoreStatus> {
    const ctx = this.#ctx;
    const progress = new ThrottledProgress<{ totalItems: number; itemsRestored: number }>(
      async (p) => {
        await patchStatus(ctx, this.resource, restore.metadata.name ?? '', { progress: p });
      },
      this.#options.progressIntervalMs ?? 1000,
      ctx.clock,
      (err) => log.warn({ err: errorMessage(err) }, 'progress update failed'),
    );
    let status: RestoreStatus;
    try {
      const bsl = await ctx.locations.get(location);
      if (bsl === undefined) throw new Error(`backup storage location ${location} disappeared`);
      const store = await ctx.locations.store(bsl);
      const outcome = await this.#options.engine.runRestore(
        { ...restore, status: { ...restore.status, phase: 'InProgress', startTimestamp } },
        {
          catalog,
          client: ctx.client,
          store,
          serverNamespace: ctx.namespace,
          logger: log,
          clock: ctx.clock,
          concurrency: this.#options.concurrency,
          onProgress: (p) => progress.report(p),
          signal,
          discover: ctx.discover,
        },
      );
      status = { ...outcome.status };
      if (signal.aborted && status.phase !== 'Failed')
        status = { ...status, phase: 'Failed', failureReason: reasonOf(signal) };
    } catch (err) {
      status = { phase: 'Failed', failureReason: signal.aborted ? reasonOf(signal) : errorMessage(err) };
    } finally {
      await progress.close();
    }
    return status;
  }

  /** The backup a restore reads, or why there is none. */
  async #resolveBackup(restore: Restore): Promise<{ backup?: Backup; problems: string[] }> {
    const ctx = this.#ctx;
    if (restore.spec.backupName) {
      const name = restore.spec.backupName;
      let object = await ctx.client.get(LIFEBOAT_RESOURCES.Backup, ctx.namespace, name);
      if (object === undefined && this.#options.sync) {
        // The periodic sync may be importing it at this very moment: look again whatever the import said.
        await this.#options.sync.findAndImport(name);
        object = await ctx.client.get(LIFEBOAT_RESOURCES.Backup, ctx.namespace, name);
      }
      if (object === undefined) return { problems: [`spec.backupName: backup "${name}" not found`] };
      const parsed = validateResource('Backup', object);
      if (!parsed.ok) return { problems: [`spec.backupName: backup "${name}" is not valid`] };
      const phase = parsed.value.status?.phase ?? 'New';
      if (phase === 'New' && this.#justCreated(parsed.value))
        // A Backup just created (by a sync, whose status write follows its create) has no phase for a moment.
        throw new LifeboatError('Unavailable', `backup "${name}" has no status yet`, { retryable: true });
      if (!RESTORABLE_BACKUP_PHASES.includes(phase))
        return {
          problems: [
            `spec.backupName: backup "${restore.spec.backupName}" is ${phase}; only Completed or PartiallyFailed backups can be restored`,
          ],
        };
      return { backup: parsed.value, problems: [] };
    }
    if (restore.spec.scheduleName) {
      const latest = await this.#latestCompleted(restore.spec.scheduleName);
      if (latest === undefined)
        return {
          problems: [`spec.scheduleName: schedule "${restore.spec.scheduleName}" has no Completed backup`],
        };
      return { backup: latest, problems: [] };
    }
    return { problems: ['spec.backupName: either backupName or scheduleName must be set'] };
  }

  #justCreated(backup: Backup): boolean {
    const created = Date.parse(backup.metadata.creationTimestamp ?? '');
    return !Number.isNaN(created) && this.#ctx.clock.now().getTime() - created < JUST_CREATED_MS;
  }

  /** The Completed backup of `schedule` that started last. */
  async #latestCompleted(schedule: string): Promise<Backup | undefined> {
    const ctx = this.#ctx;
    let latest: Backup | undefined;
    for await (const page of ctx.client.listPages(LIFEBOAT_RESOURCES.Backup, {
      namespace: ctx.namespace,
      labelSelector: `${LABELS.scheduleName}=${schedule}`,
    }))
      for (const item of page.items) {
        const parsed = validateResource('Backup', item);
        if (!parsed.ok) continue;
        const status: BackupStatus | undefined = parsed.value.status;
        if (status?.phase !== 'Completed') continue;
        if (!latest || (status.startTimestamp ?? '') > (latest.status?.startTimestamp ?? ''))
          latest = parsed.value;
      }
    return latest;
  }

  async #failValidation(
    object: KubeObject,
    labels: { schedule?: string; location?: string },
    problems: string[],
    log: ControllerContext['logger'],
  ): Promise<void> {
    const ctx = this.#ctx;
    const now = ctx.clock.now();
    const conditions = setCondition(
      (object.status as RestoreStatus | undefined)?.conditions,
      { type: 'Validated', status: 'False', reason: 'FailedValidation', message: problems.join('; ') },
      now,
    );
    await patchStatus(ctx, this.resource, object.metadata?.name ?? '', {
      phase: 'FailedValidation',
      validationErrors: problems,
      completionTimestamp: timestamp(now),
      conditions,
    });
    ctx.events.record(object, 'Warning', 'FailedValidation', problems.join('; '));
    ctx.metrics.restoreFinished({ ...labels, outcome: 'FailedValidation' });
    log.info({ validationErrors: problems }, 'restore failed validation');
  }
}

function reasonOf(signal: AbortSignal): string {
  return signal.reason instanceof Error
    ? signal.reason.message
    : String(signal.reason ?? RESTORE_SHUTDOWN_REASON);
}
