import { API_VERSION } from '../api/group.ts';
import { LABELS } from '../api/labels.ts';
import type { Clock } from '../core/clock.ts';
import { errorMessage } from '../core/errors.ts';
import { lifeboatResources } from '../kube/lifeboat-client.ts';
import type { DynamicClient, KubeObject, ResourceCatalog } from '../kube/types.ts';
import { labelValue } from './label-value.ts';
import type {
  CsiRestorePort,
  RestoreVolumeResult,
  RestoreVolumeRun,
  RestoreVolumeSession,
} from './services.ts';
import { restoresFromSnapshot, type VolumeInfo, volumeInfosByClaim } from './volume-info.ts';
import { waitForFinish } from './wait-for-finish.ts';

/** The init container kubesim's kubelet (and a real restore helper) holds a pod in until its volumes are filled. */
export const RESTORE_WAIT_CONTAINER = 'restore-wait';
/** Where the restore helper sees each restored volume: `/restores/<volume>`. */
export const RESTORE_WAIT_MOUNT_ROOT = '/restores';
/** The default image of the restore helper (the server's `--restore-helper-image` overrides it). */
export const DEFAULT_RESTORE_HELPER_IMAGE = 'ghcr.io/lifeboat-io/lifeboat-restore-helper:latest';

export interface RestoreVolumeSessionDeps {
  client: DynamicClient;
  catalog: ResourceCatalog;
  clock: Clock;
  /** The server's namespace, where PodVolumeRestores are created. */
  namespace: string;
  restoreHelperImage?: string;
  /** C's snapshotter, for claims whose volume info says CSI snapshot (or data movement). */
  csi?: CsiRestorePort;
  pollIntervalMs?: number;
}

const DONE = new Set(['Completed', 'Failed', 'Canceled']);

interface PodVolumeSnapshot {
  volume: string;
  snapshotID: string;
  backupStorageLocation: string;
  repoIdentifier: string;
  uploaderType?: string;
  size?: number;
}

/**
 * One restore's volume work. Pods whose volumes were backed up by file system get the `restore-wait` init
 * container first (mounting those volumes, its last argument the restore's uid), and once created, one
 * PodVolumeRestore per volume, which the node agent on the pod's node fills while the pod waits. Claims whose
 * volume info says CSI snapshot or data movement are handed to the CSI port (objects it returns are created
 * before the claim); claims restored by file system lose `volumeName`, so they are provisioned afresh.
 * `finish` waits for every PodVolumeRestore (within the timeout) and files failures naming pod and volume.
 */
export class RestoreVolumeCoordinator implements RestoreVolumeSession {
  readonly #deps: RestoreVolumeSessionDeps;
  readonly #run: RestoreVolumeRun;
  readonly #byPod = new Map<string, PodVolumeSnapshot[]>();
  readonly #byClaim: Map<string, VolumeInfo>;
  readonly #abort = new AbortController();
  readonly #tasks: Promise<void>[] = [];
  readonly #restores: KubeObject[] = [];
  #usedCsi = false;

  constructor(deps: RestoreVolumeSessionDeps, run: RestoreVolumeRun) {
    this.#deps = deps;
    this.#run = run;
    this.#byClaim = volumeInfosByClaim(run.volumeInfos as VolumeInfo[]);
    for (const pvb of run.podVolumeBackups) {
      const spec = (pvb.spec ?? {}) as {
        pod?: { namespace?: string; name?: string };
        volume?: string;
        backupStorageLocation?: string;
        repoIdentifier?: string;
        uploaderType?: string;
      };
      const status = (pvb.status ?? {}) as {
        phase?: string;
        snapshotID?: string;
        progress?: { totalBytes?: number };
      };
      if (status.phase !== 'Completed' || !status.snapshotID || !spec.volume || !spec.pod?.name) continue;
      const key = `${spec.pod.namespace ?? ''}/${spec.pod.name}`;
      const list = this.#byPod.get(key) ?? [];
      list.push({
        volume: spec.volume,
        snapshotID: status.snapshotID,
        backupStorageLocation: spec.backupStorageLocation ?? '',
        repoIdentifier: spec.repoIdentifier ?? '',
        uploaderType: spec.uploaderType,
        size: status.progress?.totalBytes,
      });
      this.#byPod.set(key, list);
    }
  }

  persistentVolumeSkipReason(pv: KubeObject): string | undefined {
    const name = pv.metadata?.name;
    const info = name ? this.#run.volumeInfos.find((i) => i.pvName === name && !i.skipped) : undefined;
    if (!info || info.result === 'failed') return undefined;
    if (info.backupMethod === 'PodVolumeBackup')
      return 'its data is restored by file system into a newly provisioned volume';
    if (info.backupMethod === 'CSISnapshot') return 'its claim is restored from a snapshot into a new volume';
    return undefined;
  }

  preparePod(pod: KubeObject, sourceNamespace: string): KubeObject {
    const snapshots = this.#snapshotsOf(pod, sourceNamespace);
    if (snapshots.length === 0) return pod;
    const spec = (pod.spec ?? {}) as { initContainers?: Record<string, unknown>[] };
    const others = (spec.initContainers ?? []).filter((c) => c.name !== RESTORE_WAIT_CONTAINER);
    const helper = {
      name: RESTORE_WAIT_CONTAINER,
      image: this.#deps.restoreHelperImage ?? DEFAULT_RESTORE_HELPER_IMAGE,
      imagePullPolicy: 'IfNotPresent',
      command: ['/lifeboat-restore-helper'],
      args: [this.#run.restore.metadata?.uid ?? ''],
      volumeMounts: snapshots.map((s) => ({
        name: s.volume,
        mountPath: `${RESTORE_WAIT_MOUNT_ROOT}/${s.volume}`,
      })),
      resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '100m', memory: '128Mi' } },
    };
    return { ...pod, spec: { ...(pod.spec ?? {}), initContainers: [helper, ...others] } };
  }

  podCreated(pod: KubeObject, sourceNamespace: string): void {
    const snapshots = this.#snapshotsOf(pod, sourceNamespace);
    if (snapshots.length === 0) return;
    this.#run.log.info(
      {
        namespace: pod.metadata?.namespace,
        pod: pod.metadata?.name,
        volumes: snapshots.map((s) => s.volume),
      },
      'restoring pod volumes',
    );
    for (const snapshot of snapshots) this.#tasks.push(this.#restoreVolume(pod, sourceNamespace, snapshot));
  }

  async preparePvc(
    pvc: KubeObject,
    sourceNamespace: string,
  ): Promise<{ pvc: KubeObject; create: KubeObject[] }> {
    const info = this.#byClaim.get(`${sourceNamespace}/${pvc.metadata?.name ?? ''}`);
    if (!info || info.skipped) return { pvc, create: [] };
    if (info.backupMethod === 'PodVolumeBackup') {
      // The data comes back through the pod; the claim gets a fresh volume (reference velero.md §5.4).
      const spec = { ...((pvc.spec ?? {}) as Record<string, unknown>) };
      delete spec.volumeName;
      return { pvc: { ...pvc, spec }, create: [] };
    }
    if (restoresFromSnapshot(info)) {
      const csi = this.#deps.csi;
      if (!csi) {
        const message = `persistentvolumeclaim ${pvc.metadata?.namespace}/${pvc.metadata?.name}: its data is in a CSI snapshot, but CSI restores are not available; restored empty`;
        this.#run.results.itemWarning(pvc.metadata?.namespace, message);
        this.#run.log.warn({}, message);
        return { pvc, create: [] };
      }
      this.#usedCsi = true;
      return csi.restorePvc(this.#run.restore, pvc, info);
    }
    return { pvc, create: [] };
  }

  async finish(options: { timeoutMs: number; signal?: AbortSignal }): Promise<RestoreVolumeResult> {
    const timer = setTimeout(() => this.#abort.abort(), options.timeoutMs);
    const onAbort = (): void => this.#abort.abort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await Promise.all(this.#tasks);
      if (this.#usedCsi && this.#deps.csi?.waitForDataDownloads) {
        const { errors } = await this.#deps.csi
          .waitForDataDownloads(this.#run.restore)
          .catch((err: unknown) => ({
            errors: [`cannot follow the restore's DataDownloads: ${errorMessage(err)}`],
          }));
        for (const message of errors) {
          this.#run.results.error({ kind: 'velero' }, message);
          this.#run.log.error({}, message);
        }
      }
      return { podVolumeRestores: this.#restores };
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
    }
  }

  /** The pod's file-system snapshots, for the volumes the (possibly modified) pod still has. */
  #snapshotsOf(pod: KubeObject, sourceNamespace: string): PodVolumeSnapshot[] {
    const all = this.#byPod.get(`${sourceNamespace}/${pod.metadata?.name ?? ''}`);
    if (!all) return [];
    const volumes = new Set(
      ((pod.spec as { volumes?: { name?: string }[] } | undefined)?.volumes ?? []).map((v) => v.name),
    );
    return all.filter((s) => volumes.has(s.volume));
  }

  async #restoreVolume(pod: KubeObject, sourceNamespace: string, snapshot: PodVolumeSnapshot): Promise<void> {
    const namespace = pod.metadata?.namespace ?? '';
    const label = `pod ${namespace}/${pod.metadata?.name} volume ${snapshot.volume}`;
    const resource = lifeboatResources(this.#deps.catalog).PodVolumeRestore;
    const fail = (why: string): void => {
      this.#run.results.itemError(namespace, `${label}: ${why}`);
      this.#run.log.error({ namespace, pod: pod.metadata?.name }, `${label}: ${why}`);
    };
    let created: KubeObject;
    try {
      created = await this.#deps.client.create(
        resource,
        this.#podVolumeRestore(pod, sourceNamespace, snapshot),
      );
    } catch (err) {
      fail(`cannot create its PodVolumeRestore: ${errorMessage(err)}`);
      return;
    }
    const final = await waitForFinish(this.#deps.client, resource, created, {
      done: (o) => DONE.has((o.status as { phase?: string } | undefined)?.phase ?? ''),
      intervalMs: this.#deps.pollIntervalMs ?? 250,
      signal: this.#abort.signal,
    });
    this.#restores.push(final.object);
    const status = (final.object.status ?? {}) as { phase?: string; message?: string };
    if (!final.done) {
      await this.#deps.client
        .patch(resource, this.#deps.namespace, created.metadata?.name ?? '', 'merge', {
          spec: { cancel: true },
        })
        .catch(() => undefined);
      fail(`not finished in time (phase ${status.phase ?? 'New'}), cancelled`);
    } else if (status.phase !== 'Completed') {
      fail(
        `PodVolumeRestore ${created.metadata?.name} ${status.phase ?? 'vanished'}${status.message ? `: ${status.message}` : ''}`,
      );
    } else {
      this.#run.log.info(
        { namespace, pod: pod.metadata?.name, volume: snapshot.volume },
        'pod volume restored',
      );
    }
  }

  #podVolumeRestore(pod: KubeObject, sourceNamespace: string, snapshot: PodVolumeSnapshot): KubeObject {
    const restore = this.#run.restore;
    const restoreName = restore.metadata?.name ?? '';
    const restoreUid = restore.metadata?.uid ?? '';
    return {
      apiVersion: API_VERSION,
      kind: 'PodVolumeRestore',
      metadata: {
        generateName: `${restoreName}-`,
        namespace: this.#deps.namespace,
        labels: {
          [LABELS.restoreName]: labelValue(restoreName),
          ...(restoreUid ? { [LABELS.restoreUid]: restoreUid } : {}),
        },
        ...(restoreUid
          ? {
              ownerReferences: [
                {
                  apiVersion: API_VERSION,
                  kind: 'Restore',
                  name: restoreName,
                  uid: restoreUid,
                  controller: true,
                },
              ],
            }
          : {}),
      },
      spec: {
        pod: {
          kind: 'Pod',
          namespace: pod.metadata?.namespace,
          name: pod.metadata?.name,
          uid: pod.metadata?.uid,
        },
        volume: snapshot.volume,
        backupStorageLocation: snapshot.backupStorageLocation,
        repoIdentifier: snapshot.repoIdentifier,
        ...(snapshot.uploaderType ? { uploaderType: snapshot.uploaderType } : {}),
        snapshotID: snapshot.snapshotID,
        sourceNamespace,
        ...(snapshot.size !== undefined ? { snapshotSize: snapshot.size } : {}),
      },
    };
  }
}
