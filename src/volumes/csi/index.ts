/**
 * CSI snapshots for backups and restores (see docs/csi-snapshots.md): `CsiSnapshotter` takes a backup's
 * PVC snapshots concurrently, moves their data through DataUploads when asked, restores claims from
 * pre-provisioned snapshots or DataDownloads, and removes a deleted backup's snapshots.
 */
export { type DeleteBackupInput, deleteBackupSnapshots, type ForgetRepositorySnapshots } from './deletion.ts';
export { ConcurrencyLimiter } from './limiter.ts';
export { ListPoller, type Verdict } from './list-poller.ts';
export { type CsiResources, csiResources, SNAPSHOT_API_VERSION, SNAPSHOT_GROUP } from './resources.ts';
export { chooseSnapshotClass, csiDriverOf } from './snapshot-class.ts';
export {
  CsiSnapshotter,
  type CsiSnapshotterDeps,
  PRESERVE_LOCAL_SNAPSHOT_ANNOTATION,
} from './snapshotter.ts';
