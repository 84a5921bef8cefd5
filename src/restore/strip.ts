import type { KubeObject } from '../kube/types.ts';

/**
 * Removes what the source API server set and the target must set anew (reference velero.md §5.3 step 5):
 * identity, versions, timestamps, owner references (owners get new uids; controllers re-adopt by labels),
 * managed fields (the target's field managers start afresh), and — unless status is restored — status.
 * Returns a new object; the input is not changed.
 */
export function stripServerFields(object: KubeObject, keepStatus: boolean): KubeObject {
  const copy = structuredClone(object);
  const metadata = copy.metadata ?? {};
  for (const field of SERVER_SET_METADATA) delete metadata[field];
  copy.metadata = metadata;
  if (!keepStatus) delete copy.status;
  return copy;
}

export const SERVER_SET_METADATA = [
  'generateName',
  'selfLink',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'ownerReferences',
  'managedFields',
] as const;
