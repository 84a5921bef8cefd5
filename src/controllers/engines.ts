import type { Logger } from 'pino';
import type { Backup, BackupStatus, Restore, RestoreStatus } from '../api/index.ts';
import type { Clock } from '../core/clock.ts';
import type { DynamicClient, ResourceCatalog } from '../kube/types.ts';
import type { ObjectStore } from '../storage/index.ts';

/**
 * The engines as the Backup and Restore reconcilers call them (the contracts of `src/backup` and
 * `src/restore`). The server passes the real modules in; declaring the shapes here keeps the reconcilers
 * compiling on their own and lets the type checker hold each engine to its contract where the server wires
 * it.
 */

export interface BackupRunDeps {
  catalog: ResourceCatalog;
  client: DynamicClient;
  /** Scoped to the location's bucket and prefix. */
  store: ObjectStore;
  logger: Logger;
  clock: Clock;
  concurrency?: number;
  onProgress?: (progress: { totalItems: number; itemsBackedUp: number }) => void;
  signal?: AbortSignal;
}

export interface BackupEngine {
  validateBackup(
    backup: Backup,
    ctx: { catalog: ResourceCatalog; locationExists: (name: string) => boolean },
  ): string[];
  runBackup(backup: Backup, deps: BackupRunDeps): Promise<{ status: BackupStatus }>;
}

export interface RestoreRunDeps {
  catalog: ResourceCatalog;
  client: DynamicClient;
  store: ObjectStore;
  /** Where change-storage-class and resource-modifier ConfigMaps live. */
  serverNamespace: string;
  logger: Logger;
  clock: Clock;
  concurrency?: number;
  onProgress?: (progress: { totalItems: number; itemsRestored: number }) => void;
  signal?: AbortSignal;
  /** Re-reads discovery (after the engine created CRDs, so their custom resources resolve). */
  discover?: () => Promise<ResourceCatalog>;
}

export interface RestoreEngine {
  validateRestore(restore: Restore, ctx: { catalog: ResourceCatalog }): string[];
  runRestore(restore: Restore, deps: RestoreRunDeps): Promise<{ status: RestoreStatus }>;
}
