import type { Logger } from 'pino';
import type { Backup } from '../api/resources/backup.ts';
import { errorMessage } from '../core/errors.ts';
import { backupKeys, type ObjectStore, readSideFileList } from '../storage/index.ts';
import type { ForgetRepositorySnapshots } from './csi/deletion.ts';

/** The fields of a stored PodVolumeBackup (the `podvolumebackups.json.gz` side file) deletion reads. */
interface StoredPodVolumeBackup {
  spec?: { backupStorageLocation?: string; pod?: { namespace?: string } };
  status?: { phase?: string; snapshotID?: string };
}

/**
 * A `BeforeDeleteBackup` hook for file-system backups: reads the deleted backup's PodVolumeBackups from its
 * side file (so it works for backups synced from another cluster too, whose PodVolumeBackup objects never
 * existed here) and forgets their snapshots in each volume namespace's repository; `prune` later reclaims
 * the space. A side file that is absent or holds none means there is nothing to forget.
 */
export function podVolumeSnapshotsForgetter(forget: ForgetRepositorySnapshots) {
  return async (input: { backup: Backup; store: ObjectStore; logger: Logger }): Promise<string[]> => {
    const name = input.backup.metadata.name ?? '';
    let stored: StoredPodVolumeBackup[];
    try {
      stored = await readSideFileList<StoredPodVolumeBackup>(input.store, backupKeys(name).podVolumeBackups);
    } catch (err) {
      return [`cannot read the pod volume backups of backup "${name}": ${errorMessage(err)}`];
    }
    const groups = new Map<string, { location: string; volumeNamespace: string; snapshotIDs: string[] }>();
    const fallbackLocation = input.backup.spec.storageLocation ?? '';
    for (const pvb of stored) {
      const id = pvb.status?.snapshotID;
      const volumeNamespace = pvb.spec?.pod?.namespace;
      if (!id || !volumeNamespace) continue;
      const location = pvb.spec?.backupStorageLocation ?? fallbackLocation;
      const key = `${location}\n${volumeNamespace}`;
      const group = groups.get(key) ?? { location, volumeNamespace, snapshotIDs: [] };
      group.snapshotIDs.push(id);
      groups.set(key, group);
    }
    const problems: string[] = [];
    for (const group of groups.values()) {
      try {
        await forget(group);
      } catch (err) {
        problems.push(
          `cannot forget ${group.snapshotIDs.length} file-system snapshots in the repository of namespace ` +
            `${group.volumeNamespace} (location ${group.location}): ${errorMessage(err)}`,
        );
      }
    }
    return problems;
  };
}
