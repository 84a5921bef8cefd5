import type { Backup } from '../api/resources/backup.ts';
import type { Restore } from '../api/resources/restore.ts';
import type { ResultsCollector } from '../core/results.ts';
import type { KubeObject } from '../kube/types.ts';
import type { VolumeInfo } from './volume-info.ts';

/**
 * The volume sessions the backup and restore engines drive, one per run. The engines declare the same shapes
 * in `src/backup/volume-ports.ts` and `src/restore/volume-ports.ts` (they may not import this layer); the
 * server connects the two (`src/controllers/engines.ts`), and the compiler checks they agree. With no session
 * the engines back up and restore API objects only, every volume recorded as skipped.
 */

/** Where a run's volume messages go: the backup's or restore's own log, or a pino logger. */
export interface RunLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** H's `BackupHooks`, as a backup's volume session calls it around each pod. */
export interface BackupHookRunner {
  pre(pod: KubeObject): Promise<{ proceed: boolean }>;
  post(pod: KubeObject): Promise<void>;
}

/** C's `CsiSnapshotter`, as the backup session calls it (one call per claim, all in flight at once). */
export interface CsiSnapshotPort {
  snapshot(backup: Backup, pvc: KubeObject, pv: KubeObject): Promise<VolumeInfo>;
  /** The VolumeSnapshotClass a snapshot of this claim would use; undefined when there is none. */
  classFor?(pvc: KubeObject, pv: KubeObject, backup?: Backup): Promise<string | undefined>;
}

/** C's `CsiSnapshotter`, as the restore session calls it for claims restored from a snapshot. */
export interface CsiRestorePort {
  restorePvc(
    restore: Restore,
    pvc: KubeObject,
    info: VolumeInfo,
  ): Promise<{ pvc: KubeObject; create: KubeObject[] }>;
  /** Waits for the restore's DataDownloads; answers one message per failed one. */
  waitForDataDownloads?(restore: Restore): Promise<{ errors: string[] }>;
}

/** What one backup gives its volume session. */
export interface BackupVolumeRun {
  backup: Backup;
  results: ResultsCollector;
  log: RunLogger;
  /** The backup's hook runner, when hooks are wired: `pre` before a pod's volumes, `post` after. */
  hooks?: BackupHookRunner;
  /** False when the backup excludes persistentvolumeclaims. */
  includesClaims?: boolean;
}

/** One backup's volume work. */
export interface BackupVolumeSession {
  /** Every item written to the tarball: pods start their volume work at once; claims and PVs are noted. */
  observe(groupResource: string, item: KubeObject): void;
  /**
   * Waits for all volume work (snapshots of the claims it decided to snapshot start now), at most
   * `timeoutMs`; failures are in the run's results already. Never rejects.
   */
  finish(options: { timeoutMs: number; signal?: AbortSignal }): Promise<BackupVolumeResult>;
}

export interface BackupVolumeResult {
  /** One entry per volume decision, sorted: the volume-info side file. */
  volumeInfos: VolumeInfo[];
  /** The PodVolumeBackups as they ended: `<B>-podvolumebackups.json.gz`. */
  podVolumeBackups: KubeObject[];
  csiVolumeSnapshotsAttempted: number;
  csiVolumeSnapshotsCompleted: number;
}

/** What one restore gives its volume session. */
export interface RestoreVolumeRun {
  restore: Restore;
  results: ResultsCollector;
  log: RunLogger;
  /** The backup's volume-info entries (empty for backups without the file). */
  volumeInfos: readonly VolumeInfo[];
  /** The backup's PodVolumeBackups (empty for backups without the file). */
  podVolumeBackups: readonly KubeObject[];
}

/** One restore's volume work. */
export interface RestoreVolumeSession {
  /**
   * Why a PersistentVolume of the backup is not restored: its claim's data comes back by file system or from
   * a snapshot into a freshly provisioned volume (reference velero.md §5.4). Undefined: restore it as usual.
   */
  persistentVolumeSkipReason(pv: KubeObject): string | undefined;
  /**
   * The pod to create, given as it will be created (namespace mapped) and the namespace it was backed up
   * from: with a `restore-wait` init container first when some of its volumes have pod volume backups.
   */
  preparePod(pod: KubeObject, sourceNamespace: string): KubeObject;
  /** After the pod was created: starts the PodVolumeRestores of its volumes. */
  podCreated(pod: KubeObject, sourceNamespace: string): void;
  /**
   * A claim about to be created: from a CSI snapshot or data-mover upload when its volume info says so (the
   * objects in `create` go first), else unchanged.
   */
  preparePvc(pvc: KubeObject, sourceNamespace: string): Promise<{ pvc: KubeObject; create: KubeObject[] }>;
  /** Waits for every PodVolumeRestore, at most `timeoutMs`; failures go to the results. Never rejects. */
  finish(options: { timeoutMs: number; signal?: AbortSignal }): Promise<RestoreVolumeResult>;
}

export interface RestoreVolumeResult {
  podVolumeRestores: KubeObject[];
}
