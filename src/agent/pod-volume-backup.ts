import type { Logger } from 'pino';
import { errorMessage, isLifeboatError } from '../core/errors.ts';
import { lifeboatResource } from '../kube/lifeboat-client.ts';
import type { KubeObject } from '../kube/types.ts';
import { backup, type Repository } from '../repository/index.ts';
import { unlock } from '../repository/maintenance/index.ts';
import { openRepositoryFor } from '../volumes/repositories/index.ts';
import type { AgentDeps } from './deps.ts';
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
import { PODS, resolvePodVolume } from './volume-path.ts';
import type { HandlerResult, WorkState } from './work-loop.ts';

export const POD_VOLUME_BACKUPS = lifeboatResource('PodVolumeBackup');

/** The repository snapshots' host name, as Velero's uploader records one fixed name. */
export const SNAPSHOT_HOSTNAME = 'lifeboat';

type PvbSpec = {
  node: string;
  pod: { namespace?: string; name?: string; uid?: string };
  volume: string;
  backupStorageLocation: string;
  tags?: Record<string, string>;
  cancel?: boolean;
};

/**
 * Backs up one pod volume for a PodVolumeBackup of this node: reads the volume's directory through the host
 * root, writes it into the namespace's repository with the request's tags (`key=value`, plus `pvc`,
 * `pvc-uid`), the parent being the newest snapshot of the same claim (or of the same pod volume), and reports
 * `InProgress` with byte progress, then `Completed` with `snapshotID`, or `Failed`/`Canceled` with a message.
 * Work this node had InProgress when the agent died is started again (the repository keeps what was
 * uploaded, so the rerun reads but does not re-upload it).
 */
export async function handlePodVolumeBackup(
  deps: AgentDeps,
  name: string,
  state: WorkState,
): Promise<HandlerResult> {
  const { client, clock } = deps;
  const object = await client.get(POD_VOLUME_BACKUPS, deps.namespace, name);
  if (!object || isFinished(object)) return undefined;
  const spec = object.spec as PvbSpec;
  if (spec.node !== deps.node) return undefined;
  const log = deps.logger.child({ podVolumeBackup: name });
  const fail = async (
    message: string,
    phase: 'Failed' | 'Canceled' = 'Failed',
    extra: Record<string, unknown> = {},
  ): Promise<undefined> => {
    log.warn({ phase, message }, 'pod volume backup did not complete');
    await patchFinalStatus(
      client,
      POD_VOLUME_BACKUPS,
      object,
      { ...extra, phase, message, completionTimestamp: timestamp(clock) },
      clock,
    );
    return undefined;
  };
  if (spec.cancel) return fail('cancelled before the data transfer finished', 'Canceled');
  const resuming = phaseOf(object) === 'InProgress' || phaseOf(object) === 'Accepted';
  if (resuming) log.info('resuming a pod volume backup this node had in progress when its agent stopped');

  const pod = await client.get(PODS, spec.pod.namespace, spec.pod.name ?? '');
  if (!pod || (spec.pod.uid && pod.metadata?.uid !== spec.pod.uid))
    return fail(`pod ${spec.pod.namespace}/${spec.pod.name} is gone`);
  let resolved: Awaited<ReturnType<typeof resolvePodVolume>>;
  try {
    resolved = await resolvePodVolume(client, deps.hostRoot, pod, spec.volume);
  } catch (err) {
    return fail(errorMessage(err));
  }
  await patchStatus(client, POD_VOLUME_BACKUPS, object, {
    phase: 'InProgress',
    path: resolved.path,
    message: null,
    acceptedTimestamp:
      (object.status as { acceptedTimestamp?: string } | undefined)?.acceptedTimestamp ?? timestamp(clock),
    startTimestamp: timestamp(clock),
  });

  let repo: Repository;
  try {
    repo = await openRepositoryFor(deps.repositories, spec.backupStorageLocation, spec.pod.namespace ?? '');
  } catch (err) {
    if (isLifeboatError(err) && err.retryable && !state.stopping.aborted) {
      log.warn({ err: errorMessage(err) }, 'repository not reachable yet; trying again');
      return { retryAfterMs: 2000 };
    }
    return fail(`cannot open the repository: ${errorMessage(err)}`);
  }
  if (resuming) await removeStaleLocks(repo, log);
  return upload({ deps, object, spec, path: resolved.path, pvc: resolved.pvc, repo, state, fail, log });
}

interface UploadJob {
  deps: AgentDeps;
  object: KubeObject;
  spec: PvbSpec;
  path: string;
  pvc?: KubeObject;
  repo: Repository;
  state: WorkState;
  fail: (
    message: string,
    phase?: 'Failed' | 'Canceled',
    extra?: Record<string, unknown>,
  ) => Promise<undefined>;
  log: Logger;
}

async function upload(job: UploadJob): Promise<HandlerResult> {
  const { deps, object, spec, repo, state, fail, log } = job;
  const { client, clock } = deps;
  const tags = { ...(spec.tags ?? {}) };
  if (job.pvc) {
    tags.pvc = job.pvc.metadata?.name ?? '';
    tags['pvc-uid'] = job.pvc.metadata?.uid ?? '';
  }
  const progress = new ProgressPatcher((p) =>
    patchStatus(client, POD_VOLUME_BACKUPS, object, { progress: p }),
  );
  let totalBytes = 0;
  let last: TransferProgress | undefined;
  let result: Awaited<ReturnType<typeof backup>>;
  try {
    result = await backup(repo, {
      paths: ['.'],
      cwd: job.path,
      hostname: SNAPSHOT_HOSTNAME,
      tags: Object.entries(tags)
        .filter(([, v]) => v !== '')
        .map(([k, v]) => `${k}=${v}`)
        .sort(),
      parent: (await parentSnapshot(repo, tags)) ?? null,
      progressIntervalMs: deps.progressIntervalMs,
      // spec.cancel (or the agent stopping) interrupts the engine: no snapshot, lock released.
      signal: state.transfer,
      onProgress: (p) => {
        totalBytes = p.bytesTotal;
        last = { totalBytes: p.bytesTotal, bytesDone: p.bytesDone };
        progress.report(last);
      },
    });
  } catch (err) {
    await progress.close();
    if (state.stopping.aborted) return undefined;
    if (state.cancelRequested)
      return fail(
        cancelledMessage(last, 'no snapshot was written'),
        'Canceled',
        last ? { progress: last } : {},
      );
    return fail(`backup of ${job.path} failed: ${errorMessage(err)}`);
  }
  await progress.close();
  // Stopping: leave the request InProgress; the next start backs it up again (the data is deduplicated).
  if (state.stopping.aborted) return undefined;
  const fresh = await client.get(POD_VOLUME_BACKUPS, deps.namespace, object.metadata?.name ?? '');
  if (state.cancelRequested || (fresh?.spec as PvbSpec | undefined)?.cancel) {
    // The cancel came as the engine was writing the snapshot: too late to stop it, so it is forgotten.
    await repo.deleteFile('snapshots', result.snapshotId).catch(() => undefined);
    return fail('cancelled', 'Canceled');
  }
  const warnings =
    result.warnings.length > 0
      ? `${result.warnings.length} entries could not be read: ${result.warnings.slice(0, 3).join('; ')}`
      : undefined;
  await patchFinalStatus(
    client,
    POD_VOLUME_BACKUPS,
    object,
    {
      phase: 'Completed',
      snapshotID: result.snapshotId,
      path: job.path,
      progress: { totalBytes, bytesDone: totalBytes },
      incrementalBytes: result.stats.dataAdded,
      completionTimestamp: timestamp(clock),
      ...(warnings ? { message: warnings } : {}),
    },
    clock,
  );
  log.info(
    { snapshotID: result.snapshotId, bytes: totalBytes, added: result.stats.dataAdded },
    'pod volume backed up',
  );
  return undefined;
}

/**
 * A request found InProgress belonged to a previous run of this agent, whose lock (same host, dead process) is
 * stale: remove such locks so a prune or `restic check` is not refused because of it.
 */
export async function removeStaleLocks(repo: Repository, log: Logger): Promise<void> {
  try {
    const removed = await unlock(repo);
    if (removed.length > 0)
      log.info({ locks: removed.length }, 'removed stale repository locks of a previous run');
  } catch (err) {
    log.warn({ err: errorMessage(err) }, 'could not remove stale repository locks');
  }
}

/** The newest snapshot of the same claim (by `pvc-uid`), else of the same pod volume (`pod-uid` + `volume`). */
async function parentSnapshot(repo: Repository, tags: Record<string, string>): Promise<string | undefined> {
  const wanted = tags['pvc-uid']
    ? [`pvc-uid=${tags['pvc-uid']}`]
    : tags['pod-uid'] && tags.volume
      ? [`pod-uid=${tags['pod-uid']}`, `volume=${tags.volume}`]
      : undefined;
  if (!wanted) return undefined;
  const candidates = (await repo.listSnapshots()).filter((s) => wanted.every((t) => s.tags?.includes(t)));
  candidates.sort((a, b) => (a.time < b.time ? 1 : -1));
  return candidates[0]?.id;
}
