import type { Logger } from 'pino';
import type { BackupStatus } from '../api/resources/backup.ts';
import type { Clock } from '../core/clock.ts';
import type { DynamicClient, ResourceCatalog } from '../kube/types.ts';
import type { ObjectStore } from '../storage/object-store.ts';
import type { BackupItemAction } from './item-action.ts';
import type { BackupVolumes } from './volume-ports.ts';

/** Counts reported while a backup runs; `totalItems` grows as lists and actions find more items. */
export interface BackupProgressUpdate {
  totalItems: number;
  itemsBackedUp: number;
}

/** Everything `runBackup` works with; engines receive ports, never concrete backends. */
export interface BackupDeps {
  catalog: ResourceCatalog;
  client: DynamicClient;
  /** The storage location's store, already scoped to its bucket and prefix. */
  store: ObjectStore;
  logger: Logger;
  clock: Clock;
  /** Lists run at once (resources × namespaces × selectors); default 4. */
  concurrency?: number;
  /** Called at most about twice a second while running, and once at the end. */
  onProgress?: (progress: BackupProgressUpdate) => void;
  /** Aborting stops the backup: phase Failed, nothing that looks complete left in storage. */
  signal?: AbortSignal;
  /** Further item actions (plugins), run after the built-in ones. */
  actions?: readonly BackupItemAction[];
  /** List page size (default: the client's, 500). */
  pageSize?: number;
  /** zlib level of the tarball (default `DEFAULT_GZIP_LEVEL`). */
  gzipLevel?: number;
  /** Volume data and hooks; without it only API objects are backed up (every volume recorded as skipped). */
  volumes?: BackupVolumes;
}

export interface BackupOutcome {
  /**
   * The final status: phase `Completed`, `PartiallyFailed` (some items failed; see the results file) or
   * `Failed` (`failureReason` says why; storage holds no metadata for it), with timestamps, expiration,
   * counts, progress and format version; `dryRunSummary` for a dry run.
   */
  status: BackupStatus;
}
