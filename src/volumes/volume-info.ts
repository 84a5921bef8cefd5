/**
 * One entry of a backup's volume-info side file (`<B>-volumeinfo.json.gz`): Velero's `BackupVolumeInfo`,
 * field for field, so the file reads the same in both tools. Every volume a backup meets gets one entry,
 * whether its data was taken (by file system, CSI snapshot, data movement) or skipped, with the reason.
 */
export interface VolumeInfo {
  pvcName?: string;
  pvcNamespace?: string;
  pvName?: string;
  backupMethod: VolumeBackupMethod;
  snapshotDataMoved: boolean;
  preserveLocalSnapshot: boolean;
  skipped: boolean;
  skippedReason?: string;
  /** RFC 3339. */
  startTimestamp?: string;
  /** RFC 3339. */
  completionTimestamp?: string;
  result?: VolumeResult;
  csiSnapshotInfo?: CsiSnapshotInfo;
  snapshotDataMovementInfo?: SnapshotDataMovementInfo;
  nativeSnapshotInfo?: NativeSnapshotInfo;
  pvbInfo?: PodVolumeInfo;
  pvInfo?: PvInfo;
}

export const VOLUME_BACKUP_METHODS = ['', 'NativeSnapshot', 'PodVolumeBackup', 'CSISnapshot'] as const;
/** `''` when the volume was skipped. */
export type VolumeBackupMethod = (typeof VOLUME_BACKUP_METHODS)[number];

export type VolumeResult = 'succeeded' | 'failed';

export interface CsiSnapshotInfo {
  snapshotHandle?: string;
  /** Bytes. */
  size?: number;
  driver?: string;
  /** The VolumeSnapshotContent's name. */
  vscName?: string;
  operationID?: string;
  volumeGroupSnapshotHandle?: string;
}

export interface SnapshotDataMovementInfo {
  dataMover?: string;
  uploaderType?: string;
  retainedSnapshot?: string;
  /** The repository snapshot ID the DataUpload produced. */
  snapshotHandle?: string;
  operationID?: string;
  size?: number;
  incrementalSize?: number;
  phase?: string;
}

export interface NativeSnapshotInfo {
  snapshotHandle?: string;
  volumeType?: string;
  volumeAZ?: string;
  iops?: string;
}

/** What a PodVolumeBackup produced. */
export interface PodVolumeInfo {
  /** The repository snapshot ID. */
  snapshotHandle?: string;
  size?: number;
  incrementalSize?: number;
  uploaderType?: string;
  volumeName: string;
  podName: string;
  podNamespace: string;
  nodeName?: string;
}

export interface PvInfo {
  reclaimPolicy?: string;
  labels?: Record<string, string>;
}

/** The fields every skipped entry shares. */
export function skippedVolume(
  reason: string,
): Pick<
  VolumeInfo,
  'backupMethod' | 'snapshotDataMoved' | 'preserveLocalSnapshot' | 'skipped' | 'skippedReason'
> {
  return {
    backupMethod: '',
    snapshotDataMoved: false,
    preserveLocalSnapshot: false,
    skipped: true,
    skippedReason: reason,
  };
}

/** A name that identifies the entry in messages: `ns/pvc`, else the PV, else the pod volume. */
export function describeVolume(info: VolumeInfo): string {
  if (info.pvcName) return `${info.pvcNamespace ?? ''}/${info.pvcName}`;
  if (info.pvName) return info.pvName;
  if (info.pvbInfo)
    return `${info.pvbInfo.podNamespace}/${info.pvbInfo.podName} volume ${info.pvbInfo.volumeName}`;
  return '(unnamed volume)';
}

/**
 * Entries sorted as the side file holds them: by PVC namespace and name, then PV name, then pod volume; so
 * the file is stable whatever order concurrent work finished in.
 */
export function sortVolumeInfos(infos: readonly VolumeInfo[]): VolumeInfo[] {
  const key = (i: VolumeInfo) =>
    [
      i.pvcNamespace ?? '',
      i.pvcName ?? '',
      i.pvName ?? '',
      i.pvbInfo?.podNamespace ?? '',
      i.pvbInfo?.podName ?? '',
      i.pvbInfo?.volumeName ?? '',
    ].join('\u0000');
  return [...infos].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
}

/** Volume infos keyed by PVC (`ns/name`), for the restore: which claims come back from a snapshot. */
export function volumeInfosByClaim(infos: readonly VolumeInfo[]): Map<string, VolumeInfo> {
  const out = new Map<string, VolumeInfo>();
  for (const info of infos) if (info.pvcName) out.set(`${info.pvcNamespace ?? ''}/${info.pvcName}`, info);
  return out;
}

/** Whether a restore brings this claim's data back from a CSI snapshot or a data-mover upload. */
export function restoresFromSnapshot(info: VolumeInfo): boolean {
  return !info.skipped && info.backupMethod === 'CSISnapshot' && info.result !== 'failed';
}
