import { errorMessage, isLifeboatError, LifeboatError } from '../core/errors.ts';
import type { ApiResourceInfo, DynamicClient, KubeObject } from '../kube/types.ts';
import type { AgentDeps } from './deps.ts';
import { PODS, PVCS, PVS, resolvePodVolume } from './volume-path.ts';

export const VOLUME_SNAPSHOTS = snapshotResource('volumesnapshots', 'VolumeSnapshot', true);
export const VOLUME_SNAPSHOT_CONTENTS = snapshotResource(
  'volumesnapshotcontents',
  'VolumeSnapshotContent',
  false,
);

/** How long an exposed volume may take to be provisioned, bound and mounted. */
const EXPOSE_TIMEOUT_MS = 5 * 60_000;

/**
 * The temporary objects of one data movement, all named after the DataUpload/DataDownload (so a restarted
 * agent finds its own again): a PVC and a pod mounting it in the server's namespace, pinned to this node,
 * and for uploads a VolumeSnapshot + pre-provisioned VolumeSnapshotContent (Retain) pointing at the
 * backup's snapshot, because a claim can only be restored from a snapshot in its own namespace.
 */
export interface Exposure {
  name: string;
  /** The temporary claim's volume directory on this node, once mounted. */
  path: string;
  pvc: KubeObject;
}

async function createIfAbsent(
  client: DynamicClient,
  resource: ApiResourceInfo,
  object: KubeObject,
): Promise<void> {
  try {
    await client.create(resource, object);
  } catch (err) {
    if (!isLifeboatError(err, 'AlreadyExists')) throw err;
  }
}

/** A VolumeSnapshot in the server's namespace bound to the same snapshot as `sourceNamespace/volumeSnapshot`. */
export async function exposeSnapshot(
  deps: AgentDeps,
  name: string,
  source: { namespace: string; volumeSnapshot: string; driver: string; snapshotClass?: string },
): Promise<void> {
  const { client } = deps;
  const vs = await client.get(VOLUME_SNAPSHOTS, source.namespace, source.volumeSnapshot);
  const contentName = (vs?.status as { boundVolumeSnapshotContentName?: string } | undefined)
    ?.boundVolumeSnapshotContentName;
  if (!vs || !contentName)
    throw new LifeboatError(
      'NotFound',
      `VolumeSnapshot ${source.namespace}/${source.volumeSnapshot} is not bound`,
    );
  const content = await client.get(VOLUME_SNAPSHOT_CONTENTS, undefined, contentName);
  const handle = (content?.status as { snapshotHandle?: string } | undefined)?.snapshotHandle;
  if (!handle)
    throw new LifeboatError('NotFound', `VolumeSnapshotContent ${contentName} has no snapshot handle`);
  const tempContent = `lifeboat-${name}`;
  await createIfAbsent(client, VOLUME_SNAPSHOT_CONTENTS, {
    apiVersion: 'snapshot.storage.k8s.io/v1',
    kind: 'VolumeSnapshotContent',
    metadata: { name: tempContent },
    spec: {
      deletionPolicy: 'Retain',
      driver: source.driver,
      source: { snapshotHandle: handle },
      ...(source.snapshotClass ? { volumeSnapshotClassName: source.snapshotClass } : {}),
      volumeSnapshotRef: { namespace: deps.namespace, name },
    },
  });
  await createIfAbsent(client, VOLUME_SNAPSHOTS, {
    apiVersion: 'snapshot.storage.k8s.io/v1',
    kind: 'VolumeSnapshot',
    metadata: { name, namespace: deps.namespace },
    spec: {
      source: { volumeSnapshotContentName: tempContent },
      ...(source.snapshotClass ? { volumeSnapshotClassName: source.snapshotClass } : {}),
    },
  });
}

/**
 * A temporary claim (from the exposed snapshot, or empty of `storageClass`) and a pod mounting it on this node;
 * resolves with the volume's directory once the pod is placed and the volume mounted.
 */
export async function exposeVolume(
  deps: AgentDeps,
  name: string,
  claim: { storageClass?: string; size: string; fromSnapshot: boolean },
): Promise<Exposure> {
  const { client } = deps;
  await createIfAbsent(client, PVCS, {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name, namespace: deps.namespace, labels: { 'lifeboat.io/data-movement': name } },
    spec: {
      accessModes: ['ReadWriteOnce'],
      ...(claim.storageClass ? { storageClassName: claim.storageClass } : {}),
      resources: { requests: { storage: claim.size } },
      ...(claim.fromSnapshot
        ? { dataSource: { apiGroup: 'snapshot.storage.k8s.io', kind: 'VolumeSnapshot', name } }
        : {}),
    },
  });
  await createIfAbsent(client, PODS, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: deps.namespace, labels: { 'lifeboat.io/data-movement': name } },
    spec: {
      // Through the scheduler (not nodeName): a WaitForFirstConsumer class provisions on the node it picks.
      nodeSelector: { 'kubernetes.io/hostname': deps.node },
      restartPolicy: 'Never',
      containers: [
        {
          name: 'hold',
          image: 'lifeboat/node-agent',
          command: ['sleep', 'infinity'],
          volumeMounts: [{ name: 'data', mountPath: '/data' }],
        },
      ],
      volumes: [{ name: 'data', persistentVolumeClaim: { claimName: name } }],
    },
  });
  const deadline = deps.clock.now().getTime() + EXPOSE_TIMEOUT_MS;
  for (;;) {
    const pod = await client.get(PODS, deps.namespace, name);
    if (pod) {
      try {
        const resolved = await resolvePodVolume(client, deps.hostRoot, pod, 'data');
        return { name, path: resolved.path, pvc: resolved.pvc! };
      } catch (err) {
        if (!isLifeboatError(err, 'Unavailable')) throw err;
        if (deps.clock.now().getTime() > deadline)
          throw new LifeboatError(
            'Timeout',
            `the exposed volume was not mounted in time: ${errorMessage(err)}`,
          );
      }
    }
    await deps.clock.sleep(200);
  }
}

/** Deletes the temporary pod, claim, snapshot and content (each best effort: a leftover is only clutter). */
export async function cleanUpExposure(deps: AgentDeps, name: string): Promise<void> {
  const { client } = deps;
  const quietly = (p: Promise<void>) => p.catch(() => undefined);
  await quietly(client.delete(PODS, deps.namespace, name));
  await quietly(client.delete(PVCS, deps.namespace, name));
  await quietly(client.delete(VOLUME_SNAPSHOTS, deps.namespace, name));
  await quietly(client.delete(VOLUME_SNAPSHOT_CONTENTS, undefined, `lifeboat-${name}`));
}

/**
 * Gives the temporary claim's volume to the restored claim, as Velero does: the volume is kept (reclaim
 * policy Retain) while the temporary pod and claim go, then bound to the target claim (`claimRef`, and the
 * label its selector waits for), and its original reclaim policy is put back.
 */
export async function handOverVolume(
  deps: AgentDeps,
  exposure: Exposure,
  target: { namespace: string; name: string; selectorLabel?: [string, string] },
): Promise<string> {
  const { client } = deps;
  const pvName = (exposure.pvc.spec as { volumeName?: string }).volumeName ?? '';
  const pv = await client.get(PVS, undefined, pvName);
  if (!pv) throw new LifeboatError('NotFound', `volume ${pvName} of the temporary claim is gone`);
  const policy =
    (pv.spec as { persistentVolumeReclaimPolicy?: string }).persistentVolumeReclaimPolicy ?? 'Delete';
  await client.patch(PVS, undefined, pvName, 'merge', { spec: { persistentVolumeReclaimPolicy: 'Retain' } });
  await client.delete(PODS, deps.namespace, exposure.name).catch(() => undefined);
  await client.delete(PVCS, deps.namespace, exposure.name).catch(() => undefined);
  const deadline = deps.clock.now().getTime() + EXPOSE_TIMEOUT_MS;
  while (await client.get(PVCS, deps.namespace, exposure.name)) {
    if (deps.clock.now().getTime() > deadline)
      throw new LifeboatError('Timeout', 'the temporary claim was not removed in time');
    await deps.clock.sleep(200);
  }
  await client.patch(PVS, undefined, pvName, 'merge', {
    metadata: target.selectorLabel ? { labels: { [target.selectorLabel[0]]: target.selectorLabel[1] } } : {},
    spec: {
      claimRef: {
        kind: 'PersistentVolumeClaim',
        apiVersion: 'v1',
        namespace: target.namespace,
        name: target.name,
        uid: null,
        resourceVersion: null,
      },
      persistentVolumeReclaimPolicy: policy,
    },
  });
  return pvName;
}

function snapshotResource(resource: string, kind: string, namespaced: boolean): ApiResourceInfo {
  return {
    group: 'snapshot.storage.k8s.io',
    version: 'v1',
    groupVersion: 'snapshot.storage.k8s.io/v1',
    resource,
    singular: kind.toLowerCase(),
    kind,
    namespaced,
    shortNames: [],
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
    categories: [],
    preferredVersion: 'v1',
    groupResource: `${resource}.snapshot.storage.k8s.io`,
  };
}
