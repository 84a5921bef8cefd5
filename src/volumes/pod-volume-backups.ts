import { API_VERSION } from '../api/group.ts';
import { ANNOTATIONS, LABELS } from '../api/labels.ts';
import type { Backup } from '../api/resources/backup.ts';
import type { BackupRepository } from '../api/resources/backup-repository.ts';
import type { Clock } from '../core/clock.ts';
import { errorMessage } from '../core/errors.ts';
import { lifeboatResources } from '../kube/lifeboat-client.ts';
import type { ApiResourceInfo, DynamicClient, KubeObject, ResourceCatalog } from '../kube/types.ts';
import { labelValue } from './label-value.ts';
import type { VolumeInfo } from './volume-info.ts';
import { waitForFinish } from './wait-for-finish.ts';

/**
 * A's `ensureRepository` (`src/volumes/repositories`): creates or reuses the namespace's BackupRepository in
 * the location and resolves once it is Ready.
 */
export type EnsureRepository = (
  client: DynamicClient,
  options: { namespace: string; location: string; volumeNamespace: string; signal?: AbortSignal },
) => Promise<BackupRepository>;

export interface PodVolumeBackupsDeps {
  client: DynamicClient;
  catalog: ResourceCatalog;
  clock: Clock;
  /** The server's namespace, where PodVolumeBackups are created. */
  namespace: string;
  ensureRepository: EnsureRepository;
  /** How often a PodVolumeBackup's status is read while waiting (default 250 ms). */
  pollIntervalMs?: number;
}

/** One pod volume to back up by file system. */
export interface PodVolumeTarget {
  volume: string;
  pvc?: KubeObject;
}

export interface PodVolumeOutcome {
  info: VolumeInfo;
  /** The PodVolumeBackup as it ended, for `<B>-podvolumebackups.json.gz`. */
  podVolumeBackup?: KubeObject;
  /** Why the volume's data is not in the backup, naming pod and volume. */
  error?: string;
}

const DONE = new Set(['Completed', 'Failed', 'Canceled']);

/**
 * Backs up one pod's volumes by file system: makes sure the namespace's repository exists in the backup's
 * location, creates one PodVolumeBackup per volume (`spec.node` = the pod's node, owned by the Backup,
 * labelled with the backup's name and uid and the claim's uid), and waits until each is Completed, Failed or
 * Canceled. When `signal` aborts (the pod-volume timeout, or the backup's cancellation), the unfinished ones
 * are asked to cancel and reported as failed. Never throws: every volume gets an outcome.
 */
export async function backUpPodVolumes(
  deps: PodVolumeBackupsDeps,
  backup: Backup,
  pod: KubeObject,
  targets: readonly PodVolumeTarget[],
  signal: AbortSignal,
): Promise<PodVolumeOutcome[]> {
  const podName = pod.metadata?.name ?? '';
  const podNamespace = pod.metadata?.namespace ?? '';
  const node = (pod.spec as { nodeName?: string } | undefined)?.nodeName ?? '';
  const location = backup.spec?.storageLocation ?? 'default';
  const started = deps.clock.now().toISOString();
  const base = (t: PodVolumeTarget): VolumeInfo => ({
    ...(t.pvc
      ? {
          pvcName: t.pvc.metadata?.name,
          pvcNamespace: t.pvc.metadata?.namespace,
          pvName: (t.pvc.spec as { volumeName?: string } | undefined)?.volumeName || undefined,
        }
      : {}),
    backupMethod: 'PodVolumeBackup',
    snapshotDataMoved: false,
    preserveLocalSnapshot: false,
    skipped: false,
    startTimestamp: started,
    pvbInfo: { volumeName: t.volume, podName, podNamespace, nodeName: node, uploaderType: 'restic' },
  });
  const failAll = (why: string): PodVolumeOutcome[] =>
    targets.map((t) => ({
      info: { ...base(t), result: 'failed', completionTimestamp: deps.clock.now().toISOString() },
      error: `pod ${podNamespace}/${podName} volume ${t.volume}: ${why}`,
    }));

  let repository: BackupRepository;
  try {
    repository = await deps.ensureRepository(deps.client, {
      namespace: deps.namespace,
      location,
      volumeNamespace: podNamespace,
      signal,
    });
  } catch (err) {
    return failAll(`the repository of namespace ${podNamespace} is not ready: ${errorMessage(err)}`);
  }
  const resource = lifeboatResources(deps.catalog).PodVolumeBackup;
  return Promise.all(
    targets.map(async (target): Promise<PodVolumeOutcome> => {
      const label = `pod ${podNamespace}/${podName} volume ${target.volume}`;
      let created: KubeObject;
      try {
        created = await deps.client.create(
          resource,
          podVolumeBackupObject(deps.namespace, backup, pod, target, repository, location, node),
        );
      } catch (err) {
        return {
          info: { ...base(target), result: 'failed', completionTimestamp: deps.clock.now().toISOString() },
          error: `${label}: cannot create its PodVolumeBackup: ${errorMessage(err)}`,
        };
      }
      const final = await waitForFinish(deps.client, resource, created, {
        done: (o) => DONE.has(phaseOf(o)),
        intervalMs: deps.pollIntervalMs ?? 250,
        signal,
      });
      const finished = final.object;
      if (!final.done) await cancel(deps.client, resource, created);
      const status = (finished.status ?? {}) as {
        phase?: string;
        snapshotID?: string;
        message?: string;
        progress?: { totalBytes?: number; bytesDone?: number };
        incrementalBytes?: number;
        startTimestamp?: string;
        completionTimestamp?: string;
      };
      const info: VolumeInfo = {
        ...base(target),
        ...(status.startTimestamp ? { startTimestamp: status.startTimestamp } : {}),
        completionTimestamp: status.completionTimestamp ?? deps.clock.now().toISOString(),
        result: status.phase === 'Completed' ? 'succeeded' : 'failed',
        pvbInfo: {
          ...base(target).pvbInfo!,
          snapshotHandle: status.snapshotID,
          size: status.progress?.totalBytes,
          incrementalSize: status.incrementalBytes,
        },
      };
      if (status.phase === 'Completed') return { info, podVolumeBackup: finished };
      const why = !final.done
        ? `not finished in time (phase ${status.phase ?? 'New'}), cancelled`
        : `PodVolumeBackup ${finished.metadata?.name} ${status.phase}${status.message ? `: ${status.message}` : ''}`;
      return { info, podVolumeBackup: finished, error: `${label}: ${why}` };
    }),
  );
}

function podVolumeBackupObject(
  namespace: string,
  backup: Backup,
  pod: KubeObject,
  target: PodVolumeTarget,
  repository: BackupRepository,
  location: string,
  node: string,
): KubeObject {
  const backupName = backup.metadata?.name ?? '';
  const backupUid = backup.metadata?.uid ?? '';
  const pvcUid = target.pvc?.metadata?.uid;
  const podRef = {
    kind: 'Pod',
    namespace: pod.metadata?.namespace,
    name: pod.metadata?.name,
    uid: pod.metadata?.uid,
  };
  return {
    apiVersion: API_VERSION,
    kind: 'PodVolumeBackup',
    metadata: {
      generateName: `${backupName}-`,
      namespace,
      labels: {
        [LABELS.backupName]: labelValue(backupName),
        ...(backupUid ? { [LABELS.backupUid]: backupUid } : {}),
        ...(pvcUid ? { [LABELS.pvcUid]: pvcUid } : {}),
      },
      ...(target.pvc ? { annotations: { [ANNOTATIONS.pvcName]: target.pvc.metadata?.name ?? '' } } : {}),
      ...(backupUid
        ? {
            ownerReferences: [
              { apiVersion: API_VERSION, kind: 'Backup', name: backupName, uid: backupUid, controller: true },
            ],
          }
        : {}),
    },
    spec: {
      node,
      pod: podRef,
      volume: target.volume,
      backupStorageLocation: location,
      repoIdentifier: repository.spec?.resticIdentifier ?? '',
      uploaderType: 'restic',
      tags: {
        backup: backupName,
        'backup-uid': backupUid,
        pod: pod.metadata?.name ?? '',
        'pod-uid': pod.metadata?.uid ?? '',
        ns: pod.metadata?.namespace ?? '',
        volume: target.volume,
        ...(pvcUid ? { 'pvc-uid': pvcUid } : {}),
      },
    },
  };
}

function phaseOf(o: KubeObject): string {
  return (o.status as { phase?: string } | undefined)?.phase ?? '';
}

/** Asks the node agent to stop (spec.cancel); a failure to ask is not worth more than the timeout itself. */
async function cancel(client: DynamicClient, resource: ApiResourceInfo, object: KubeObject): Promise<void> {
  const name = object.metadata?.name;
  if (!name) return;
  await client
    .patch(resource, object.metadata?.namespace, name, 'merge', { spec: { cancel: true } })
    .catch(() => undefined);
}
