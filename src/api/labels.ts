/**
 * Label and annotation keys Lifeboat reads or writes on Kubernetes objects. Velero uses the same names in
 * the `velero.io` domain; Lifeboat uses `lifeboat.io`, so the two can run side by side without touching
 * each other's objects. One place spells each key; every component imports it from here.
 */
export const LABELS = {
  /** On any object or namespace: `true` leaves it out of every backup. */
  excludeFromBackup: 'lifeboat.io/exclude-from-backup',
  /** On a ConfigMap in the server's namespace: it configures a built-in plugin (with the plugin's own label). */
  pluginConfig: 'lifeboat.io/plugin-config',
  /** With `pluginConfig`, value `RestoreItemAction`: the ConfigMap maps old storage class names to new ones. */
  changeStorageClass: 'lifeboat.io/change-storage-class',
  /** On a Backup: `true` is a legal hold; garbage collection and retention never delete it. */
  retain: 'lifeboat.io/retain',
  /** On Backups a Schedule created: the schedule's name. */
  scheduleName: 'lifeboat.io/schedule-name',
  /** On Backups: the BackupStorageLocation holding them. */
  storageLocation: 'lifeboat.io/storage-location',
  /** On objects a backup creates or restores (PodVolumeBackups, restored objects): the backup's name. */
  backupName: 'lifeboat.io/backup-name',
  /** On objects a backup creates: the backup's uid. */
  backupUid: 'lifeboat.io/backup-uid',
  /** On restored objects and objects a restore creates: the restore's name. */
  restoreName: 'lifeboat.io/restore-name',
  /** On objects a restore creates: the restore's uid. */
  restoreUid: 'lifeboat.io/restore-uid',
  /** On PodVolumeBackups and DataUploads: the uid of the PVC whose data they carry. */
  pvcUid: 'lifeboat.io/pvc-uid',
  /** On BackupRepositories: the namespace whose volumes they hold. */
  volumeNamespace: 'lifeboat.io/volume-namespace',
  /** On BackupRepositories: the repository type. */
  repositoryType: 'lifeboat.io/repository-type',
  /** On DataUploads and DataDownloads: the id of the asynchronous operation tracking them. */
  asyncOperationId: 'lifeboat.io/async-operation-id',
  /** On a VolumeSnapshotClass: the class Lifeboat uses for that CSI driver. */
  csiVolumeSnapshotClass: 'lifeboat.io/csi-volumesnapshot-class',
  /**
   * On a claim restored from moved data (its selector) and on the volume the node agent fills for it: the
   * claim binds only to that volume, so no pod sees it empty.
   */
  dynamicPvRestore: 'lifeboat.io/dynamic-pv-restore',
  /** On Backups whose garbage collection failed: why (BSLNotFound, BSLReadOnly, …). */
  gcFailure: 'lifeboat.io/gc-failure',
} as const;

export const ANNOTATIONS = {
  /** On a pod: comma-separated volume names to back up by file system (opt-in). */
  backupVolumes: 'backup.lifeboat.io/backup-volumes',
  /** On a pod: comma-separated volume names never to back up by file system (opt-out). */
  backupVolumesExcludes: 'backup.lifeboat.io/backup-volumes-excludes',
  /** On a PodVolumeBackup: the name of the PVC whose data it carries. */
  pvcName: 'lifeboat.io/pvc-name',
  /** On a restored object: `true`/`false` overrides the Restore's restoreStatus for this object. */
  restoreStatus: 'lifeboat.io/restore-status',
  /** On a Backup that backup sync imported from storage: the location it came from (never run again). */
  syncedFrom: 'lifeboat.io/synced-from',
  /** On a Backup with snapshotMoveData: `true` keeps the CSI snapshot after its data was moved. */
  preserveLocalSnapshot: 'lifeboat.io/preserve-local-snapshot',
  /** On a Backup: the outcomes its webhooks were already told of (each once). */
  notified: 'lifeboat.io/notified',
  /** On a Backup or Restore: overrides the server's pod-volume operation timeout. */
  podVolumeTimeout: 'lifeboat.io/pod-volume-timeout',
} as const;

/**
 * Pod annotations of backup exec hooks, for `pre` or `post`: `<phase>.hook.backup.lifeboat.io/<field>`
 * with field `container`, `command`, `on-error` or `timeout`.
 */
export function backupHookAnnotation(
  phase: 'pre' | 'post',
  field: 'container' | 'command' | 'on-error' | 'timeout',
): string {
  return `${phase}.hook.backup.lifeboat.io/${field}`;
}

/**
 * Pod annotations of restore hooks: init containers (`init.hook.restore.lifeboat.io/container-image`,
 * `…/container-name`, `…/command`, `…/timeout`) and post-restore exec hooks
 * (`post.hook.restore.lifeboat.io/container`, `…/command`, `…/on-error`, `…/exec-timeout`,
 * `…/wait-timeout`, `…/wait-for-ready`).
 */
export function restoreHookAnnotation(
  phase: 'init' | 'post',
  field:
    | 'container-image'
    | 'container-name'
    | 'command'
    | 'timeout'
    | 'container'
    | 'on-error'
    | 'exec-timeout'
    | 'wait-timeout'
    | 'wait-for-ready',
): string {
  return `${phase}.hook.restore.lifeboat.io/${field}`;
}
