import type { Restore, RestoreStatus } from '../api/resources/restore.ts';
import { errorMessage, isLifeboatError, LifeboatError } from '../core/errors.ts';
import { ResultsCollector } from '../core/results.ts';
import type { ResourceCatalog } from '../kube/types.ts';
import { backupKeys } from '../storage/layout.ts';
import { builtinActions } from './actions/builtin.ts';
import { bindActions } from './actions/selector.ts';
import { type CompiledModifiers, parseResourceModifiers } from './modifiers.ts';
import { ResourceList, uploadRestoreOutputs } from './outputs.ts';
import { CHANGE_STORAGE_CLASS_LABEL, findPluginConfig } from './plugin-config.ts';
import { ProgressTracker } from './progress.ts';
import { RestoreLog } from './restore-log.ts';
import { RestoreRun } from './restore-run.ts';
import { resolveBackup } from './source.ts';
import { DEFAULT_TARBALL_LIMITS, readTarball } from './tarball-reader.ts';
import type { RestoreDeps, RestoreOutcome, RestorePlan } from './types.ts';

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
    });
    return await run.execute();
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
