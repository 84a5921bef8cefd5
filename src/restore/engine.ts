import { ANNOTATIONS } from '../api/labels.ts';
import type { HookStatus } from '../api/resources/backup.ts';
import type { Restore, RestoreStatus } from '../api/resources/restore.ts';
import { parseDuration } from '../core/duration.ts';
import { errorMessage, isLifeboatError, LifeboatError } from '../core/errors.ts';
import { ResultsCollector } from '../core/results.ts';
import type { KubeObject, ResourceCatalog } from '../kube/types.ts';
import { backupKeys } from '../storage/layout.ts';
import { readSideFileList } from '../storage/side-file.ts';
import { builtinActions } from './actions/builtin.ts';
import { bindActions } from './actions/selector.ts';
import { type CompiledModifiers, parseResourceModifiers } from './modifiers.ts';
import { ResourceList, uploadRestoreOutputs } from './outputs.ts';
import { CHANGE_STORAGE_CLASS_LABEL, findPluginConfig } from './plugin-config.ts';
import { ProgressTracker } from './progress.ts';
import { RestoreLog } from './restore-log.ts';
import { RestoreRun, type RestoreRunVolumes } from './restore-run.ts';
import { resolveBackup } from './source.ts';
import { DEFAULT_TARBALL_LIMITS, readTarball } from './tarball-reader.ts';
import type { RestoreDeps, RestoreOutcome, RestorePlan } from './types.ts';
import { DEFAULT_POD_VOLUME_TIMEOUT_MS, type RunLogger, type VolumeInfoEntry } from './volume-ports.ts';

/**
 * Runs one restore to the end and returns its final status; never throws for problems of the restore itself
 * (those make it Failed with `failureReason`). Reads the backup's tarball (checked whole before anything is
 * created), restores tier by tier, and uploads log, results and resource list (or, for a dry run, the plan)
 * under `restores/<name>/`.
 */
export async function runRestore(restore: Restore, deps: RestoreDeps): Promise<RestoreOutcome> {
  const restoreName = restore.metadata?.name ?? '';
  const startTimestamp = deps.clock.now().toISOString();
  const dryRun = restore.spec.dryRun === true;
  const out: RunState = {
    log: new RestoreLog(deps.logger.child({ restore: restoreName }), () => deps.clock.now()),
    results: new ResultsCollector(),
    resourceList: new ResourceList(),
    progress: new ProgressTracker(deps.onProgress, deps.clock, deps.progressIntervalMs ?? 1000),
    backupName: restore.spec.backupName ?? '',
  };
  let plan: RestorePlan | undefined;
  let failureReason: string | undefined;
  try {
    plan = await restoreFromBackup(restore, deps, out);
  } catch (err) {
    failureReason = deps.signal?.aborted ? 'restore canceled' : errorMessage(err);
    out.log.error(`restore failed: ${failureReason}`);
    if (!isLifeboatError(err)) deps.logger.error({ err }, 'restore failed unexpectedly');
  }
  const { log, results, resourceList, progress } = out;
  progress.flush();
  const phase = failureReason ? 'Failed' : results.errorCount > 0 ? 'PartiallyFailed' : 'Completed';
  log.info(`restore ${phase}: ${results.warningCount} warnings, ${results.errorCount} errors`);
  const status: RestoreStatus = {
    phase,
    startTimestamp,
    completionTimestamp: deps.clock.now().toISOString(),
    progress: progress.snapshot(),
    warnings: results.warningCount,
    errors: results.errorCount,
  };
  if (failureReason) status.failureReason = failureReason;
  if (out.hookStatus) status.hookStatus = out.hookStatus;
  if (dryRun) status.dryRunSummary = plan?.summary ?? { create: 0, update: 0, skip: 0, conflict: 0 };
  try {
    await uploadRestoreOutputs(deps.store, restoreName, {
      log: await log.finish(),
      results: results.toJSON(),
      resourceList: dryRun ? undefined : resourceList,
      plan: dryRun
        ? (plan ?? emptyPlan(restore, out.backupName, deps.clock.now(), failureReason))
        : undefined,
    });
  } catch (err) {
    deps.logger.error({ err: errorMessage(err) }, 'could not upload the restore results');
    if (status.phase === 'Completed') status.phase = 'PartiallyFailed';
    status.errors = (status.errors ?? 0) + 1;
    status.failureReason ??= `could not upload the restore results: ${errorMessage(err)}`;
  }
  return { status };
}

interface RunState {
  log: RestoreLog;
  results: ResultsCollector;
  resourceList: ResourceList;
  progress: ProgressTracker;
  backupName: string;
  hookStatus?: HookStatus;
}

/** Resolves the backup, loads the configuration ConfigMaps, reads the tarball and runs the tiers. */
async function restoreFromBackup(
  restore: Restore,
  deps: RestoreDeps,
  state: RunState,
): Promise<RestorePlan | undefined> {
  const backup = await resolveBackup(restore, deps.store);
  state.backupName = backup.name;
  state.log.info(`restoring from backup ${backup.name}${restore.spec.dryRun ? ' (dry run)' : ''}`);
  const modifiers = await loadModifiers(restore, deps);
  const storageClassMapping = await findPluginConfig(
    deps.client,
    deps.catalog,
    deps.serverNamespace,
    CHANGE_STORAGE_CLASS_LABEL,
  );
  const limits = { ...DEFAULT_TARBALL_LIMITS, ...deps.tarballLimits };
  const source = await deps.store.get(backupKeys(backup.name).contents);
  const index = await readTarball(source, limits, { tempDir: deps.tempDir, signal: deps.signal });
  try {
    state.log.info(
      `backup tarball read: ${index.items.length} entries, format ${index.formatVersion ?? 'unknown'}`,
    );
    const volumes = restore.spec.dryRun ? undefined : await startVolumes(restore, deps, state, backup.name);
    const actions = [
      ...builtinActions({ namespaceMapping: restore.spec.namespaceMapping ?? {}, storageClassMapping }),
      ...(deps.actions ?? []),
    ];
    const run = new RestoreRun({
      restore,
      backupName: backup.name,
      deps,
      index,
      log: state.log,
      results: state.results,
      resourceList: state.resourceList,
      progress: state.progress,
      modifiers,
      bindActions: (catalog: ResourceCatalog) => bindActions(actions, catalog),
      volumes,
    });
    const plan = await run.execute();
    if (volumes) await finishVolumes(restore, deps, state, volumes);
    return plan;
  } finally {
    await index.close();
  }
}

async function loadModifiers(restore: Restore, deps: RestoreDeps): Promise<CompiledModifiers | undefined> {
  const ref = restore.spec.resourceModifier;
  if (!ref) return undefined;
  const configMaps = deps.catalog.resolve('configmaps');
  if (!configMaps) throw new LifeboatError('Unavailable', 'the target cluster serves no configmaps');
  const configMap = await deps.client.get(configMaps, deps.serverNamespace, ref.name);
  if (!configMap)
    throw new LifeboatError(
      'NotFound',
      `resource modifiers ConfigMap ${deps.serverNamespace}/${ref.name} (spec.resourceModifier) not found`,
    );
  return parseResourceModifiers(configMap);
}

function emptyPlan(restore: Restore, backupName: string, now: Date, failure?: string): RestorePlan {
  return {
    restoreName: restore.metadata?.name ?? '',
    backupName,
    generatedAt: now.toISOString(),
    existingResourcePolicy: restore.spec.existingResourcePolicy === 'update' ? 'update' : 'none',
    summary: { create: 0, update: 0, skip: 0, conflict: 0 },
    excluded: 0,
    entries: [],
    warnings: [],
    errors: failure ? [failure] : [],
  };
}

/** The restore's volume session and hook runner, when the engine was given volume services. */
async function startVolumes(
  restore: Restore,
  deps: RestoreDeps,
  state: RunState,
  backupName: string,
): Promise<RestoreRunVolumes | undefined> {
  const services = deps.volumes;
  if (!services) return undefined;
  const log = runLogger(state);
  const keys = backupKeys(backupName);
  const volumeInfos = await readSideFile<VolumeInfoEntry>(deps, keys.volumeInfo, state);
  const podVolumeBackups = await readSideFile<KubeObject>(deps, keys.podVolumeBackups, state);
  const run = { restore, results: state.results, log };
  return {
    session: services.session?.({ ...run, volumeInfos, podVolumeBackups }),
    hooks: services.hooks?.(run),
    initContainerHooks: services.initContainerHooks,
  };
}

/** Waits for the PodVolumeRestores (within the pod-volume timeout) and the post-restore hooks. */
async function finishVolumes(
  restore: Restore,
  deps: RestoreDeps,
  state: RunState,
  volumes: RestoreRunVolumes,
): Promise<void> {
  if (volumes.session) {
    const timeoutMs = podVolumeTimeoutOf(restore, deps);
    state.log.info('waiting for pod volume restores', { timeoutMs });
    const done = await volumes.session.finish({ timeoutMs, signal: deps.signal });
    state.log.info(`pod volume restores finished: ${done.podVolumeRestores.length}`);
  }
  if (volumes.hooks) {
    const summary = (await volumes.hooks.finished()) as Partial<HookStatus> | undefined;
    if (typeof summary?.hooksAttempted === 'number' && typeof summary.hooksFailed === 'number')
      state.hookStatus = { hooksAttempted: summary.hooksAttempted, hooksFailed: summary.hooksFailed };
  }
}

/** The Restore's `lifeboat.io/pod-volume-timeout` annotation, else the server's setting, else 4 h. */
export function podVolumeTimeoutOf(restore: Restore, deps: Pick<RestoreDeps, 'volumes'>): number {
  const text = restore.metadata?.annotations?.[ANNOTATIONS.podVolumeTimeout];
  try {
    const ms = text ? parseDuration(text) : 0;
    if (ms > 0) return ms;
  } catch {
    // An unreadable annotation falls back to the server's setting.
  }
  return deps.volumes?.podVolumeTimeoutMs ?? DEFAULT_POD_VOLUME_TIMEOUT_MS;
}

/** A gzip JSON array side file of the backup; absent (older backups) or `null` → empty, unreadable → warning. */
async function readSideFile<T>(deps: RestoreDeps, key: string, state: RunState): Promise<T[]> {
  try {
    return await readSideFileList<T>(deps.store, key);
  } catch (err) {
    const message = `cannot read the backup's ${key.slice(key.lastIndexOf('/') + 1)}: ${errorMessage(err)}; volumes not restored from it`;
    state.results.warning({ kind: 'velero' }, message);
    state.log.warn(message);
    return [];
  }
}

/** The restore log with the field-first signature the volume services use. */
function runLogger(state: RunState): RunLogger {
  return {
    info: (fields, message) => state.log.info(message, fields as Record<string, string>),
    warn: (fields, message) => state.log.warn(message, fields as Record<string, string>),
    error: (fields, message) => state.log.error(message, fields as Record<string, string>),
  };
}
