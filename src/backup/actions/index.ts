import type { BackupItemAction } from '../item-action.ts';
import { type CrdSummary, crdAction } from './crd.ts';
import { podAction } from './pod.ts';
import { pvcAction } from './pvc.ts';

export { CRD_RESOURCE, type CrdSummary, crdAction, summarizeCrd } from './crd.ts';
export { podAction } from './pod.ts';
export { pvcAction } from './pvc.ts';

/**
 * The built-in actions for a cluster whose CRDs are `crds`, sorted by name as Velero orders the actions
 * of one binary: `lifeboat.io/crd` (custom resource → its CRD), `lifeboat.io/pod` (pod → PVCs,
 * PriorityClass), `lifeboat.io/pv` (PVC → bound PV).
 */
export function builtinBackupItemActions(crds: readonly CrdSummary[]): BackupItemAction[] {
  const actions = [podAction, pvcAction];
  const crd = crdAction(crds);
  if (crd) actions.push(crd);
  return actions.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
