/**
 * The backup engine: validates a Backup, lists the cluster's resources (paged, concurrently, filtered as
 * Velero filters), runs item actions that add related items, and streams the items through tar and gzip
 * into the storage location, then the side files and the metadata object last.
 *
 * Callers: the Backup controller (`validateBackup`, then `runBackup` with its ports). See docs/backup.md.
 */
export {
  builtinBackupItemActions,
  CRD_RESOURCE,
  type CrdSummary,
  crdAction,
  podAction,
  pvcAction,
} from './actions/index.ts';
export { DEFAULT_BACKUP_TTL_MS, podVolumeTimeoutOf, runBackup } from './engine.ts';
export { compileGlob, IncludesExcludes, isGlob } from './glob.ts';
export type {
  BackupItemAction,
  BackupItemActionResult,
  ResourceIdentifier,
  ResourceSelector,
} from './item-action.ts';
export { SKIP_FROM_BACKUP_ANNOTATION } from './item-pipeline.ts';
export { PROGRESS_INTERVAL_MS } from './progress.ts';
export { AUTO_EXCLUDED_RESOURCES, buildResourceFilter, type ResourceFilter } from './resource-filter.ts';
export { type BackupVolumeInfo, VOLUME_DATA_SKIPPED_REASON } from './side-files.ts';
export { DEFAULT_GZIP_LEVEL } from './tarball-writer.ts';
export type { BackupDeps, BackupOutcome, BackupProgressUpdate } from './types.ts';
export { type BackupValidationContext, validateBackup } from './validate.ts';
export {
  type BackupHookRunner,
  type BackupVolumeRun,
  type BackupVolumeSession,
  type BackupVolumes,
  DEFAULT_POD_VOLUME_TIMEOUT_MS,
  type VolumeInfoEntry,
} from './volume-ports.ts';
