import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { PluginInfo } from '../api/index.ts';
import { builtinBackupItemActions, runBackup, validateBackup } from '../backup/index.ts';
import { failAbandonedRuns } from '../controllers/abandoned-runs.ts';
import { BackupReconciler } from '../controllers/backup.ts';
import { BackupCopyReconciler } from '../controllers/backup-copy.ts';
import { BackupRepositoryReconciler } from '../controllers/backup-repository.ts';
import { BackupStorageLocationReconciler } from '../controllers/backup-storage-location.ts';
import { BackupSync } from '../controllers/backup-sync.ts';
import type { ControllerContext, EventSink, Reconciler } from '../controllers/context.ts';
import {
  type BeforeDeleteBackup,
  DeleteBackupRequestReconciler,
} from '../controllers/delete-backup-request.ts';
import { DownloadRequestReconciler } from '../controllers/download-request.ts';
import type { BackupEngine, RestoreEngine } from '../controllers/engines.ts';
import { GarbageCollectionReconciler } from '../controllers/gc.ts';
import { NotificationReconciler } from '../controllers/notifications.ts';
import { RestoreReconciler } from '../controllers/restore.ts';
import { Controller, EventRecorder, LeaderElector } from '../controllers/runtime/index.ts';
import { ScheduleReconciler } from '../controllers/schedule.ts';
import { BUILTIN_PLUGINS, ServerStatusRequestReconciler } from '../controllers/server-status-request.ts';
import { StorageLocations } from '../controllers/storage-locations.ts';
import { type Clock, systemClock } from '../core/clock.ts';
import { errorMessage, isLifeboatError, LifeboatError } from '../core/errors.ts';
import { createPodExec } from '../kube/exec.ts';
import { connect, createDynamicClient, createInformer, discoverResources } from '../kube/index.ts';
import { restoreHookServices } from '../restore/hooks/index.ts';
import { builtinActions, runRestore, validateRestore } from '../restore/index.ts';
import { CsiSnapshotter } from '../volumes/csi/index.ts';
import { repositoryForgetter } from '../volumes/data-mover/forget.ts';
import { backupVolumeServices, restoreVolumeServices } from '../volumes/engine-services.ts';
import { podVolumeSnapshotsForgetter } from '../volumes/pod-volume-deletion.ts';
import type { ServerConfig } from './config.ts';
import { DownloadTokens } from './download-tokens.ts';
import { Readiness } from './health.ts';
import { DOWNLOAD_PATH, startHttpEndpoints } from './http.ts';
import { ServerMetrics } from './metrics.ts';

/** What the entry point hands the server besides its configuration. */
export interface ServerDeps {
  logger: Logger;
  clock?: Clock;
  /** The environment, read by the entry point (Azure's key variable); never read here. */
  env?: Readonly<Record<string, string | undefined>>;
  /** The engines (default: `src/backup` and `src/restore`). */
  backupEngine?: BackupEngine;
  restoreEngine?: RestoreEngine;
  /** Hooks run before a backup's objects are deleted (volume snapshots, repositories). */
  beforeDeleteBackup?: readonly BeforeDeleteBackup[];
  /** Overrides `config.downloadKeyFile`: the key signing download links. */
  downloadKey?: Buffer;
}

export interface RunningServer {
  /** Where the HTTP endpoints listen (`http://127.0.0.1:8085`). */
  readonly url: string;
  readonly metrics: ServerMetrics;
  readonly readiness: Readiness;
  /** Whether this instance holds the lease (always true without leader election). */
  isLeader(): boolean;
  /** Names of Backups and Restores being run by this instance now. */
  inFlight(): { backups: string[]; restores: string[] };
  /** Resolves when the server stops, by `stop()` or because it cannot go on (then `failure` says why). */
  readonly done: Promise<void>;
  readonly failure: string | undefined;
  /**
   * Graceful stop: readiness fails, no new work is taken, running backups and restores get
   * `config.shutdownTimeout` to finish and are then failed, the lease is released, HTTP closes.
   */
  stop(): Promise<void>;
}

/**
 * Starts the Lifeboat server: connects with the configured kubeconfig, serves `/metrics`, `/healthz`,
 * `/readyz` and `/download/<token>` at once, takes part in leader election, and — while it leads — fails runs
 * a dead server left InProgress and then runs the controllers (Backup, Restore, BackupStorageLocation,
 * DeleteBackupRequest, DownloadRequest, ServerStatusRequest, minus `config.disableControllers`).
 */
export async function startServer(config: ServerConfig, deps: ServerDeps): Promise<RunningServer> {
  const logger = deps.logger;
  const clock = deps.clock ?? systemClock;
  if (!config.kubeconfig)
    throw new LifeboatError('Usage', 'the server needs a kubeconfig', { field: 'kubeconfig' });
  const conn = connect(config.kubeconfig, config.kubeContext);
  const client = createDynamicClient(conn, { logger: logger.child({ component: 'kube' }) });
  const metrics = new ServerMetrics();
  const readiness = new Readiness();
  readiness.require('leader-election', 'leader state not known yet');
  readiness.require('informers', 'informers not synced');
  const key =
    deps.downloadKey ?? (config.downloadKeyFile ? await readFile(config.downloadKeyFile) : undefined);
  const tokens = new DownloadTokens(clock, key);

  let publicUrl = config.publicUrl?.replace(/\/$/, '') ?? '';
  const locations = new StorageLocations({
    client,
    namespace: config.namespace,
    defaultLocation: config.defaultBackupLocation,
    defaultCredentials: { name: config.defaultCredentialsSecret, key: config.defaultCredentialsKey },
    fsSigner: (location) => async (objectKey, ttlMs) =>
      `${publicUrl}${DOWNLOAD_PATH}${tokens.sign(location, objectKey, ttlMs).token}`,
    env: deps.env,
    logger: logger.child({ component: 'storage-locations' }),
  });

  const recorder = new EventRecorder({
    client,
    instance: config.identity,
    clock,
    logger: logger.child({ component: 'events' }),
  });
  const events: EventSink = {
    record: (object, type, reason, message) => recorder.event(object, type, reason, message),
  };
  const ctx: ControllerContext = {
    client,
    namespace: config.namespace,
    clock,
    logger,
    events,
    metrics,
    locations,
    discover: () => discoverResources(conn, { logger }),
  };
  // Volume data and hooks: pods/exec for hooks, node agents through PodVolumeBackups/Restores, CSI snapshots.
  const exec = createPodExec(conn);
  const volumeOptions = { namespace: config.namespace, exec };
  const backups = new BackupReconciler(ctx, {
    engine: deps.backupEngine ?? {
      validateBackup,
      runBackup: (backup, run) =>
        runBackup(backup, { ...run, volumes: backupVolumeServices(run, volumeOptions) }),
    },
    defaultTtlMs: config.defaultBackupTtl,
    concurrency: config.itemConcurrency,
    progressIntervalMs: config.progressInterval,
  });
  const sync = new BackupSync(ctx);
  const restores = new RestoreReconciler(ctx, {
    sync,
    engine: deps.restoreEngine ?? {
      validateRestore,
      runRestore: (restore, run) =>
        runRestore(restore, {
          ...run,
          volumes: {
            ...restoreVolumeServices(run, volumeOptions),
            // A post-restore hook that names no waitTimeout waits at most as long as Velero's
            // resource timeout, so a pod that never starts cannot hold the restore.
            ...restoreHookServices({ ...run, exec, defaultWaitTimeoutMs: RESTORE_HOOK_WAIT_MS }),
          },
        }),
    },
    concurrency: config.itemConcurrency,
    progressIntervalMs: config.progressInterval,
  });
  const reconcilers: { reconciler: Reconciler; workers: number }[] = [
    {
      reconciler: new BackupStorageLocationReconciler(ctx, {
        validationFrequencyMs: config.storeValidationFrequency,
        defaultLocation: config.defaultBackupLocation,
        sync,
        syncPeriodMs: config.backupSyncPeriod,
      }),
      workers: 1,
    },
    { reconciler: backups, workers: config.concurrentBackups },
    { reconciler: new BackupCopyReconciler(ctx), workers: 2 },
    { reconciler: new BackupRepositoryReconciler(ctx), workers: 2 },
    { reconciler: restores, workers: config.concurrentRestores },
    {
      reconciler: new DeleteBackupRequestReconciler(ctx, {
        beforeDeleteBackup: [...(deps.beforeDeleteBackup ?? []), ...volumeDeletion(ctx, locations)],
      }),
      workers: 1,
    },
    { reconciler: new DownloadRequestReconciler(ctx, { urlTtlMs: config.downloadUrlTtl }), workers: 2 },
    {
      reconciler: new ScheduleReconciler(ctx, { metrics, skipImmediately: config.scheduleSkipImmediately }),
      workers: 1,
    },
    {
      reconciler: new GarbageCollectionReconciler(ctx, {
        frequencyMs: config.garbageCollectionFrequency,
        metrics,
      }),
      workers: 1,
    },
    {
      reconciler: new NotificationReconciler(ctx, {
        metrics,
        global: config.notificationWebhook ? { url: config.notificationWebhook } : undefined,
      }),
      workers: 2,
    },
    {
      reconciler: new ServerStatusRequestReconciler(ctx, {
        ttlMs: config.serverStatusRequestTtl,
        plugins: builtinPlugins(),
      }),
      workers: 1,
    },
  ].filter((r) => !config.disableControllers.includes(r.reconciler.name));

  let controllers: Controller[] = [];
  let leading: Promise<void> | undefined;
  let failure: string | undefined;
  let resolveDone!: () => void;
  const done = new Promise<void>((resolve) => {
    resolveDone = resolve;
  });

  const startLeading = async (): Promise<void> => {
    logger.info({ identity: config.identity }, 'leading: starting controllers');
    readiness.fail('informers', 'informers not synced');
    const abandoned = await failAbandonedRuns(ctx);
    if (abandoned.backups.length + abandoned.restores.length > 0)
      logger.warn(abandoned, 'failed runs left InProgress by a previous server');
    controllers = reconcilers.map(({ reconciler, workers }) => controllerFor(reconciler, workers));
    await Promise.all(controllers.map((controller) => controller.start()));
    readiness.pass('informers');
    metrics.countResources(() => ({
      backups: informers.get('backup')?.list().length ?? 0,
      restores: informers.get('restore')?.list().length ?? 0,
    }));
  };

  const informers = new Map<string, ReturnType<typeof createInformer>>();
  const controllerFor = (reconciler: Reconciler, workers: number): Controller => {
    const informer = createInformer(client, reconciler.resource, { namespace: config.namespace }, logger);
    informers.set(reconciler.name, informer);
    let hooked = false;
    return new Controller({
      name: reconciler.name,
      informer,
      workers,
      clock,
      logger,
      queue: { baseDelayMs: 200, maxDelayMs: 60_000 },
      reconcile: async (key, signal) => {
        // The controller aborts its signal when its stop grace period is over: running work is cut short.
        if (!hooked && reconciler.abortAll) {
          hooked = true;
          signal.addEventListener('abort', () => void reconciler.abortAll?.(), { once: true });
        }
        return reconciler.reconcile(key.slice(key.indexOf('/') + 1));
      },
    });
  };

  const stopLeading = async (graceMs: number): Promise<void> => {
    metrics.countResources(undefined);
    const stopping = controllers;
    controllers = [];
    await Promise.all(stopping.map((controller) => controller.stop({ graceMs })));
    informers.clear();
  };

  const elector = config.leaderElection
    ? new LeaderElector({
        client,
        namespace: config.namespace,
        name: config.leaseName,
        identity: config.identity,
        leaseDurationMs: config.leaseDuration,
        renewDeadlineMs: config.leaseRenewDeadline,
        retryPeriodMs: config.leaseRetryPeriod,
        clock,
        logger: logger.child({ component: 'leader-election' }),
      })
    : undefined;
  // Everything that can refuse the configuration has run: now listen.
  const http = await startHttpEndpoints({
    address: config.metricsAddress,
    metrics,
    readiness,
    tokens,
    logger: logger.child({ component: 'http' }),
    openDownload: async (grant) => {
      const bsl = await locations.get(grant.location);
      if (bsl === undefined)
        throw new LifeboatError('NotFound', `backup storage location ${grant.location} not found`);
      return (await locations.store(bsl)).get(grant.key);
    },
  });
  if (!publicUrl) publicUrl = http.url;
  let soleLeader = false;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      readiness.fail('shutdown', 'shutting down');
      // Controllers still starting (an API server that does not answer) are stopped all the same.
      await Promise.race([
        leading,
        new Promise((resolve) => setTimeout(resolve, config.shutdownTimeout).unref()),
      ]);
      await stopLeading(config.shutdownTimeout);
      await elector?.stop();
      soleLeader = false;
      await recorder.flush();
      await http.close();
      await locations.close();
      logger.info('server stopped');
      resolveDone();
    })();
    return stopping;
  };
  const lead = (): void => {
    readiness.pass('leader-election');
    leading = startLeading().catch((err: unknown) => {
      // The informers list lifeboat.io resources first: a 404 there means the CRDs are not installed.
      const hint = isLifeboatError(err, 'NotFound')
        ? ' (are the lifeboat.io CRDs installed? run `lifeboat install` first)'
        : '';
      failure = `cannot start the controllers: ${errorMessage(err)}${hint}`;
      logger.error({ err: errorMessage(err) }, failure);
      void stop();
    });
  };

  if (elector) {
    void elector.run({
      onStartedLeading: lead,
      onNewLeader: () => {
        readiness.pass('leader-election');
        // A follower has no informers to sync: it is ready to serve its endpoints.
        if (!elector.isLeader) readiness.pass('informers');
      },
      onStoppedLeading: async () => {
        if (stopping) return;
        // Another server leads now (or will): it must not find this one's runs going on, so no grace period.
        failure = 'lost the leader lease';
        logger.warn(failure);
        await leading;
        await stopLeading(0);
        void stop();
      },
    });
  } else {
    soleLeader = true;
    lead();
  }

  return {
    url: http.url,
    metrics,
    readiness,
    isLeader: () => elector?.isLeader ?? soleLeader,
    inFlight: () => ({ backups: backups.inFlight, restores: restores.inFlight }),
    done,
    get failure() {
      return failure;
    },
    stop,
  };
}

/** What `lifeboat version` lists as the server's plugins: its object stores and built-in item actions. */
function builtinPlugins(): PluginInfo[] {
  return [
    ...BUILTIN_PLUGINS,
    ...builtinBackupItemActions([]).map((a) => ({ name: a.name, kind: 'BackupItemAction' })),
    ...builtinActions({ namespaceMapping: {}, storageClassMapping: {} }).map((a) => ({
      name: a.name,
      kind: 'RestoreItemAction',
    })),
  ];
}

const RESTORE_HOOK_WAIT_MS = 10 * 60_000;

/**
 * What deleting a backup removes besides its objects in storage: its CSI snapshots (and DataUploads, whose
 * repository snapshots are forgotten) and the repository snapshots of its file-system backups. The
 * snapshot API is looked up at each deletion, so a server started before the snapshot CRDs still cleans up.
 */
function volumeDeletion(ctx: ControllerContext, locations: StorageLocations): BeforeDeleteBackup[] {
  const forgetRepositorySnapshots = repositoryForgetter({
    client: ctx.client,
    namespace: ctx.namespace,
    stores: locations,
    logger: ctx.logger.child({ component: 'repositories' }),
  });
  return [
    async (input) =>
      new CsiSnapshotter({
        client: ctx.client,
        catalog: await ctx.discover(),
        logger: input.logger,
        clock: ctx.clock,
        namespace: ctx.namespace,
        forgetRepositorySnapshots,
      }).deleteForBackup(input),
    podVolumeSnapshotsForgetter(forgetRepositorySnapshots),
  ];
}
