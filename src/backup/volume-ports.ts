import type { Backup } from '../api/resources/backup.ts';
import type { ResultsCollector } from '../core/results.ts';
import type { PodExec } from '../kube/exec.ts';
import type { KubeObject } from '../kube/types.ts';

/**
 * What the backup engine needs for volume data and hooks. The shapes match `src/volumes/services.ts`
 * (this layer may not import that one); the server passes `src/volumes`' `BackupVolumeCoordinator` as the
 * session. Without `BackupDeps.volumes` a backup holds API objects only, every volume recorded as skipped.
 */
export interface BackupVolumes {
  /** Runs backup exec hooks (`BackupHooks`) through `pods/exec`; without it no hooks run. */
  exec?: PodExec;
  /** Makes one backup's volume session. */
  session?: (run: BackupVolumeRun) => BackupVolumeSession;
  /** The server's pod-volume timeout; the Backup's `lifeboat.io/pod-volume-timeout` annotation wins. Default 4 h. */
  podVolumeTimeoutMs?: number;
}

export interface RunLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface BackupHookRunner {
  pre(pod: KubeObject): Promise<{ proceed: boolean }>;
  post(pod: KubeObject): Promise<void>;
}

export interface BackupVolumeRun {
  backup: Backup;
  results: ResultsCollector;
  log: RunLogger;
  hooks?: BackupHookRunner;
  includesClaims?: boolean;
}

/** One entry of the volume-info side file (Velero's BackupVolumeInfo; the fields the engine reads). */
export interface VolumeInfoEntry {
  pvcName?: string;
  pvcNamespace?: string;
  pvName?: string;
  backupMethod: string;
  skipped: boolean;
  skippedReason?: string;
  result?: string;
}

export interface BackupVolumeSession {
  observe(groupResource: string, item: KubeObject): void;
  finish(options: { timeoutMs: number; signal?: AbortSignal }): Promise<{
    volumeInfos: VolumeInfoEntry[];
    podVolumeBackups: KubeObject[];
    csiVolumeSnapshotsAttempted: number;
    csiVolumeSnapshotsCompleted: number;
  }>;
}

/** Velero's default `--fs-backup-timeout`. */
export const DEFAULT_POD_VOLUME_TIMEOUT_MS = 4 * 3_600_000;
