import type { KubeObject } from '../kube/types.ts';

/**
 * Removes what the source API server set and the target must set anew (reference velero.md §5.3 step 5):
 * identity, versions, timestamps, owner references (owners get new uids; controllers re-adopt by labels),
 * managed fields (the target's field managers start afresh), and — unless status is restored — status.
 * Returns a new object whose top level and metadata are copies (the input keeps every field); deeper parts are
 * shared with the input, which is freshly parsed from the tarball for each item and only read afterwards. A
 * deep copy here cost more CPU per item than the rest of the preparation together.
 */
export function stripServerFields(object: KubeObject, keepStatus: boolean): KubeObject {
  const copy: KubeObject = { ...object };
  const metadata = { ...(object.metadata ?? {}) };
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
