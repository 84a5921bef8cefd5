import type { Backup } from '../api/resources/backup.ts';
import type { Restore } from '../api/resources/restore.ts';
import type { ResultsCollector } from '../core/results.ts';
import type { KubeObject } from '../kube/types.ts';
import type { VolumeInfo } from './volume-info.ts';

/**
 * The volume services the backup and restore engines take as optional deps. With none, the engines back up
 * and restore API objects only (every volume recorded as skipped), as before volumes existed. The server
 * wires the real ones (`src/controllers/engines.ts`).
 */

/** Where a run's hook lines and volume messages go: the backup's or restore's own log, or a pino logger. */
export interface RunLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** H's `BackupHooks`, as the backup engine uses it. */
export interface BackupHookRunner {
  pre(pod: KubeObject): Promise<{ proceed: boolean }>;
  post(pod: KubeObject): Promise<void>;
  status?(): { hooksAttempted?: number; hooksFailed?: number };
}

/** C's `CsiSnapshotter`, as the backup engine uses it. */
export interface CsiSnapshotPort {
  snapshot(backup: Backup, pvc: KubeObject, pv: KubeObject): Promise<VolumeInfo>;
}

/** C's `CsiSnapshotter`, as the restore engine uses it. */
export interface CsiRestorePort {
  restorePvc(
    restore: Restore,
    pvc: KubeObject,
    info: VolumeInfo,
  ): Promise<{ pvc: KubeObject; create: KubeObject[] }>;
}

/** The per-run context a factory gets. */
export interface BackupRunContext {
  backup: Backup;
  results: ResultsCollector;
  logger: RunLogger;
  signal?: AbortSignal;
}

export interface BackupVolumeServices {
  /** The server's namespace: resource-policy ConfigMaps, PodVolumeBackups and repositories live there. */
  namespace: string;
  /** Makes one backup's hook runner (`new BackupHooks({ backup, exec, logger, results, clock })`). */
  hooks?: (run: BackupRunContext) => BackupHookRunner;
  /** File-system backup of pod volumes (`PodVolumeBackupper` from `src/volumes/fs-backup`). */
  podVolumes?: PodVolumeBackupPort;
  /** CSI snapshots (and data movement) of PVCs. */
  csi?: CsiSnapshotPort;
  /** How long all of a backup's volume work may take (server default; the backup's annotation wins). */
  podVolumeTimeoutMs?: number;
}

/** One pod volume to back up by file system. */
export interface PodVolumeRequest {
  pod: KubeObject;
  volume: string;
  /** The PVC the volume mounts, when it mounts one. */
  pvc?: KubeObject;
}

/** Backs up pod volumes by file system: creates PodVolumeBackups and waits for them. */
export interface PodVolumeBackupPort {
  /** Creates one PodVolumeBackup per volume of one pod, waits for all, and answers one entry each. */
  backupPod(run: BackupRunContext, volumes: readonly PodVolumeRequest[]): Promise<PodVolumeOutcome[]>;
}

export interface PodVolumeOutcome {
  info: VolumeInfo;
  /** The finished PodVolumeBackup, as it goes into `<B>-podvolumebackups.json.gz`. */
  podVolumeBackup?: KubeObject;
  /** Why it failed, naming the pod and volume. */
  error?: string;
}

/** The per-run context of a restore. */
export interface RestoreRunContext {
  restore: Restore;
  results: ResultsCollector;
  logger: RunLogger;
  signal?: AbortSignal;
}

/** H's `RestoreHooks`, as the restore engine uses it. */
export interface RestoreHookRunner {
  afterPodCreated(pod: KubeObject): void;
  finished(): Promise<unknown>;
}

export interface RestoreVolumeServices {
  /** The server's namespace: PodVolumeRestores live there. */
  namespace: string;
  /** The image of the `restore-wait` init container. */
  restoreWaitImage?: string;
  /** H's `addInitContainerHooks` (pure). */
  addInitContainerHooks?: (pod: KubeObject, restore: Restore) => KubeObject;
  /** Makes one restore's post-restore hook runner. */
  hooks?: (run: RestoreRunContext) => RestoreHookRunner;
  /** File-system restore of pod volumes (`PodVolumeRestorer` from `src/volumes/fs-restore`). */
  podVolumes?: PodVolumeRestorePort;
  csi?: CsiRestorePort;
  podVolumeTimeoutMs?: number;
}

/** One restored pod's volumes to fill from their PodVolumeBackups. */
export interface PodVolumeRestoreRequest {
  /** The pod as created in the cluster (its uid and namespace are the restored ones). */
  pod: KubeObject;
  /** The finished PodVolumeBackups of this pod's volumes, from the backup. */
  podVolumeBackups: readonly KubeObject[];
  /** The namespace the pod was backed up from. */
  sourceNamespace: string;
}

export interface PodVolumeRestorePort {
  /** Creates the PodVolumeRestores of one pod and waits for them; answers one message per failed volume. */
  restorePod(run: RestoreRunContext, request: PodVolumeRestoreRequest): Promise<{ errors: string[] }>;
}
