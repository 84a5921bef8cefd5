import type { KubeObject } from '../../kube/types.ts';
import type { BackupItemAction, ResourceIdentifier } from '../item-action.ts';

interface PodSpec {
  volumes?: { persistentVolumeClaim?: { claimName?: string } }[];
  priorityClassName?: string;
}

/** Pods bring the PVCs they mount and their PriorityClass (Velero's `velero.io/pod`). */
export const podAction: BackupItemAction = {
  name: 'lifeboat.io/pod',
  appliesTo: () => ({ includedResources: ['pods'] }),
  async execute(item: KubeObject) {
    const spec = (item.spec ?? {}) as PodSpec;
    const namespace = item.metadata?.namespace;
    const additionalItems: ResourceIdentifier[] = [];
    for (const volume of spec.volumes ?? []) {
      const claim = volume.persistentVolumeClaim?.claimName;
      if (claim) additionalItems.push({ groupResource: 'persistentvolumeclaims', namespace, name: claim });
    }
    if (spec.priorityClassName)
      additionalItems.push({
        groupResource: 'priorityclasses.scheduling.k8s.io',
        name: spec.priorityClassName,
      });
    return { item, additionalItems };
  },
};
