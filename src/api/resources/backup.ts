import { z } from 'zod';
import { conditionsField } from '../shared/conditions.ts';
import { added, count, goDuration, stringList, stringMap, timestamp } from '../shared/fields.ts';
import { backupHooksSchema } from '../shared/hooks.ts';
import { labelSelectorSchema } from '../shared/label-selector.ts';
import { templateMetadataSchema } from '../shared/metadata.ts';
import { typedLocalObjectReferenceSchema } from '../shared/references.ts';
import { resourceSchema } from '../shared/resource.ts';

/**
 * Backup: a request to capture cluster state (API objects, and volume data when asked) into a backup
 * storage location, and afterwards the record of that capture. Velero's `BackupSpec` and `BackupStatus`
 * field for field, plus Lifeboat's dry run, copies to further locations and conditions.
 */

/** Velero's backup phases, in lifecycle order. */
export const BACKUP_PHASES = [
  'New',
  'Queued',
  'ReadyToStart',
  'FailedValidation',
  'InProgress',
  'WaitingForPluginOperations',
  'WaitingForPluginOperationsPartiallyFailed',
  'Finalizing',
  'FinalizingPartiallyFailed',
  'Completed',
  'PartiallyFailed',
  'Failed',
  'Deleting',
] as const;
export type BackupPhase = (typeof BACKUP_PHASES)[number];

/** Phases in which a backup has finished, successfully or not, and holds no more work. */
export const BACKUP_FINISHED_PHASES: readonly BackupPhase[] = [
  'Completed',
  'PartiallyFailed',
  'Failed',
  'FailedValidation',
];

export const BACKUP_COPY_PHASES = ['New', 'InProgress', 'Completed', 'Failed'] as const;
export type BackupCopyPhase = (typeof BACKUP_COPY_PHASES)[number];

const nullableList = (description: string) => stringList().nullable().optional().describe(description);
const nullableBool = (description: string) => z.boolean().nullable().optional().describe(description);

/** What to back up and how: also the template of a Schedule. */
export const backupSpecSchema = z.object({
  metadata: templateMetadataSchema
    .optional()
    .describe('Labels for Backups created from this spec when it is a Schedule’s template.'),
  includedNamespaces: nullableList(
    'Namespaces to back up (globs `*`, `?`, `[abc]` allowed); empty or `*` means all namespaces.',
  ),
  excludedNamespaces: nullableList('Namespaces (globs allowed) left out of the backup.'),
  includedResources: nullableList(
    'Resources to back up, by plural, kind, short name or `resource.group`; empty means all. ' +
      'An "old" filter: cannot be combined with the scoped resource filters.',
  ),
  excludedResources: nullableList('Resources left out of the backup. An "old" filter.'),
  includedClusterScopedResources: nullableList(
    'Cluster-scoped resources to back up (`*` for all); empty means only those related to included ' +
      'namespaced objects (a PVC’s PV, for example).',
  ),
  excludedClusterScopedResources: nullableList('Cluster-scoped resources left out (`*` for all of them).'),
  includedNamespaceScopedResources: nullableList(
    'Namespace-scoped resources to back up; empty or `*` means all.',
  ),
  excludedNamespaceScopedResources: nullableList(
    'Namespace-scoped resources left out (`*` for all of them).',
  ),
  labelSelector: labelSelectorSchema
    .nullable()
    .optional()
    .describe('Only objects whose labels match are backed up. Cannot be combined with orLabelSelectors.'),
  orLabelSelectors: z
    .array(labelSelectorSchema)
    .nullable()
    .optional()
    .describe(
      'Objects matching any of these selectors are backed up. Cannot be combined with labelSelector.',
    ),
  snapshotVolumes: nullableBool(
    'Whether to snapshot the persistent volumes of included objects; unset means yes.',
  ),
  ttl: goDuration()
    .optional()
    .describe(
      'How long to keep the backup before it is garbage-collected; unset or 0 means the ' +
        'server default (720h0m0s).',
    ),
  volumeGroupSnapshotLabelKey: z
    .string()
    .optional()
    .describe('Label key whose value groups PVCs into one volume group snapshot.'),
  includeClusterResources: nullableBool(
    'Old filter for cluster-scoped objects: true includes them (subject to the resource filters), false ' +
      'excludes them all, unset includes them only when every namespace is backed up.',
  ),
  hooks: backupHooksSchema
    .optional()
    .describe('Commands to run in pods before and after they are backed up.'),
  storageLocation: z
    .string()
    .optional()
    .describe('Name of the BackupStorageLocation to write to; the default location when empty.'),
  volumeSnapshotLocations: stringList()
    .optional()
    .describe('Names of VolumeSnapshotLocations for native volume snapshots, at most one per provider.'),
  defaultVolumesToRestic: nullableBool('Deprecated: use defaultVolumesToFsBackup, which this sets.'),
  defaultVolumesToFsBackup: nullableBool(
    'Back up every pod volume by file-system backup unless the pod opts a volume out; unset means the ' +
      'server default.',
  ),
  orderedResources: stringMap()
    .nullable()
    .optional()
    .describe(
      'Order in which to back up named objects: resource (plural name) → `ns/name,ns/name2` ' +
        '(just `name` for cluster-scoped objects).',
    ),
  csiSnapshotTimeout: goDuration()
    .optional()
    .describe('How long to wait for a CSI snapshot to become ready (10m).'),
  itemOperationTimeout: goDuration()
    .optional()
    .describe('How long asynchronous plugin operations may take (4h).'),
  resourcePolicy: typedLocalObjectReferenceSchema
    .optional()
    .describe('A ConfigMap (`kind: configmap`) holding volume and resource policies for this backup.'),
  snapshotMoveData: nullableBool(
    'Move CSI snapshot data into the backup storage location (data mover); unset means the server default.',
  ),
  datamover: z
    .string()
    .optional()
    .describe('The data mover to use; empty or `velero` (or `lifeboat`) means the built-in one.'),
  uploaderConfig: z
    .object({
      parallelFilesUpload: count()
        .optional()
        .describe('Files uploaded in parallel per volume by file-system backup.'),
    })
    .nullable()
    .optional()
    .describe('Settings for the uploader of file-system backups.'),
  dryRun: added(
    z
      .boolean()
      .optional()
      .describe(
        'Lifeboat: only list what would be backed up; the counts land in status.dryRunSummary and nothing ' +
          'is written to storage.',
      ),
  ),
  copyTo: added(
    stringList()
      .optional()
      .describe(
        'Lifeboat: names of further BackupStorageLocations that receive a copy of the backup once it ' +
          'completes; progress per location is in status.copies.',
      ),
  ),
});

export const backupProgressSchema = z
  .object({
    totalItems: count().optional().describe('Items to back up; may change as related items are found.'),
    itemsBackedUp: count().optional().describe('Items written to the backup so far.'),
  })
  .describe('Progress of the backup, updated while it runs.');

export const hookStatusSchema = z
  .object({
    hooksAttempted: count().optional().describe('Hooks run, successfully or not.'),
    hooksFailed: count().optional().describe('Hooks that failed.'),
  })
  .describe('Counts of hooks run and failed.');

export const backupCopyStatusSchema = z.object({
  location: z.string().describe('The BackupStorageLocation the copy goes to.'),
  phase: z.enum(BACKUP_COPY_PHASES).describe('New, InProgress, Completed or Failed.'),
  startTimestamp: timestamp().optional().describe('When copying began.'),
  completionTimestamp: timestamp().optional().describe('When copying finished.'),
  message: z.string().optional().describe('Why the copy failed, when it did.'),
});

export const backupDryRunSummarySchema = z.object({
  totalItems: count().describe('Items the backup would contain.'),
  resources: z
    .record(z.string(), count())
    .optional()
    .describe('Items per resource (`resource.group`, `pods` for core).'),
  namespaces: z
    .record(z.string(), count())
    .optional()
    .describe('Items per namespace; cluster-scoped items are counted under the empty key.'),
});

export const backupStatusSchema = z.object({
  version: count().optional().describe('Deprecated: the backup format major version (1); see formatVersion.'),
  formatVersion: z.string().optional().describe('The backup format version, for example 1.1.0.'),
  expiration: timestamp().optional().describe('When the backup becomes eligible for garbage collection.'),
  phase: z.enum(BACKUP_PHASES).optional().describe('Where the backup is in its lifecycle.'),
  queuePosition: count().optional().describe('Position in the queue while the phase is Queued.'),
  validationErrors: stringList()
    .nullable()
    .optional()
    .describe('Why the backup failed validation, when its phase is FailedValidation.'),
  startTimestamp: timestamp().optional().describe('When the server started the backup.'),
  completionTimestamp: timestamp().optional().describe('When the backup finished, successfully or not.'),
  volumeSnapshotsAttempted: count().optional().describe('Native volume snapshots attempted.'),
  volumeSnapshotsCompleted: count().optional().describe('Native volume snapshots completed.'),
  failureReason: z.string().optional().describe('The error that made the whole backup fail.'),
  warnings: count().optional().describe('Warnings logged while backing up; details in the backup’s results.'),
  errors: count().optional().describe('Errors logged while backing up; details in the backup’s results.'),
  progress: backupProgressSchema.nullable().optional(),
  csiVolumeSnapshotsAttempted: count().optional().describe('CSI volume snapshots attempted.'),
  csiVolumeSnapshotsCompleted: count().optional().describe('CSI volume snapshots completed.'),
  backupItemOperationsAttempted: count().optional().describe('Asynchronous plugin operations started.'),
  backupItemOperationsCompleted: count().optional().describe('Asynchronous plugin operations completed.'),
  backupItemOperationsFailed: count().optional().describe('Asynchronous plugin operations that failed.'),
  hookStatus: hookStatusSchema.nullable().optional(),
  dryRunSummary: added(
    backupDryRunSummarySchema.optional().describe('Lifeboat: what a dry run found, when spec.dryRun is set.'),
  ),
  copies: added(
    z
      .array(backupCopyStatusSchema)
      .optional()
      .describe('Lifeboat: the state of each copy requested by spec.copyTo.')
      .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['location'] }),
  ),
  conditions: conditionsField(),
});

export const backupSchema = resourceSchema(
  'Backup',
  backupSpecSchema.default(() => ({})),
  backupStatusSchema,
  'A backup of cluster state (API objects and, when asked, volume data) in a backup storage location.',
);

export type BackupSpec = z.infer<typeof backupSpecSchema>;
export type BackupSpecInput = z.input<typeof backupSpecSchema>;
export type BackupStatus = z.infer<typeof backupStatusSchema>;
export type BackupProgress = z.infer<typeof backupProgressSchema>;
export type HookStatus = z.infer<typeof hookStatusSchema>;
export type BackupCopyStatus = z.infer<typeof backupCopyStatusSchema>;
export type BackupDryRunSummary = z.infer<typeof backupDryRunSummarySchema>;
export type Backup = z.infer<typeof backupSchema>;
export type BackupInput = z.input<typeof backupSchema>;
