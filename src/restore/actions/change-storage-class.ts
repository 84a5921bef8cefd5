import type { KubeObject } from '../../kube/types.ts';
import type { RestoreItemAction } from '../types.ts';

/**
 * `change-storage-class`: storage class names mapped by the plugin ConfigMap's data (`old: new`) on PVs, PVCs
 * and StatefulSet volume claim templates.
 */
export function changeStorageClassAction(mapping: Readonly<Record<string, string>>): RestoreItemAction {
  const map = (spec: { storageClassName?: string } | undefined): void => {
    const from = spec?.storageClassName;
    if (spec && from !== undefined && mapping[from]) spec.storageClassName = mapping[from];
  };
  return {
    name: 'lifeboat.io/change-storage-class',
    appliesTo: () => ({
      includedResources: ['persistentvolumes', 'persistentvolumeclaims', 'statefulsets.apps'],
    }),
    execute({ item }) {
      if (item.kind === 'StatefulSet') {
        const templates = (item.spec as { volumeClaimTemplates?: KubeObject[] } | undefined)
          ?.volumeClaimTemplates;
        for (const t of templates ?? []) map(t.spec as { storageClassName?: string });
      } else map(item.spec as { storageClassName?: string });
      return { updatedItem: item };
    },
  };
}
