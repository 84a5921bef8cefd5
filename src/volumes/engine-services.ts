import type { Logger } from 'pino';
import type { Clock } from '../core/clock.ts';
import type { PodExec } from '../kube/exec.ts';
import type { DynamicClient, ResourceCatalog } from '../kube/types.ts';
import { BackupVolumeCoordinator } from './backup-session.ts';
import { CsiSnapshotter } from './csi/index.ts';
import type { EnsureRepository } from './pod-volume-backups.ts';
import { ensureRepository as ensureBackupRepository } from './repositories/index.ts';
import { RestoreVolumeCoordinator } from './restore-session.ts';
import type {
  BackupVolumeRun,
  BackupVolumeSession,
  CsiRestorePort,
  CsiSnapshotPort,
  RestoreVolumeRun,
  RestoreVolumeSession,
} from './services.ts';

/** What one engine run hands over (the reconcilers' run deps carry these). */
export interface EngineRunDeps {
  client: DynamicClient;
  catalog: ResourceCatalog;
  clock: Clock;
  logger: Logger;
}

/** The server's settings for volume work. */
export interface VolumeServiceOptions {
  /** The server's namespace. */
  namespace: string;
  /** `pods/exec` for backup hooks (`createPodExec(conn)`); without it no backup hooks run. */
  exec?: PodExec;
  /** The server's pod-volume timeout (`--fs-backup-timeout`, default 4 h). */
  podVolumeTimeoutMs?: number;
  restoreHelperImage?: string;
  /** Replaces A's `ensureRepository` (tests). */
  ensureRepository?: EnsureRepository;
  /** Replaces C's `CsiSnapshotter` (tests); `false`: no CSI snapshots. */
  csi?: (CsiSnapshotPort & CsiRestorePort) | false;
  pollIntervalMs?: number;
}

/**
 * The `volumes` dep of `runBackup` (`src/backup`, `BackupDeps.volumes`) for one run: hooks through `exec`,
 * fs-backup through the node agents (PodVolumeBackups, repositories from A's `ensureRepository`), CSI
 * snapshots through C's `CsiSnapshotter` when the cluster serves the snapshot API.
 */
export function backupVolumeServices(
  run: EngineRunDeps,
  options: VolumeServiceOptions,
): {
  exec?: PodExec;
  podVolumeTimeoutMs?: number;
  session: (r: BackupVolumeRun) => BackupVolumeSession;
} {
  const csi = csiFor(run, options);
  return {
    ...(options.exec ? { exec: options.exec } : {}),
    ...(options.podVolumeTimeoutMs ? { podVolumeTimeoutMs: options.podVolumeTimeoutMs } : {}),
    session: (r) =>
      new BackupVolumeCoordinator(
        {
          client: run.client,
          catalog: run.catalog,
          clock: run.clock,
          namespace: options.namespace,
          ensureRepository: options.ensureRepository ?? ensureBackupRepository,
          ...(csi ? { csi } : {}),
          ...(options.pollIntervalMs ? { pollIntervalMs: options.pollIntervalMs } : {}),
        },
        r,
      ),
  };
}

/**
 * The `volumes` dep of `runRestore` (`src/restore`, `RestoreDeps.volumes`) without hooks (the server adds
 * `initContainerHooks` and `hooks` from `src/restore/hooks`, which this layer may not import).
 */
export function restoreVolumeServices(
  run: EngineRunDeps,
  options: VolumeServiceOptions,
): { podVolumeTimeoutMs?: number; session: (r: RestoreVolumeRun) => RestoreVolumeSession } {
  const csi = csiFor(run, options);
  return {
    ...(options.podVolumeTimeoutMs ? { podVolumeTimeoutMs: options.podVolumeTimeoutMs } : {}),
    session: (r) =>
      new RestoreVolumeCoordinator(
        {
          client: run.client,
          catalog: run.catalog,
          clock: run.clock,
          namespace: options.namespace,
          ...(options.restoreHelperImage ? { restoreHelperImage: options.restoreHelperImage } : {}),
          ...(csi ? { csi } : {}),
          ...(options.pollIntervalMs ? { pollIntervalMs: options.pollIntervalMs } : {}),
        },
        r,
      ),
  };
}

/** C's snapshotter, when the cluster serves the snapshot API (else none: claims are skipped, saying why). */
function csiFor(
  run: EngineRunDeps,
  options: VolumeServiceOptions,
): (CsiSnapshotPort & CsiRestorePort) | undefined {
  if (options.csi === false) return undefined;
  if (options.csi) return options.csi;
  try {
    return new CsiSnapshotter({
      client: run.client,
      catalog: run.catalog,
      logger: run.logger,
      clock: run.clock,
      namespace: options.namespace,
    });
  } catch {
    return undefined;
  }
}
