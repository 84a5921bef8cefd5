import type { Logger } from 'pino';
import type { Restore, RestoreStatus } from '../api/resources/restore.ts';
import type { Clock } from '../core/clock.ts';
import type { DynamicClient, KubeObject, ResourceCatalog } from '../kube/types.ts';
import type { ObjectStore } from '../storage/object-store.ts';
import type { RestoreVolumes } from './volume-ports.ts';

/**
 * The shapes the restore engine is programmed against: its dependencies, its outcome, and the
 * RestoreItemAction extension point (Velero's RestoreItemAction v1 shape, reference velero.md §9.2).
 */

/** An object named by its `resource.group`, namespace (undefined when cluster-scoped) and name. */
export interface ResourceIdentifier {
  groupResource: string;
  namespace?: string;
  name: string;
}

/**
 * Which items an action applies to, as Velero's `ResourceSelector`: resource names (plural, kind, short name or
 * `resource.group`; `*` for all), namespace globs, and a label selector in string form.
 */
export interface ResourceSelector {
  includedResources?: readonly string[];
  excludedResources?: readonly string[];
  includedNamespaces?: readonly string[];
  excludedNamespaces?: readonly string[];
  labelSelector?: string;
}

/** What an action sees: the item as the engine has it so far, the pristine item from the backup, the Restore. */
export interface RestoreItemActionInput {
  /** The item after stripping and earlier actions; the action may change and return it. */
  item: KubeObject;
  /** The item exactly as backed up; never change it. */
  itemFromBackup: KubeObject;
  restore: Restore;
  /** The item's namespace in the backup (before mapping); undefined when cluster-scoped. */
  sourceNamespace?: string;
  /** Reads another item of the backup (as backed up), for actions that look at related objects. */
  backupItem(id: ResourceIdentifier): Promise<KubeObject | undefined>;
}

export interface RestoreItemActionOutput {
  /** The item to create (may be the input item, changed in place). */
  updatedItem: KubeObject;
  /** Items of the backup to restore before this one (skipped with a warning when not in the backup). */
  additionalItems?: ResourceIdentifier[];
  /** Do not restore this item at all (it is counted as skipped, with `skipReason` in the plan and log). */
  skipRestore?: boolean;
  skipReason?: string;
}

/**
 * A restore item action: a named transformation of the items it applies to, run after the server-set fields
 * are stripped and before resource modifiers. Actions run in registration order, chained; an action that
 * throws fails that item (an error in the results), not the restore.
 */
export interface RestoreItemAction {
  /** `<domain>/<name>`, e.g. `lifeboat.io/service`. */
  readonly name: string;
  appliesTo(): ResourceSelector;
  execute(input: RestoreItemActionInput): Promise<RestoreItemActionOutput> | RestoreItemActionOutput;
}

/** Progress as the engine reports it (throttled). */
export interface RestoreProgressReport {
  totalItems: number;
  itemsRestored: number;
}

/** Bounds on the untrusted backup tarball. Defaults in `DEFAULT_TARBALL_LIMITS`. */
export interface TarballLimits {
  /** Largest single entry, in bytes. */
  maxEntryBytes: number;
  /** Largest total of entry bytes after decompression (a gzip bomb stops here). */
  maxTotalBytes: number;
  /** Most entries. */
  maxEntries: number;
  /** Entry bytes kept in memory before the rest spills to a temporary file. */
  memoryBytes: number;
}

/** Restore resource priorities: `high` first in order, everything else alphabetically, then `low` in order. */
export interface ResourcePriorities {
  high: readonly string[];
  low: readonly string[];
}
export interface RestoreDeps {
  /** Discovery of the target cluster. */
  catalog: ResourceCatalog;
  client: DynamicClient;
  /** The backup's storage location, already scoped to its bucket and prefix. */
  store: ObjectStore;
  /** The server's namespace: where the change-storage-class and resource-modifier ConfigMaps live. */
  serverNamespace: string;
  logger: Logger;
  clock: Clock;
  /** Items of one tier created at once (default 32). */
  concurrency?: number;
  onProgress?: (progress: RestoreProgressReport) => void;
  /** Minimum time between two onProgress calls (default 1000 ms); the last report always goes out. */
  progressIntervalMs?: number;
  signal?: AbortSignal;
  /** Extra actions, run after the built-in ones. */
  actions?: RestoreItemAction[];
  /** Re-reads discovery; called after CRDs were created so their custom resources resolve. */
  discover?: () => Promise<ResourceCatalog>;
  /** The server's `--restore-resource-priorities`; Velero's defaults (fixed) otherwise. */
  resourcePriorities?: ResourcePriorities;
  /** How long to wait for a restored CRD to be Established (default 60 s). */
  crdEstablishTimeoutMs?: number;
  tarballLimits?: Partial<TarballLimits>;
  /** Where the tarball spills when it exceeds `tarballLimits.memoryBytes` (default os.tmpdir()). */
  tempDir?: string;
  /** Volume data and restore hooks; without it only API objects are restored. */
  volumes?: RestoreVolumes;
}

export interface RestoreOutcome {
  status: RestoreStatus;
}

/** One verdict of a dry run (or of a real restore) on one object. */
export type PlanAction = 'create' | 'update' | 'skip' | 'conflict';

/** One difference between the live object and the one the restore would write, by field path. */
export interface FieldDifference {
  /** `spec.replicas`, `metadata.labels[app]`, `data.key`. */
  path: string;
  /** `changed`: both have it, values differ; `added`: only the backup has it; `removed`: only the live one. */
  change: 'changed' | 'added' | 'removed';
  /** Short renderings of the values (Secret data is never shown). */
  live?: string;
  desired?: string;
}

export interface PlanEntry {
  /** `apps/v1/Deployment`. */
  gvk: string;
  groupResource: string;
  namespace?: string;
  name: string;
  action: PlanAction;
  /** Why a skip (unchanged, completed pod, …) or what a conflict is. */
  reason?: string;
  /** For update and conflict: how the live object differs (a bounded excerpt). */
  diff?: FieldDifference[];
  /** The number of differences when `diff` is an excerpt. */
  diffCount?: number;
}

/** The dry-run plan, uploaded to `restoreKeys(name).dryRunPlan`. */
export interface RestorePlan {
  restoreName: string;
  backupName: string;
  generatedAt: string;
  existingResourcePolicy: 'none' | 'update';
  summary: { create: number; update: number; skip: number; conflict: number };
  /** Items the filters left out (not listed). */
  excluded: number;
  entries: PlanEntry[];
  /** Problems met while planning (per namespace, as in results). */
  warnings: string[];
  errors: string[];
}
