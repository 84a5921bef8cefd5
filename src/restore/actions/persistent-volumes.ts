import type { KubeObject } from '../../kube/types.ts';
import type { RestoreItemAction } from '../types.ts';

/**
 * PV/PVC pairs without volume data (reference velero.md §5.4, the no-snapshot case): a PV with reclaim policy
 * Delete is not restored (its claim is provisioned afresh); any other PV is restored as it was, its claimRef
 * pointing at the claim's new namespace and stripped of the old claim's uid, so the restored claim binds to
 * it by name. A claim keeps `volumeName` only when its PV is restored.
 */

const PVC_ANNOTATIONS_DROPPED = [
  'pv.kubernetes.io/bind-completed',
  'pv.kubernetes.io/bound-by-controller',
  'volume.kubernetes.io/storage-provisioner',
  'volume.beta.kubernetes.io/storage-provisioner',
  'volume.kubernetes.io/selected-node',
];

/** Whether a PV from the backup is restored as an object (rather than re-provisioned). */
export function restoresPersistentVolume(pv: KubeObject): boolean {
  const policy = (pv.spec as { persistentVolumeReclaimPolicy?: string } | undefined)
    ?.persistentVolumeReclaimPolicy;
  return policy !== 'Delete';
}

export function persistentVolumeAction(namespaceMapping: Record<string, string>): RestoreItemAction {
  return {
    name: 'lifeboat.io/persistent-volume',
    appliesTo: () => ({ includedResources: ['persistentvolumes'] }),
    execute({ item }) {
      if (!restoresPersistentVolume(item))
        return {
          updatedItem: item,
          skipRestore: true,
          skipReason: 'reclaim policy Delete: the claim gets a newly provisioned volume',
        };
      const spec = (item.spec ?? {}) as { claimRef?: Record<string, unknown> };
      const claimRef = spec.claimRef;
      if (claimRef) {
        delete claimRef.uid;
        delete claimRef.resourceVersion;
        const ns = claimRef.namespace as string | undefined;
        if (ns && namespaceMapping[ns]) claimRef.namespace = namespaceMapping[ns];
      }
      const annotations = item.metadata?.annotations;
      if (annotations) {
        delete annotations['pv.kubernetes.io/bound-by-controller'];
      }
      return { updatedItem: item };
    },
  };
}

export const persistentVolumeClaimAction: RestoreItemAction = {
  name: 'lifeboat.io/persistent-volume-claim',
  appliesTo: () => ({ includedResources: ['persistentvolumeclaims'] }),
  async execute({ item, backupItem }) {
    const annotations = item.metadata?.annotations;
    if (annotations) for (const a of PVC_ANNOTATIONS_DROPPED) delete annotations[a];
    const spec = (item.spec ?? {}) as { volumeName?: string };
    const volumeName = spec.volumeName;
    if (!volumeName) return { updatedItem: item };
    const pv = await backupItem({ groupResource: 'persistentvolumes', name: volumeName });
    if (!pv || !restoresPersistentVolume(pv)) {
      delete spec.volumeName;
      return { updatedItem: item };
    }
    return { updatedItem: item, additionalItems: [{ groupResource: 'persistentvolumes', name: volumeName }] };
  },
};
