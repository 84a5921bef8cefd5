import type { KubeObject } from '../../kube/types.ts';
import type { BackupItemAction } from '../item-action.ts';
import { SKIP_FROM_BACKUP_ANNOTATION } from '../item-pipeline.ts';
import type { BackupHooks } from './backup-hooks.ts';

/**
 * Runs a pod's pre hooks before the pod is written, as Velero does, so that a pod whose `onError: Fail` pre
 * hook failed is left out of the backup altogether (its object, its related claims and its volume data),
 * while the results already name the pod, the hook and its stderr. The volume session later asks the same
 * `BackupHooks` again and gets the same answer without running the hooks twice.
 */
export function preHookAction(hooks: BackupHooks): BackupItemAction {
  return {
    name: 'lifeboat.io/pod-pre-hooks',
    appliesTo: () => ({ includedResources: ['pods'] }),
    async execute(item: KubeObject) {
      const { proceed } = await hooks.pre(item);
      if (proceed) return { item };
      const metadata = item.metadata ?? {};
      return {
        item: {
          ...item,
          metadata: {
            ...metadata,
            annotations: { ...metadata.annotations, [SKIP_FROM_BACKUP_ANNOTATION]: 'pre-hook-failed' },
          },
        },
      };
    },
  };
}
