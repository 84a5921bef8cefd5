import type { Logger } from 'pino';
import { LABELS } from '../api/labels.ts';
import { errorMessage, isLifeboatError } from '../core/errors.ts';
import { lifeboatResource } from '../kube/lifeboat-client.ts';
import type { ApiResourceInfo, KubeObject } from '../kube/types.ts';
import { backup, type Repository, restore } from '../repository/index.ts';
import { openRepositoryFor } from '../volumes/repositories/index.ts';
import type { AgentDeps } from './deps.ts';
import { cleanUpExposure, type Exposure, exposeSnapshot, exposeVolume, handOverVolume } from './expose.ts';
import { SNAPSHOT_HOSTNAME } from './pod-volume-backup.ts';
import {
  cancelledMessage,
  isFinished,
  ProgressPatcher,
  patchFinalStatus,
  patchStatus,
  phaseOf,
  type TransferProgress,
  timestamp,
} from './status.ts';
import { PVCS } from './volume-path.ts';
import type { HandlerResult, WorkState } from './work-loop.ts';

export const DATA_UPLOADS = lifeboatResource('DataUpload');
export const DATA_DOWNLOADS = lifeboatResource('DataDownload');

/** The label a claim restored through a DataDownload selects its volume by (C's `DYNAMIC_PV_RESTORE_LABEL`). */
const DYNAMIC_PV_RESTORE_LABEL = LABELS.dynamicPvRestore;

type UploadSpec = {
  csiSnapshot?: { volumeSnapshot: string; storageClass?: string; snapshotClass?: string; driver?: string };
  sourcePVC: string;
  sourceNamespace: string;
  backupStorageLocation: string;
  cancel?: boolean;
};
type DownloadSpec = {
  targetVolume: { pvc: string; pv?: string; namespace: string };
  backupStorageLocation: string;
  snapshotID: string;
  sourceNamespace: string;
  cancel?: boolean;
};
type MoveStatus = { phase?: string; node?: string; acceptedByNode?: string };

/**
 * Claims a New DataUpload/DataDownload for this node: an update carrying the object's resourceVersion, so
 * when every agent tries, exactly one wins (the others get a conflict and leave it). True when this node
 * holds it, now or from before a restart.
 */
async function accept(deps: AgentDeps, resource: ApiResourceInfo, object: KubeObject): Promise<boolean> {
  const status = (object.status ?? {}) as MoveStatus;
  if (status.node || status.acceptedByNode) return (status.node ?? status.acceptedByNode) === deps.node;
  try {
    await deps.client.updateStatus(resource, {
      ...object,
      status: {
        ...status,
        phase: 'Accepted',
        acceptedByNode: deps.node,
        node: deps.node,
        acceptedTimestamp: timestamp(deps.clock),
      },
    });
    return true;
  } catch (err) {
    if (isLifeboatError(err, 'Conflict')) return false;
    throw err;
  }
}

function failer(deps: AgentDeps, resource: ApiResourceInfo, object: KubeObject, log: Logger) {
  return async (
    message: string,
    phase: 'Failed' | 'Canceled' = 'Failed',
    extra: Record<string, unknown> = {},
  ): Promise<undefined> => {
    log.warn({ phase, message }, 'data movement did not complete');
    await patchFinalStatus(
      deps.client,
      resource,
      object,
      { ...extra, phase, message, completionTimestamp: timestamp(deps.clock) },
      deps.clock,
    );
    return undefined;
  };
}

/**
 * DataUpload (Velero's flow): accept, expose the backup's VolumeSnapshot as a temporary claim + pod on this
 * node, back the volume up into the source namespace's repository (tags `backup`, `pvc`, `pvc-uid`, `ns`,
 * `volume`; parent: the claim's newest snapshot), report `Completed` with `snapshotID` and
 * `dataMoverResult`, and remove the temporary objects in every case. Resumed after a restart (the exposure
 * is found again by name).
 */
export async function handleDataUpload(
  deps: AgentDeps,
  name: string,
  state: WorkState,
): Promise<HandlerResult> {
  const object = await deps.client.get(DATA_UPLOADS, deps.namespace, name);
  if (!object || isFinished(object)) return undefined;
  const spec = object.spec as UploadSpec;
  const log = deps.logger.child({ dataUpload: name });
  const fail = failer(deps, DATA_UPLOADS, object, log);
  if (!(await accept(deps, DATA_UPLOADS, object))) return undefined;
  if (spec.cancel) {
    await cleanUpExposure(deps, name);
    return fail('cancelled', 'Canceled');
  }
  if (phaseOf(object) === 'InProgress')
    log.info('resuming a data upload this node had in progress when its agent stopped');
  const snapshot = spec.csiSnapshot;
  if (!snapshot?.volumeSnapshot) return fail('the DataUpload names no CSI snapshot');
  let exposure: Exposure;
  try {
    await exposeSnapshot(deps, name, {
      namespace: spec.sourceNamespace,
      volumeSnapshot: snapshot.volumeSnapshot,
      driver: snapshot.driver ?? '',
      snapshotClass: snapshot.snapshotClass,
    });
    const source = await deps.client.get(PVCS, spec.sourceNamespace, spec.sourcePVC);
    const size = (source?.spec as { resources?: { requests?: { storage?: string } } } | undefined)?.resources
      ?.requests?.storage;
    exposure = await exposeVolume(deps, name, {
      storageClass: snapshot.storageClass,
      size: size ?? '1Gi',
      fromSnapshot: true,
    });
  } catch (err) {
    await cleanUpExposure(deps, name);
    return fail(`cannot expose the snapshot: ${errorMessage(err)}`);
  }
  await patchStatus(deps.client, DATA_UPLOADS, object, {
    phase: 'InProgress',
    startTimestamp: timestamp(deps.clock),
    path: exposure.path,
  });
  let latest: TransferProgress | undefined;
  try {
    const repo = await openRepositoryFor(deps.repositories, spec.backupStorageLocation, spec.sourceNamespace);
    const tags = uploadTags(object, spec);
    const progress = new ProgressPatcher((p) =>
      patchStatus(deps.client, DATA_UPLOADS, object, { progress: p }),
    );
    let total = 0;
    const result = await backup(repo, {
      paths: ['.'],
      cwd: exposure.path,
      hostname: SNAPSHOT_HOSTNAME,
      tags,
      parent: (await newestOfClaim(repo, tags)) ?? null,
      progressIntervalMs: deps.progressIntervalMs,
      // spec.cancel (or the agent stopping) interrupts the engine: no snapshot, lock released.
      signal: state.transfer,
      onProgress: (p) => {
        total = p.bytesTotal;
        latest = { totalBytes: p.bytesTotal, bytesDone: p.bytesDone };
        progress.report(latest);
      },
    }).finally(() => progress.close());
    if (state.stopping.aborted) return undefined;
    await cleanUpExposure(deps, name);
    const fresh = await deps.client.get(DATA_UPLOADS, deps.namespace, name);
    if (state.cancelRequested || (fresh?.spec as UploadSpec | undefined)?.cancel) {
      await repo.deleteFile('snapshots', result.snapshotId).catch(() => undefined);
      return fail('cancelled', 'Canceled');
    }
    await patchFinalStatus(
      deps.client,
      DATA_UPLOADS,
      object,
      {
        phase: 'Completed',
        snapshotID: result.snapshotId,
        progress: { totalBytes: total, bytesDone: total },
        dataMoverResult: { snapshotID: result.snapshotId, incrementalBytes: String(result.stats.dataAdded) },
        completionTimestamp: timestamp(deps.clock),
      },
      deps.clock,
    );
    log.info({ snapshotID: result.snapshotId, bytes: total }, 'snapshot data uploaded');
    return undefined;
  } catch (err) {
    if (state.stopping.aborted) return undefined;
    await cleanUpExposure(deps, name);
    if (state.cancelRequested)
      return fail(
        cancelledMessage(latest, 'no snapshot was written'),
        'Canceled',
        latest ? { progress: latest } : {},
      );
    return fail(`upload failed: ${errorMessage(err)}`);
  }
}

/** The snapshot's tags: Velero's (`backup`, `ns`, `pvc`, `pvc-uid`, `volume` …) and `data-upload=true`. */
function uploadTags(object: KubeObject, spec: UploadSpec): string[] {
  const labels = object.metadata?.labels ?? {};
  return [
    `backup=${labels['lifeboat.io/backup-name'] ?? ''}`,
    `backup-uid=${labels['lifeboat.io/backup-uid'] ?? ''}`,
    `ns=${spec.sourceNamespace}`,
    `pvc=${spec.sourcePVC}`,
    `pvc-uid=${labels['lifeboat.io/pvc-uid'] ?? ''}`,
    `volume=${spec.sourcePVC}`,
    'data-upload=true',
  ].filter((t) => !t.endsWith('='));
}

/** The parent: the newest snapshot of the same claim (its `pvc-uid` tag), if any. */
async function newestOfClaim(repo: Repository, tags: string[]): Promise<string | undefined> {
  const pvcUidTag = tags.find((t) => t.startsWith('pvc-uid='));
  if (!pvcUidTag) return undefined;
  const parents = (await repo.listSnapshots()).filter((s) => s.tags?.includes(pvcUidTag));
  parents.sort((a, b) => (a.time < b.time ? 1 : -1));
  return parents[0]?.id;
}

/**
 * DataDownload: accept, expose an empty temporary claim of the restored claim's storage class on this node,
 * write the snapshot into it, then hand its volume to the restored claim (see `handOverVolume`).
 */
export async function handleDataDownload(
  deps: AgentDeps,
  name: string,
  state: WorkState,
): Promise<HandlerResult> {
  const object = await deps.client.get(DATA_DOWNLOADS, deps.namespace, name);
  if (!object || isFinished(object)) return undefined;
  const spec = object.spec as DownloadSpec;
  const log = deps.logger.child({ dataDownload: name });
  const fail = failer(deps, DATA_DOWNLOADS, object, log);
  const target = await deps.client.get(PVCS, spec.targetVolume.namespace, spec.targetVolume.pvc);
  // The restore creates the claim right after the DataDownload: wait for it before taking the work.
  if (!target) return { retryAfterMs: 300 };
  if (!(await accept(deps, DATA_DOWNLOADS, object))) return undefined;
  if (spec.cancel) {
    await cleanUpExposure(deps, name);
    return fail('cancelled', 'Canceled');
  }
  const targetSpec = (target.spec ?? {}) as {
    storageClassName?: string;
    resources?: { requests?: { storage?: string } };
    selector?: { matchLabels?: Record<string, string> };
  };
  let latest: TransferProgress | undefined;
  try {
    const exposure = await exposeVolume(deps, name, {
      storageClass: targetSpec.storageClassName,
      size: targetSpec.resources?.requests?.storage ?? '1Gi',
      fromSnapshot: false,
    });
    await patchStatus(deps.client, DATA_DOWNLOADS, object, {
      phase: 'InProgress',
      startTimestamp: timestamp(deps.clock),
    });
    const repo = await openRepositoryFor(deps.repositories, spec.backupStorageLocation, spec.sourceNamespace);
    const progress = new ProgressPatcher((p) =>
      patchStatus(deps.client, DATA_DOWNLOADS, object, { progress: p }),
    );
    const result = await restore(repo, await repo.loadSnapshot(spec.snapshotID), {
      target: exposure.path,
      signal: state.transfer,
      onProgress: (p) => {
        latest = { totalBytes: p.bytesTotal, bytesDone: p.bytesDone };
        progress.report(latest);
      },
    }).finally(() => progress.close());
    if (state.stopping.aborted) return undefined;
    if (result.errors.length > 0)
      throw new Error(
        `${result.errors.length} files could not be restored: ${result.errors.slice(0, 3).join('; ')}`,
      );
    if (state.cancelRequested) {
      await cleanUpExposure(deps, name);
      return fail('cancelled', 'Canceled');
    }
    const selector = targetSpec.selector?.matchLabels?.[DYNAMIC_PV_RESTORE_LABEL];
    const pv = await handOverVolume(deps, exposure, {
      namespace: spec.targetVolume.namespace,
      name: spec.targetVolume.pvc,
      ...(selector ? { selectorLabel: [DYNAMIC_PV_RESTORE_LABEL, selector] as [string, string] } : {}),
    });
    await cleanUpExposure(deps, name);
    await patchFinalStatus(
      deps.client,
      DATA_DOWNLOADS,
      object,
      {
        phase: 'Completed',
        progress: { totalBytes: result.bytesWritten, bytesDone: result.bytesWritten },
        completionTimestamp: timestamp(deps.clock),
      },
      deps.clock,
    );
    log.info({ snapshotID: spec.snapshotID, pv, bytes: result.bytesWritten }, 'snapshot data downloaded');
    return undefined;
  } catch (err) {
    if (state.stopping.aborted) return undefined;
    await cleanUpExposure(deps, name);
    if (state.cancelRequested)
      return fail(
        cancelledMessage(latest, 'the temporary claim and pod were deleted'),
        'Canceled',
        latest ? { progress: latest } : {},
      );
    return fail(`download failed: ${errorMessage(err)}`);
  }
}
