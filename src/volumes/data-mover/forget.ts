import { forget } from '../../repository/maintenance/index.ts';
import type { ForgetRepositorySnapshots } from '../csi/deletion.ts';
import { openRepositoryFor, type RepositoryAccess } from '../repositories/index.ts';

/**
 * Forgets a deleted backup's moved-data snapshots in the repository of their source namespace (opened with
 * the installation's password), under restic's exclusive lock. Ids no longer in the repository are passed
 * over, so a deletion retried after a partial failure finishes. The data stays until the repository's
 * scheduled prune.
 */
export function repositoryForgetter(access: RepositoryAccess): ForgetRepositorySnapshots {
  return async ({ location, volumeNamespace, snapshotIDs }) => {
    const repo = await openRepositoryFor(access, location, volumeNamespace);
    const present = new Set((await repo.listSnapshots()).map((s) => s.id));
    const ids = snapshotIDs.filter((id) => present.has(id));
    if (ids.length === 0) return;
    await forget(repo, { snapshotIds: ids });
    access.logger.info({ location, volumeNamespace, snapshots: ids.length }, 'forgot moved-data snapshots');
  };
}
