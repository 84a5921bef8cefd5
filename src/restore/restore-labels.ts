import { createHash } from 'node:crypto';
import { LABELS } from '../api/labels.ts';
import type { KubeObject } from '../kube/types.ts';

/**
 * Label values longer than 63 characters are shortened as Velero does: the first 57 characters and 6 hex
 * digits of the value's SHA-256.
 */
export function labelValue(value: string): string {
  if (value.length <= 63) return value;
  return `${value.slice(0, 57)}${createHash('sha256').update(value).digest('hex').slice(0, 6)}`;
}

/** Adds `lifeboat.io/backup-name` and `lifeboat.io/restore-name`. */
export function addRestoreLabels(object: KubeObject, backupName: string, restoreName: string): void {
  const metadata = object.metadata ?? {};
  object.metadata = metadata;
  metadata.labels = {
    ...(metadata.labels ?? {}),
    [LABELS.backupName]: labelValue(backupName),
    [LABELS.restoreName]: labelValue(restoreName),
  };
}
