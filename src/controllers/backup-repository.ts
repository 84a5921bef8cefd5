import type { BackupRepository, MaintenanceStatus } from '../api/resources/backup-repository.ts';
import { parseDuration } from '../core/duration.ts';
import { errorMessage, isLifeboatError } from '../core/errors.ts';
import type { KubeObject } from '../kube/types.ts';
import type { RepositoryOptions } from '../repository/index.ts';
import { check, prune, unlock } from '../repository/maintenance/index.ts';
import {
  BACKUP_REPOSITORIES,
  DEFAULT_MAINTENANCE_FREQUENCY,
  openRepositoryFor,
  type RepositoryAccess,
} from '../volumes/repositories/index.ts';
import {
  type ControllerContext,
  patchStatus,
  type ReconcileResult,
  type Reconciler,
  timestamp,
} from './context.ts';

export interface BackupRepositoryReconcilerOptions {
  /** How long after a failed initialisation to try again (default 30 s). */
  retryNotReadyMs?: number;
  /** How long to wait when maintenance finds the repository locked by a backup (default 60 s). */
  retryLockedMs?: number;
  /** Passed to the repository engine (tests use cheap key derivation). */
  repositoryOptions?: RepositoryAccess['repositoryOptions'] & RepositoryOptions;
}

/** Maintenance runs kept in `status.recentMaintenance`. */
const RECENT_RUNS = 3;

/**
 * BackupRepository: initialises the namespace's repository in its location on first use (Ready, or NotReady
 * with the reason, retried), fills `spec.resticIdentifier`, and runs maintenance every
 * `spec.maintenanceFrequency` (default 168h) counted from the last run (or from the repository becoming
 * Ready): prune under the repository's exclusive lock, then check. A repository locked by a backup defers the
 * run; stale locks (a dead agent's) are the engine's business. Results go to `status.recentMaintenance` and
 * `lastMaintenanceTime`, and to Events.
 */
export class BackupRepositoryReconciler implements Reconciler {
  readonly name = 'backup-repository';
  readonly resource = BACKUP_REPOSITORIES;
  readonly #ctx: ControllerContext;
  readonly #options: BackupRepositoryReconcilerOptions;

  constructor(ctx: ControllerContext, options: BackupRepositoryReconcilerOptions = {}) {
    this.#ctx = ctx;
    this.#options = options;
  }

  async reconcile(name: string): Promise<ReconcileResult | undefined> {
    const ctx = this.#ctx;
    const object = await ctx.client.get(BACKUP_REPOSITORIES, ctx.namespace, name);
    if (!object || object.metadata?.deletionTimestamp) return undefined;
    const repo = object as unknown as BackupRepository;
    if (repo.status?.phase !== 'Ready') return this.#initialise(object, repo);
    return this.#maintain(object, repo);
  }

  #access(): RepositoryAccess {
    const ctx = this.#ctx;
    return {
      client: ctx.client,
      namespace: ctx.namespace,
      stores: ctx.locations,
      logger: ctx.logger,
      createPassword: true,
      repositoryOptions: this.#options.repositoryOptions,
    };
  }

  async #initialise(object: KubeObject, repo: BackupRepository): Promise<ReconcileResult> {
    const ctx = this.#ctx;
    const { volumeNamespace, backupStorageLocation: location } = repo.spec;
    const name = object.metadata?.name ?? '';
    try {
      const bsl = await ctx.locations.get(location);
      if (bsl && !repo.spec.resticIdentifier) {
        const prefix = bsl.spec.objectStorage.prefix
          ? `${bsl.spec.objectStorage.prefix.replace(/\/+$/, '')}/`
          : '';
        const identifier = `${bsl.spec.provider}:${bsl.spec.objectStorage.bucket}/${prefix}restic/${volumeNamespace}`;
        await ctx.client.patch(BACKUP_REPOSITORIES, ctx.namespace, name, 'merge', {
          spec: { resticIdentifier: identifier },
        });
      }
      await openRepositoryFor(this.#access(), location, volumeNamespace, { init: true });
    } catch (err) {
      const message = errorMessage(err);
      if (repo.status?.message !== message || repo.status?.phase !== 'NotReady') {
        await patchStatus(ctx, BACKUP_REPOSITORIES, name, { phase: 'NotReady', message });
        ctx.events.record(object, 'Warning', 'RepositoryNotReady', message);
      }
      return { requeueAfterMs: this.#options.retryNotReadyMs ?? 30_000 };
    }
    const now = ctx.clock.now();
    await patchStatus(ctx, BACKUP_REPOSITORIES, name, {
      phase: 'Ready',
      message: null,
      // The first maintenance is one period after the repository became usable.
      ...(repo.status?.lastMaintenanceTime ? {} : { lastMaintenanceTime: timestamp(now) }),
    });
    ctx.events.record(
      object,
      'Normal',
      'RepositoryReady',
      `repository of ${volumeNamespace} in ${location} is ready`,
    );
    return { requeueAfterMs: frequencyMs(repo) };
  }

  async #maintain(object: KubeObject, repo: BackupRepository): Promise<ReconcileResult> {
    const ctx = this.#ctx;
    const name = object.metadata?.name ?? '';
    const every = frequencyMs(repo);
    const last = Date.parse(repo.status?.lastMaintenanceTime ?? object.metadata?.creationTimestamp ?? '');
    const due = (Number.isNaN(last) ? 0 : last) + every;
    const now = ctx.clock.now();
    if (now.getTime() < due) return { requeueAfterMs: due - now.getTime() };

    const started = timestamp(now);
    let run: MaintenanceStatus;
    try {
      const opened = await openRepositoryFor(
        this.#access(),
        repo.spec.backupStorageLocation,
        repo.spec.volumeNamespace,
      );
      // Locks of processes that died (an agent killed mid-backup) would block the exclusive lock forever.
      await unlock(opened);
      const pruned = await prune(opened);
      // prune leaves the opened repository's index stale: check reads a fresh one.
      const fresh = await openRepositoryFor(
        this.#access(),
        repo.spec.backupStorageLocation,
        repo.spec.volumeNamespace,
      );
      const report = await check(fresh);
      const ok = report.ok;
      const summary = `prune freed ${pruned.bytesFreed} bytes (${pruned.packsDeleted} packs); check ${
        ok
          ? 'found no errors'
          : `found ${report.errors.length} errors: ${report.errors
              .slice(0, 3)
              .map((e) => e.message)
              .join('; ')}`
      }`;
      run = {
        result: ok ? 'Succeeded' : 'Failed',
        startTimestamp: started,
        completeTimestamp: timestamp(ctx.clock.now()),
        message: summary,
      };
    } catch (err) {
      if (isLifeboatError(err, 'Locked')) {
        ctx.events.record(
          object,
          'Normal',
          'MaintenanceDeferred',
          `repository is in use: ${errorMessage(err)}`,
        );
        return { requeueAfterMs: this.#options.retryLockedMs ?? 60_000 };
      }
      run = {
        result: 'Failed',
        startTimestamp: started,
        completeTimestamp: timestamp(ctx.clock.now()),
        message: errorMessage(err),
      };
    }
    const recent = [...(repo.status?.recentMaintenance ?? []), run].slice(-RECENT_RUNS);
    await patchStatus(ctx, BACKUP_REPOSITORIES, name, {
      recentMaintenance: recent,
      // A failed run counts too: retrying a failing prune every reconcile would hammer the storage.
      lastMaintenanceTime: run.completeTimestamp,
    });
    ctx.events.record(
      object,
      run.result === 'Succeeded' ? 'Normal' : 'Warning',
      run.result === 'Succeeded' ? 'MaintenanceSucceeded' : 'MaintenanceFailed',
      run.message ?? '',
    );
    return { requeueAfterMs: every };
  }
}

function frequencyMs(repo: BackupRepository): number {
  try {
    const ms = parseDuration(repo.spec.maintenanceFrequency || DEFAULT_MAINTENANCE_FREQUENCY);
    return ms > 0 ? ms : parseDuration(DEFAULT_MAINTENANCE_FREQUENCY);
  } catch {
    return parseDuration(DEFAULT_MAINTENANCE_FREQUENCY);
  }
}
