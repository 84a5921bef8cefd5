import type { KubeObject } from '../../kube/types.ts';
import type { BackupItemAction } from '../item-action.ts';

interface PvcSpec {
  volumeName?: string;
  storageClassName?: string | null;
  selector?: unknown;
  dataSource?: unknown;
  dataSourceRef?: unknown;
}

/**
 * PVCs bring their bound PV (Velero's `velero.io/pv`, which applies to PVCs). The copy written drops
 * `dataSource`/`dataSourceRef` (a restore re-provisions from the backup, not from the original source) and
 * the `selector` unless the claim is statically bound (`storageClassName: ""`), as Velero does.
 */
export const pvcAction: BackupItemAction = {
  name: 'lifeboat.io/pv',
  appliesTo: () => ({ includedResources: ['persistentvolumeclaims'] }),
  async execute(item: KubeObject) {
    const spec = { ...((item.spec ?? {}) as PvcSpec) };
    delete spec.dataSource;
    delete spec.dataSourceRef;
    if (spec.storageClassName !== '') delete spec.selector;
    const updated = { ...item, spec };
    const phase = (item.status as { phase?: string } | undefined)?.phase;
    if (phase !== 'Bound' || !spec.volumeName) return { item: updated };
    return {
      item: updated,
      additionalItems: [{ groupResource: 'persistentvolumes', name: spec.volumeName }],
    };
  },
};
