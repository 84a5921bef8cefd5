import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { LABELS } from '../api/labels.ts';
import { errorMessage, isLifeboatError } from '../core/errors.ts';
import { lifeboatResource } from '../kube/lifeboat-client.ts';
import type { KubeObject } from '../kube/types.ts';
import { type Repository, restore } from '../repository/index.ts';
import { openRepositoryFor } from '../volumes/repositories/index.ts';
import type { AgentDeps } from './deps.ts';
import { removeStaleLocks } from './pod-volume-backup.ts';
import {
  cancelledMessage,
  isFinished,
  ProgressPatcher,
  patchFinalStatus,
  patchStatus,
  type TransferProgress,
  timestamp,
} from './status.ts';
import { PODS, resolvePodVolume } from './volume-path.ts';
import type { HandlerResult, WorkState } from './work-loop.ts';

export const POD_VOLUME_RESTORES = lifeboatResource('PodVolumeRestore');

/** The init container the restored pod waits in, and the directory of the markers it waits for. */
export const RESTORE_WAIT_CONTAINER = 'restore-wait';
export const RESTORE_MARKER_DIR = '.lifeboat';

/** How long the pod a PodVolumeRestore names may take to be created and scheduled. */
const UNPLACED_POD_LIMIT_MS = 30 * 60_000;

/** How long a restored pod's volume directory may take to appear on the node. */
const VOLUME_WAIT_MS = 5 * 60_000;

type PvrSpec = {
  pod: { namespace?: string; name?: string; uid?: string };
  volume: string;
  backupStorageLocation: string;
  snapshotID: string;
  sourceNamespace: string;
  cancel?: boolean;
};

/**
 * Restores one pod volume for a PodVolumeRestore whose pod runs on this node: waits for the pod's volume
 * directory (the kubelet creates it while the pod sits in its `restore-wait` init container), writes the
 * snapshot into it, then writes the marker `<volume>/.lifeboat/<restore-uid>` the init container waits for.
 * The restore uid is the `restore-wait` container's last argument (else the object's restore-uid label or
 * its owning Restore). Rerunning after a crash writes the files again, which is harmless.
 */
export async function handlePodVolumeRestore(
  deps: AgentDeps,
  name: string,
  state: WorkState,
): Promise<HandlerResult> {
  const { client, clock } = deps;
  const object = await client.get(POD_VOLUME_RESTORES, deps.namespace, name);
  if (!object || isFinished(object)) return undefined;
  const status = (object.status ?? {}) as { node?: string; phase?: string; startTimestamp?: string };
  if (status.node && status.node !== deps.node) return undefined;
  const spec = object.spec as PvrSpec;
  const pod = await client.get(PODS, spec.pod.namespace, spec.pod.name ?? '');
  const podNode = (pod?.spec as { nodeName?: string } | undefined)?.nodeName;
  if (!pod || !podNode) return endUnplaced(deps, object, spec);
  if (podNode !== deps.node) return undefined;
  const log = deps.logger.child({ podVolumeRestore: name });
  const fail = async (
    message: string,
    phase: 'Failed' | 'Canceled' = 'Failed',
    extra: Record<string, unknown> = {},
  ): Promise<undefined> => {
    log.warn({ phase, message }, 'pod volume restore did not complete');
    await patchFinalStatus(
      client,
      POD_VOLUME_RESTORES,
      object,
      { ...extra, phase, message, node: deps.node, completionTimestamp: timestamp(clock) },
      clock,
    );
    return undefined;
  };
  if (spec.pod.uid && pod.metadata?.uid !== spec.pod.uid)
    return fail(`pod ${spec.pod.namespace}/${spec.pod.name} was replaced`);
  if (spec.cancel) return fail('cancelled before the data transfer finished', 'Canceled');
  if (status.phase === 'InProgress')
    log.info('resuming a pod volume restore this node had in progress when its agent stopped');
  const startedAt = status.startTimestamp ?? timestamp(clock);
  if (status.phase !== 'InProgress')
    await patchStatus(client, POD_VOLUME_RESTORES, object, {
      phase: 'InProgress',
      node: deps.node,
      acceptedTimestamp: timestamp(clock),
      startTimestamp: startedAt,
    });

  let path: string;
  try {
    path = (await resolvePodVolume(client, deps.hostRoot, pod, spec.volume)).path;
  } catch (err) {
    const waited = clock.now().getTime() - Date.parse(startedAt);
    if (isLifeboatError(err, 'Unavailable') && waited < VOLUME_WAIT_MS) return { retryAfterMs: 300 };
    return fail(errorMessage(err));
  }
  let repo: Repository;
  try {
    repo = await openRepositoryFor(deps.repositories, spec.backupStorageLocation, spec.sourceNamespace);
  } catch (err) {
    if (isLifeboatError(err) && err.retryable) return { retryAfterMs: 2000 };
    return fail(`cannot open the repository: ${errorMessage(err)}`);
  }
  if (status.phase === 'InProgress') await removeStaleLocks(repo, log);
  return download({ deps, object, spec, pod, path, repo, state, fail, log });
}

interface DownloadJob {
  deps: AgentDeps;
  object: KubeObject;
  spec: PvrSpec;
  pod: KubeObject;
  path: string;
  repo: Repository;
  state: WorkState;
  fail: (
    message: string,
    phase?: 'Failed' | 'Canceled',
    extra?: Record<string, unknown>,
  ) => Promise<undefined>;
  log: Logger;
}

/** Writes the snapshot into the volume, then the marker the restore-wait container waits for. */
async function download(job: DownloadJob): Promise<HandlerResult> {
  const { deps, object, spec, pod, path, repo, state, fail, log } = job;
  const { client, clock } = deps;
  const progress = new ProgressPatcher((p) =>
    patchStatus(client, POD_VOLUME_RESTORES, object, { progress: p }),
  );
  let latest: TransferProgress | undefined;
  try {
    const snapshot = await repo.loadSnapshot(spec.snapshotID);
    let last = 0;
    const result = await restore(repo, snapshot, {
      target: path,
      // spec.cancel (or the agent stopping) interrupts the engine; files it had not finished are removed.
      signal: state.transfer,
      onProgress: (p) => {
        latest = { totalBytes: p.bytesTotal, bytesDone: p.bytesDone };
        const now = Date.now();
        if (now - last < deps.progressIntervalMs) return;
        last = now;
        progress.report(latest);
      },
    });
    await progress.close();
    if (state.stopping.aborted) return undefined;
    if (state.cancelRequested) return fail('cancelled', 'Canceled');
    if (result.errors.length > 0)
      return fail(
        `${result.errors.length} files could not be restored: ${result.errors.slice(0, 3).join('; ')}`,
      );
    const uid = restoreUidOf(pod, object);
    if (uid) {
      await mkdir(join(path, RESTORE_MARKER_DIR), { recursive: true });
      await writeFile(join(path, RESTORE_MARKER_DIR, uid), '');
    }
    await patchFinalStatus(
      client,
      POD_VOLUME_RESTORES,
      object,
      {
        phase: 'Completed',
        node: deps.node,
        progress: { totalBytes: result.bytesWritten, bytesDone: result.bytesWritten },
        completionTimestamp: timestamp(clock),
      },
      clock,
    );
    log.info({ snapshotID: spec.snapshotID, bytes: result.bytesWritten, path }, 'pod volume restored');
    return undefined;
  } catch (err) {
    await progress.close();
    if (state.stopping.aborted) return undefined;
    if (state.cancelRequested)
      return fail(
        cancelledMessage(latest, 'files not completely written were removed; the pod stays in restore-wait'),
        'Canceled',
        latest ? { progress: latest } : {},
      );
    return fail(`restore of snapshot ${spec.snapshotID} failed: ${errorMessage(err)}`);
  }
}

/**
 * The pod is not created or not scheduled yet: whichever agent's node it lands on takes the request then.
 * Until then any agent may end it (the same patch from each), so a cancelled or orphaned request never hangs.
 */
async function endUnplaced(deps: AgentDeps, object: KubeObject, spec: PvrSpec): Promise<HandlerResult> {
  const { client, clock } = deps;
  const age = clock.now().getTime() - Date.parse(object.metadata?.creationTimestamp ?? '');
  if (!spec.cancel && !(age > UNPLACED_POD_LIMIT_MS)) return { retryAfterMs: 500 };
  const message = spec.cancel
    ? 'cancelled before the pod was placed'
    : `pod ${spec.pod.namespace}/${spec.pod.name} was not created or scheduled within ${UNPLACED_POD_LIMIT_MS / 60_000} minutes`;
  await patchFinalStatus(
    client,
    POD_VOLUME_RESTORES,
    object,
    { phase: spec.cancel ? 'Canceled' : 'Failed', message, completionTimestamp: timestamp(clock) },
    clock,
  );
  return undefined;
}

function restoreUidOf(pod: KubeObject, object: KubeObject): string | undefined {
  type Container = { name: string; args?: string[]; command?: string[] };
  const init = ((pod.spec as { initContainers?: Container[] } | undefined)?.initContainers ?? []).find(
    (c) => c.name === RESTORE_WAIT_CONTAINER,
  );
  const args = init?.args?.length ? init.args : (init?.command ?? []).slice(1);
  if (args.length > 0) return args[args.length - 1];
  const label = object.metadata?.labels?.[LABELS.restoreUid];
  if (label) return label;
  return object.metadata?.ownerReferences?.find((r) => r.kind === 'Restore')?.uid;
}
