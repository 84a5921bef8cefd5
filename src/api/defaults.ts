/**
 * Values the controllers use when a field is unset. Velero applies these in its controllers, not in its
 * CRDs (a manifest without `ttl` stays without one in the cluster), and Lifeboat does the same: the schemas
 * leave these fields optional, and the server fills them in when it acts, from its own configuration where
 * it has a flag for them and from here otherwise. Durations are Go duration strings as the fields take them.
 */
export const CONTROLLER_DEFAULTS = {
  /** Backup `spec.ttl` when unset or 0 (the server's `--default-backup-ttl`). */
  backupTtl: '720h0m0s',
  /** Backup `spec.csiSnapshotTimeout`. */
  csiSnapshotTimeout: '10m0s',
  /** Backup and Restore `spec.itemOperationTimeout`. */
  itemOperationTimeout: '4h0m0s',
  /** Backup `spec.volumeGroupSnapshotLabelKey`. */
  volumeGroupSnapshotLabelKey: 'lifeboat.io/volume-group',
  /** Backup exec hook `timeout` and restore exec hook `execTimeout`. */
  hookTimeout: '30s',
  /** How long a DownloadRequest's URL stays valid. */
  downloadUrlTtl: '10m0s',
  /** BackupRepository `spec.maintenanceFrequency` (the server's default repository maintenance frequency). */
  repositoryMaintenanceFrequency: '1h0m0s',
  /** BackupStorageLocation `spec.backupSyncPeriod` when unset (0 disables sync). */
  backupSyncPeriod: '1m0s',
  /** BackupStorageLocation `spec.validationFrequency` when unset (0 disables validation). */
  validationFrequency: '1m0s',
  /** BackupStorageLocation `spec.accessMode`. */
  accessMode: 'ReadWrite',
  /** Restore `spec.existingResourcePolicy`. */
  existingResourcePolicy: 'none',
} as const;
