import { API_VERSION } from '../api/group.ts';
import { ANNOTATIONS } from '../api/labels.ts';
import type { Backup, BackupStatus } from '../api/resources/backup.ts';
import { formatDuration, parseDuration } from '../core/duration.ts';
import { errorMessage, isLifeboatError, LifeboatError } from '../core/errors.ts';
import { ResultsCollector } from '../core/results.ts';
import type { ApiResourceInfo, KubeObject } from '../kube/types.ts';
import { backupKeys } from '../storage/layout.ts';
import { BACKUP_FORMAT_VERSION } from '../storage/tarball-paths.ts';
import { builtinBackupItemActions, CRD_RESOURCE, type CrdSummary, summarizeCrd } from './actions/index.ts';
import { BackupLog } from './backup-log.ts';
import { collect, listTasks, resourcesToList } from './collector.ts';
import { BackupHooks, preHookAction } from './hooks/index.ts';
import { type BackupItemAction, resolveActions } from './item-action.ts';
import { ItemPipeline, type ItemSink } from './item-pipeline.ts';
import { type BackupPlan, compilePlan, matchesSelectors } from './plan.ts';
import { ProgressTracker } from './progress.ts';
import { gzipJson, ResourceListBuilder, VolumeInfoBuilder } from './side-files.ts';
import { DryRunSink, TarballSink } from './sinks.ts';
import { TarballWriter } from './tarball-writer.ts';
import type { BackupDeps, BackupOutcome } from './types.ts';
import {
  type BackupVolumeSession,
  DEFAULT_POD_VOLUME_TIMEOUT_MS,
  type VolumeInfoEntry,
} from './volume-ports.ts';

/** The server default TTL (`--default-backup-ttl`): 30 days. */
export const DEFAULT_BACKUP_TTL_MS = 720 * 3_600_000;

const DEFAULT_CONCURRENCY = 4;

/**
 * Runs one backup to the end and returns its final status; never throws for a backup that fails (phase
 * `Failed` with `failureReason`). Storage receives, in this order: the tarball (streamed while items are
 * listed), the log, the side files, and `velero-backup.json` last, holding the final status. When anything
 * fails before that last write, everything written is deleted again except the log (kept so the failure can
 * be read; a directory without metadata is never taken for a backup). With `spec.dryRun`, nothing is
 * written and `status.dryRunSummary` counts what would have been backed up.
 */
export async function runBackup(backup: Backup, deps: BackupDeps): Promise<BackupOutcome> {
  const name = backup.metadata?.name ?? '';
  const spec = backup.spec ?? {};
  const start = deps.clock.now();
  const ttlMs = ttlOf(spec.ttl);
  const status: BackupStatus = {
    ...(backup.status ?? {}),
    version: 1,
    formatVersion: BACKUP_FORMAT_VERSION,
    phase: 'InProgress',
    startTimestamp: start.toISOString(),
    expiration: new Date(start.getTime() + ttlMs).toISOString(),
    progress: { totalItems: 0, itemsBackedUp: 0 },
  };
  const log = new BackupLog(deps.logger, name);
  const results = new ResultsCollector();
  const progress = new ProgressTracker(deps.clock, safeReporter(deps));
  log.info({ storageLocation: spec.storageLocation, dryRun: spec.dryRun === true }, 'backup started');
  for (const message of notYetSupported(spec, deps)) {
    results.warning({ kind: 'velero' }, message);
    log.warn({}, message);
  }

  const finish = (phase: BackupStatus['phase'], failureReason?: string): BackupStatus => {
    progress.flush();
    status.phase = phase;
    status.completionTimestamp = deps.clock.now().toISOString();
    status.progress = progress.snapshot();
    status.errors = results.errorCount;
    status.warnings = results.warningCount;
    if (failureReason !== undefined) status.failureReason = failureReason;
    return status;
  };
  const failed = (err: unknown): BackupOutcome => {
    const reason = errorMessage(err);
    log.error({ err: reason }, 'backup failed');
    finish('Failed', reason);
    return { status };
  };

  let prepared: Prepared;
  try {
    backupKeys(name);
    prepared = await prepare(backup, deps);
  } catch (err) {
    const outcome = failed(err);
    await log.finish();
    return outcome;
  }

  if (spec.dryRun) {
    const sink = new DryRunSink();
    try {
      await runCollection(backup, deps, prepared, sink, results, log, progress);
    } catch (err) {
      const outcome = failed(err);
      await log.finish();
      return outcome;
    }
    finish(results.errorCount > 0 ? 'PartiallyFailed' : 'Completed');
    status.dryRunSummary = sink.summary();
    log.info({ totalItems: status.dryRunSummary.totalItems }, 'dry run finished, nothing written');
    await log.finish();
    return { status };
  }

  const keys = backupKeys(name);
  const { store } = deps;
  try {
    if (await store.exists(keys.metadata))
      throw new LifeboatError(
        'AlreadyExists',
        `a backup named ${JSON.stringify(name)} already exists in the storage location`,
      );
  } catch (err) {
    const outcome = failed(err);
    await log.finish();
    return outcome;
  }

  const written: string[] = [];
  const resourceList = new ResourceListBuilder();
  const work = spec.dryRun ? undefined : startVolumeWork(backup, deps, results, log);
  const volumes = work ? new ObservingVolumeInfoBuilder(work.session) : new VolumeInfoBuilder();
  const writer = new TarballWriter({ mtime: start, gzipLevel: deps.gzipLevel });
  written.push(keys.contents);
  const upload = store.put(keys.contents, writer.output, { contentType: 'application/gzip' });
  upload.catch((err: unknown) => writer.abort(err instanceof Error ? err : new Error(String(err))));
  const onAbort = (): void => writer.abort(new LifeboatError('Canceled', 'backup canceled'));
  deps.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await runCollection(
      backup,
      deps,
      prepared,
      new TarballSink(writer, resourceList, volumes),
      results,
      log,
      progress,
      work?.hooks ? [preHookAction(work.hooks)] : [],
    );
    await writer.finish();
    await upload;
    checkAbort(deps.signal);

    const { volumeInfo, podVolumeBackups } = await finishVolumeWork(work, volumes, backup, deps, status, log);
    finish(results.errorCount > 0 ? 'PartiallyFailed' : 'Completed');
    log.info(
      {
        phase: status.phase,
        items: status.progress?.itemsBackedUp,
        errors: status.errors,
        warnings: status.warnings,
      },
      'backup finished',
    );
    const logBytes = await log.finish();
    const sideFiles: [string, Buffer][] = [
      [keys.log, logBytes],
      [keys.resourceList, gzipJson(resourceList.toJSON())],
      [keys.results, gzipJson(results.toJSON())],
      [keys.volumeInfo, gzipJson(volumeInfo)],
      [keys.podVolumeBackups, gzipJson(podVolumeBackups)],
      [keys.volumeSnapshots, gzipJson(null)],
      [keys.itemOperations, gzipJson(null)],
    ];
    checkAbort(deps.signal);
    // Independent of each other, so written at once (each put of a durable store waits for its fsyncs);
    // the metadata object, which makes the backup exist, still comes after all of them.
    for (const [key] of sideFiles) written.push(key);
    const puts = await Promise.allSettled(
      sideFiles.map(([key, body]) => store.put(key, body, { contentType: 'application/gzip' })),
    );
    const failed = puts.find((p): p is PromiseRejectedResult => p.status === 'rejected');
    if (failed) throw failed.reason;
    checkAbort(deps.signal);
    written.push(keys.metadata);
    await store.put(keys.metadata, `${JSON.stringify(metadataObject(backup, status, ttlMs), null, 2)}\n`, {
      contentType: 'application/json',
    });
    return { status };
  } catch (err) {
    writer.abort(err instanceof Error ? err : new Error(String(err)));
    await upload.catch(() => undefined);
    const outcome = failed(err);
    await removeWritten(deps, written, keys.log, log);
    if (!log.closed) {
      // Best effort: the log alone never looks like a backup, and it says what went wrong.
      const bytes = await log.finish();
      await store.put(keys.log, bytes).catch(() => undefined);
    }
    return outcome;
  } finally {
    deps.signal?.removeEventListener('abort', onAbort);
  }
}

interface Prepared {
  plan: BackupPlan;
  crds: CrdSummary[];
}

/** Reads what the plan needs from the cluster (namespaces, CRDs) and compiles the spec. */
async function prepare(backup: Backup, deps: BackupDeps): Promise<Prepared> {
  const namespacesResource = deps.catalog.resolve('namespaces');
  if (!namespacesResource) throw new LifeboatError('Unavailable', 'the cluster does not serve namespaces');
  const namespaces = await listAll(deps, namespacesResource);
  const crdResource = deps.catalog.resolve(CRD_RESOURCE);
  const crds = crdResource
    ? (await listAll(deps, crdResource)).map(summarizeCrd).filter((c): c is CrdSummary => c !== undefined)
    : [];
  checkAbort(deps.signal);
  return { plan: compilePlan(backup.spec ?? {}, deps.catalog, namespaces), crds };
}

async function runCollection(
  backup: Backup,
  deps: BackupDeps,
  prepared: Prepared,
  sink: ItemSink,
  results: ResultsCollector,
  log: BackupLog,
  progress: ProgressTracker,
  /** Actions that must run before every other (the pods' pre hooks, which may drop a pod). */
  firstActions: readonly BackupItemAction[] = [],
): Promise<void> {
  const { plan } = prepared;
  const actions = await resolveActions(
    [...firstActions, ...builtinBackupItemActions(prepared.crds), ...(deps.actions ?? [])],
    deps.catalog,
  );
  const pipeline = new ItemPipeline({
    backup,
    plan,
    catalog: deps.catalog,
    client: deps.client,
    actions,
    sink,
    results,
    log,
    progress,
  });
  if (plan.resources.namespaceObjects === 'all') {
    // With a label selector and no namespace filter, only namespaces that match it (or hold a selected item).
    const onlyMatching = plan.hasSelector && plan.namespaces.includes.every((n) => n === '*');
    for (const [ns, object] of plan.namespaceObjects)
      if (!onlyMatching || matchesSelectors(plan, object.metadata?.labels)) pipeline.writeNamespace(ns);
  }
  const resources = resourcesToList(deps.catalog, plan);
  log.info({ resources: resources.map((r) => r.groupResource) }, 'resources to back up');
  await collect(listTasks(resources, plan), {
    plan,
    client: deps.client,
    pipeline,
    sink,
    results,
    log,
    progress,
    concurrency: deps.concurrency ?? DEFAULT_CONCURRENCY,
    pageSize: deps.pageSize,
    signal: deps.signal,
  });
  await sink.flushed();
}

async function listAll(deps: BackupDeps, resource: ApiResourceInfo): Promise<KubeObject[]> {
  const out: KubeObject[] = [];
  for await (const page of deps.client.listPages(resource, { limit: deps.pageSize })) out.push(...page.items);
  return out;
}

/** The Backup as stored in `velero-backup.json`: spec with the TTL filled in, the final status. */
function metadataObject(backup: Backup, status: BackupStatus, ttlMs: number): Backup {
  const { managedFields: _managed, ...metadata } = backup.metadata ?? {};
  return {
    apiVersion: API_VERSION,
    kind: 'Backup',
    metadata,
    spec: { ...(backup.spec ?? {}), ttl: formatDuration(ttlMs) },
    status,
  };
}

/** Deletes what a failed backup wrote, except its log; failures to delete are logged, not thrown. */
async function removeWritten(
  deps: BackupDeps,
  keys: readonly string[],
  logKey: string,
  log: BackupLog,
): Promise<void> {
  for (const key of keys) {
    if (key === logKey) continue;
    try {
      await deps.store.delete(key);
    } catch (err) {
      if (isLifeboatError(err, 'NotFound')) continue; // a put that failed (side files are written at once)
      log.warn({ key, err: errorMessage(err) }, 'cannot remove what a failed backup wrote');
    }
  }
}

/**
 * Spec fields this engine cannot act on without volume services (the server always gives them; a library
 * caller may not): said once, as warnings, rather than ignored.
 */
export function notYetSupported(spec: Backup['spec'], deps?: Pick<BackupDeps, 'volumes'>): string[] {
  const out: string[] = [];
  const volumes = spec?.dryRun ? undefined : deps?.volumes;
  if ((spec?.hooks?.resources?.length ?? 0) > 0 && !(volumes?.exec && volumes.session))
    out.push('spec.hooks: no hook ran: this engine was started without pod exec (volume services)');
  if (spec?.resourcePolicy && !volumes?.session)
    out.push('spec.resourcePolicy: not applied: this engine was started without volume services');
  return out;
}

interface VolumeWork {
  session: BackupVolumeSession;
  hooks?: BackupHooks;
}

/** The backup's volume session (and hook runner), when the engine was given volume services. */
function startVolumeWork(
  backup: Backup,
  deps: BackupDeps,
  results: ResultsCollector,
  log: BackupLog,
): VolumeWork | undefined {
  const make = deps.volumes?.session;
  if (!make) return undefined;
  const exec = deps.volumes?.exec;
  const hooks = exec
    ? new BackupHooks({ backup, exec, logger: log, results, clock: deps.clock, signal: deps.signal })
    : undefined;
  return { session: make({ backup, results, log, hooks }), hooks };
}

/** Waits for the volume work (when there is any) and fills the volume counts and hook status in. */
async function finishVolumeWork(
  work: VolumeWork | undefined,
  volumes: VolumeInfoBuilder,
  backup: Backup,
  deps: BackupDeps,
  status: BackupStatus,
  log: BackupLog,
): Promise<{ volumeInfo: VolumeInfoEntry[]; podVolumeBackups: KubeObject[] | null }> {
  if (!work) {
    const volumeInfo = volumes.build();
    if (volumeInfo.length > 0)
      log.info(
        { volumes: volumeInfo.length },
        'volumes recorded as skipped: volume data is not backed up yet',
      );
    return { volumeInfo, podVolumeBackups: null };
  }
  const timeoutMs = podVolumeTimeoutOf(backup, deps);
  log.info({ timeoutMs }, 'waiting for volume work');
  const done = await work.session.finish({ timeoutMs, signal: deps.signal });
  checkAbort(deps.signal);
  if (done.csiVolumeSnapshotsAttempted > 0) {
    status.csiVolumeSnapshotsAttempted = done.csiVolumeSnapshotsAttempted;
    status.csiVolumeSnapshotsCompleted = done.csiVolumeSnapshotsCompleted;
  }
  if (work.hooks) status.hookStatus = work.hooks.status();
  log.info(summarizeVolumes(done.volumeInfos), 'volume work finished');
  return {
    volumeInfo: done.volumeInfos,
    podVolumeBackups: done.podVolumeBackups.length > 0 ? done.podVolumeBackups : null,
  };
}

/** Feeds every written item to the volume session as well as to the skipped-volume builder. */
class ObservingVolumeInfoBuilder extends VolumeInfoBuilder {
  readonly #session: BackupVolumeSession;

  constructor(session: BackupVolumeSession) {
    super();
    this.#session = session;
  }

  override observe(groupResource: string, item: KubeObject): void {
    super.observe(groupResource, item);
    this.#session.observe(groupResource, item);
  }
}

/** The Backup's `lifeboat.io/pod-volume-timeout` annotation, else the server's setting, else 4 h. */
export function podVolumeTimeoutOf(backup: Backup, deps: Pick<BackupDeps, 'volumes'>): number {
  const text = backup.metadata?.annotations?.[ANNOTATIONS.podVolumeTimeout];
  let fromAnnotation = 0;
  try {
    fromAnnotation = text ? parseDuration(text) : 0;
  } catch {
    fromAnnotation = 0;
  }
  if (fromAnnotation > 0) return fromAnnotation;
  return deps.volumes?.podVolumeTimeoutMs ?? DEFAULT_POD_VOLUME_TIMEOUT_MS;
}

function summarizeVolumes(infos: readonly VolumeInfoEntry[]): Record<string, number> {
  const out: Record<string, number> = { volumes: infos.length, skipped: 0, failed: 0 };
  for (const info of infos) {
    if (info.skipped) out.skipped = (out.skipped ?? 0) + 1;
    else if (info.result === 'failed') out.failed = (out.failed ?? 0) + 1;
    else out[info.backupMethod || 'other'] = (out[info.backupMethod || 'other'] ?? 0) + 1;
  }
  return out;
}

function ttlOf(ttl: string | undefined): number {
  const ms = ttl ? parseDuration(ttl) : 0;
  return ms > 0 ? ms : DEFAULT_BACKUP_TTL_MS;
}

function safeReporter(
  deps: BackupDeps,
): ((p: { totalItems: number; itemsBackedUp: number }) => void) | undefined {
  const report = deps.onProgress;
  if (!report) return undefined;
  return (p) => {
    try {
      report(p);
    } catch (err) {
      deps.logger.warn({ err: errorMessage(err) }, 'progress callback failed');
    }
  };
}

function checkAbort(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new LifeboatError('Canceled', 'backup canceled');
}
