import type { SimulatedNode } from '../cluster/nodes.ts';
import { HOSTPATH_TOPOLOGY_KEY } from '../cluster/nodes.ts';
import { isAlreadyExists } from '../cluster/runtime/api-errors.ts';
import type { ClusterContext } from '../cluster/runtime/context.ts';
import type { KubeObject } from '../registry/types.ts';
import {
  DEFAULT_CLASS_ANNOTATION,
  DEFAULT_SNAPSHOT_CLASS,
  DEFAULT_SNAPSHOT_CLASS_ANNOTATION,
  DEFAULT_STORAGE_CLASS,
  HOSTPATH_DRIVER,
} from './constants.ts';

function createOnce(fn: () => KubeObject): void {
  try {
    fn();
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
}

/**
 * Registers the hostpath CSI driver as a real cluster shows it: the CSIDriver object, a CSINode per node
 * (the driver's node ID and topology key), the default StorageClass `standard` (WaitForFirstConsumer,
 * reclaim Delete, as on kind) and the default VolumeSnapshotClass `csi-hostpath-snapclass`. Objects that
 * already exist (a user may have changed them) are left alone.
 */
export function installHostpathDriver(ctx: ClusterContext, nodes: SimulatedNode[]): void {
  const { api, refs } = ctx;
  createOnce(() =>
    api.create(refs.csiDrivers, undefined, {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'CSIDriver',
      metadata: { name: HOSTPATH_DRIVER },
      spec: {
        attachRequired: false,
        podInfoOnMount: true,
        requiresRepublish: false,
        storageCapacity: false,
        seLinuxMount: false,
        fsGroupPolicy: 'File',
        volumeLifecycleModes: ['Persistent', 'Ephemeral'],
      },
    }),
  );
  for (const node of nodes) {
    let owner: KubeObject | undefined;
    try {
      owner = api.get(refs.nodes, undefined, node.name);
    } catch {
      owner = undefined;
    }
    createOnce(() =>
      api.create(refs.csiNodes, undefined, {
        apiVersion: 'storage.k8s.io/v1',
        kind: 'CSINode',
        metadata: {
          name: node.name,
          ...(owner
            ? {
                ownerReferences: [
                  { apiVersion: 'v1', kind: 'Node', name: node.name, uid: owner.metadata.uid! },
                ],
              }
            : {}),
        },
        spec: {
          drivers: [{ name: HOSTPATH_DRIVER, nodeID: node.name, topologyKeys: [HOSTPATH_TOPOLOGY_KEY] }],
        },
      }),
    );
  }
  createOnce(() =>
    api.create(refs.storageClasses, undefined, {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name: DEFAULT_STORAGE_CLASS, annotations: { [DEFAULT_CLASS_ANNOTATION]: 'true' } },
      provisioner: HOSTPATH_DRIVER,
      reclaimPolicy: 'Delete',
      volumeBindingMode: 'WaitForFirstConsumer',
      allowVolumeExpansion: true,
    }),
  );
  createOnce(() =>
    api.create(refs.volumeSnapshotClasses, undefined, {
      apiVersion: 'snapshot.storage.k8s.io/v1',
      kind: 'VolumeSnapshotClass',
      metadata: {
        name: DEFAULT_SNAPSHOT_CLASS,
        annotations: { [DEFAULT_SNAPSHOT_CLASS_ANNOTATION]: 'true' },
      },
      driver: HOSTPATH_DRIVER,
      deletionPolicy: 'Delete',
    }),
  );
}
