import { LABELS } from '../api/labels.ts';
import type { Restore } from '../api/resources/restore.ts';
import { errorMessage, isLifeboatError, LifeboatError } from '../core/errors.ts';
import { backupKeys, listBackupNames } from '../storage/layout.ts';
import type { ObjectStore } from '../storage/object-store.ts';

/** What the restore needs of the backup's metadata object (`velero-backup.json`). */
export interface BackupRecord {
  name: string;
  phase?: string;
  startTimestamp?: string;
  scheduleName?: string;
}

const RESTORABLE_PHASES = new Set(['Completed', 'PartiallyFailed']);

/** Reads `backups/<name>/velero-backup.json`; `NotFound` when absent (an incomplete backup has none). */
export async function readBackupRecord(store: ObjectStore, name: string): Promise<BackupRecord> {
  let body: Buffer;
  try {
    body = await store.getBuffer(backupKeys(name).metadata);
  } catch (err) {
    if (isLifeboatError(err, 'NotFound'))
      throw new LifeboatError(
        'NotFound',
        `backup ${name} not found in the storage location (or it never completed)`,
        {
          cause: err,
        },
      );
    throw err;
  }
  let parsed: {
    metadata?: { labels?: Record<string, string> };
    status?: { phase?: string; startTimestamp?: string };
  };
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new LifeboatError(
      'Corrupt',
      `backup ${name}: velero-backup.json is not JSON: ${errorMessage(err)}`,
    );
  }
  return {
    name,
    phase: parsed.status?.phase,
    startTimestamp: parsed.status?.startTimestamp,
    scheduleName:
      parsed.metadata?.labels?.[LABELS.scheduleName] ?? parsed.metadata?.labels?.['velero.io/schedule-name'],
  };
}

/**
 * The backup a Restore reads: `spec.backupName`, or the most recent (by start time) Completed backup of
 * `spec.scheduleName` in the location. Throws `NotFound`, or `Invalid` for a backup that cannot be restored.
 */
export async function resolveBackup(restore: Restore, store: ObjectStore): Promise<BackupRecord> {
  const { backupName, scheduleName } = restore.spec;
  if (backupName) {
    const record = await readBackupRecord(store, backupName);
    if (record.phase && !RESTORABLE_PHASES.has(record.phase))
      throw new LifeboatError(
        'Invalid',
        `backup ${backupName} is ${record.phase}; only Completed or PartiallyFailed backups can be restored`,
      );
    return record;
  }
  if (!scheduleName) throw new LifeboatError('Invalid', 'spec.backupName or spec.scheduleName is required');
  let latest: BackupRecord | undefined;
  for (const name of await listBackupNames(store)) {
    const record = await readBackupRecord(store, name).catch(() => undefined);
    if (!record || record.scheduleName !== scheduleName || record.phase !== 'Completed') continue;
    if (!latest || (record.startTimestamp ?? '') > (latest.startTimestamp ?? '')) latest = record;
  }
  if (!latest)
    throw new LifeboatError(
      'NotFound',
      `schedule ${scheduleName} has no Completed backup in the storage location`,
    );
  return latest;
}
