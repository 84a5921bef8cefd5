import type { Restore } from '../api/resources/restore.ts';
import type { ResultsCollector } from '../core/results.ts';
import type { KubeObject } from '../kube/types.ts';

/**
 * What the restore engine needs for volume data and restore hooks. The session's shapes match
 * `src/volumes/services.ts` (this layer may not import that one); the server passes `src/volumes`'
 * `RestoreVolumeCoordinator` and the hooks of `src/restore/hooks`. Without `RestoreDeps.volumes` a restore
 * creates API objects only.
 */
export interface RestoreVolumes {
  /** Makes one restore's volume session. */
  session?: (run: RestoreVolumeRun) => RestoreVolumeSession;
  /** Adds a pod's init-container restore hooks (after `restore-wait`); pure. */
  initContainerHooks?: (pod: KubeObject, restore: Restore) => KubeObject;
  /** Makes one restore's post-restore exec hook runner. */
  hooks?: (run: { restore: Restore; results: ResultsCollector; log: RunLogger }) => RestoreHookRunner;
  /** The server's pod-volume timeout; the Restore's `lifeboat.io/pod-volume-timeout` annotation wins. Default 4 h. */
  podVolumeTimeoutMs?: number;
}

export interface RunLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface RestoreHookRunner {
  afterPodCreated(pod: KubeObject): void;
  /**
   * Resolves when every post-restore hook ran; a summary with numeric `hooksAttempted` and `hooksFailed` goes to
   * the Restore's `status.hookStatus`.
   */
  finished(): Promise<unknown>;
}

export interface RestoreVolumeRun {
  restore: Restore;
  results: ResultsCollector;
  log: RunLogger;
  volumeInfos: readonly VolumeInfoEntry[];
  podVolumeBackups: readonly KubeObject[];
}

/** One entry of the backup's volume-info side file (Velero's BackupVolumeInfo). */
export interface VolumeInfoEntry {
  pvcName?: string;
  pvcNamespace?: string;
  pvName?: string;
  backupMethod: '' | 'NativeSnapshot' | 'PodVolumeBackup' | 'CSISnapshot';
  snapshotDataMoved: boolean;
  preserveLocalSnapshot: boolean;
  skipped: boolean;
  skippedReason?: string;
  result?: 'succeeded' | 'failed';
}

export interface RestoreVolumeSession {
  /** Why a PersistentVolume of the backup is not restored (its data comes back another way), if so. */
  persistentVolumeSkipReason?(pv: KubeObject): string | undefined;
  preparePod(pod: KubeObject, sourceNamespace: string): KubeObject;
  podCreated(pod: KubeObject, sourceNamespace: string): void;
  preparePvc(pvc: KubeObject, sourceNamespace: string): Promise<{ pvc: KubeObject; create: KubeObject[] }>;
  finish(options: { timeoutMs: number; signal?: AbortSignal }): Promise<{ podVolumeRestores: KubeObject[] }>;
}

/** Velero's default `--fs-backup-timeout`, used for restores too. */
export const DEFAULT_POD_VOLUME_TIMEOUT_MS = 4 * 3_600_000;
