import { z } from 'zod';
import { conditionsField } from '../shared/conditions.ts';
import { added, count, goDuration, stringList, stringMap, timestamp } from '../shared/fields.ts';
import { restoreHooksSchema } from '../shared/hooks.ts';
import { labelSelectorSchema } from '../shared/label-selector.ts';
import { typedLocalObjectReferenceSchema } from '../shared/references.ts';
import { resourceSchema } from '../shared/resource.ts';
import { hookStatusSchema } from './backup.ts';

/**
 * Restore: a request to recreate objects (and volume data) from a backup, into the same cluster, other
 * namespaces or another cluster, and afterwards the record of it. Velero's `RestoreSpec` and `RestoreStatus`
 * plus Lifeboat's dry run and conditions.
 */

export const RESTORE_PHASES = [
  'New',
  'FailedValidation',
  'InProgress',
  'WaitingForPluginOperations',
  'WaitingForPluginOperationsPartiallyFailed',
  'Finalizing',
  'FinalizingPartiallyFailed',
  'Completed',
  'PartiallyFailed',
  'Failed',
] as const;
export type RestorePhase = (typeof RESTORE_PHASES)[number];

export const RESTORE_FINISHED_PHASES: readonly RestorePhase[] = [
  'Completed',
  'PartiallyFailed',
  'Failed',
  'FailedValidation',
];

export const EXISTING_RESOURCE_POLICIES = ['none', 'update'] as const;
export type ExistingResourcePolicy = (typeof EXISTING_RESOURCE_POLICIES)[number];

/**
 * Resources a restore never recreates (naming one in `includedResources` fails validation): cluster
 * plumbing that belongs to the target cluster, and Lifeboat's (and Velero's) own bookkeeping, which backup
 * sync brings back from storage instead.
 */
export const NON_RESTORABLE_RESOURCES = [
  'nodes',
  'events',
  'events.events.k8s.io',
  'backups.lifeboat.io',
  'restores.lifeboat.io',
  'backuprepositories.lifeboat.io',
  'backups.velero.io',
  'restores.velero.io',
  'resticrepositories.velero.io',
  'backuprepositories.velero.io',
  'csinodes.storage.k8s.io',
  'volumeattachments.storage.k8s.io',
] as const;

const nullableList = (description: string) => stringList().nullable().optional().describe(description);
const nullableBool = (description: string) => z.boolean().nullable().optional().describe(description);

export const restoreStatusSpecSchema = z
  .object({
    includedResources: nullableList('Resources whose status is restored too; empty means none.'),
    excludedResources: nullableList('Resources whose status is never restored.'),
  })
  .describe('Which resources get their status restored as well as their spec.');

export const restoreSpecSchema = z.object({
  backupName: z
    .string()
    .optional()
    .describe('The Backup to restore from. Exactly one of backupName and scheduleName must be set.'),
  scheduleName: z
    .string()
    .optional()
    .describe('Restore from the most recent completed backup of this Schedule.'),
  includedNamespaces: nullableList(
    'Namespaces (as named in the backup; globs allowed) to restore; empty means all.',
  ),
  excludedNamespaces: nullableList('Namespaces (globs allowed) not to restore.'),
  includedResources: nullableList(
    'Resources to restore, by plural, kind, short name or `resource.group`; empty means all.',
  ),
  excludedResources: nullableList('Resources not to restore.'),
  namespaceMapping: stringMap()
    .optional()
    .describe('Source namespace → target namespace; unmapped namespaces keep their names.'),
  labelSelector: labelSelectorSchema
    .nullable()
    .optional()
    .describe('Only objects whose labels match are restored. Cannot be combined with orLabelSelectors.'),
  orLabelSelectors: z
    .array(labelSelectorSchema)
    .nullable()
    .optional()
    .describe('Objects matching any of these selectors are restored. Cannot be combined with labelSelector.'),
  restorePVs: nullableBool(
    'Whether to restore persistent volumes from native snapshots; only an explicit false disables it.',
  ),
  restoreStatus: restoreStatusSpecSchema.nullable().optional(),
  preserveNodePorts: nullableBool('Keep the node ports Services had in the backup.'),
  includeClusterResources: nullableBool(
    'true restores cluster-scoped objects (subject to the resource filters), false none, unset only when ' +
      'every namespace is restored.',
  ),
  hooks: restoreHooksSchema.optional().describe('Init containers and commands for restored pods.'),
  existingResourcePolicy: z
    .enum(EXISTING_RESOURCE_POLICIES)
    .nullable()
    .optional()
    .describe(
      'What to do when an object already exists and differs: none (default) skips it with a warning, ' +
        'update patches it to the backed-up state.',
    ),
  itemOperationTimeout: goDuration()
    .optional()
    .describe('How long asynchronous plugin operations may take (4h).'),
  resourceModifier: typedLocalObjectReferenceSchema
    .nullable()
    .optional()
    .describe(
      'A ConfigMap (`kind: ConfigMap`) of resource modifier rules applied to objects before creation.',
    ),
  uploaderConfig: z
    .object({
      writeSparseFiles: nullableBool('Write files with holes where the backed-up files had them.'),
      parallelFilesDownload: count().optional().describe('Files restored in parallel per volume.'),
    })
    .nullable()
    .optional()
    .describe('Settings for restoring file-system backups.'),
  dryRun: added(
    z
      .boolean()
      .optional()
      .describe(
        'Lifeboat: compare the backup with the live cluster and report, per object, create / update / ' +
          'skip / conflict, without changing anything. Counts land in status.dryRunSummary; the per-object ' +
          'plan is downloadable (DownloadRequest kind RestoreDryRunPlan).',
      ),
  ),
});

export const restoreProgressSchema = z
  .object({
    totalItems: count().optional().describe('Items to restore.'),
    itemsRestored: count().optional().describe('Items restored so far.'),
  })
  .describe('Progress of the restore, updated while it runs.');

export const restoreDryRunSummarySchema = z.object({
  create: count().describe('Objects that do not exist and would be created.'),
  update: count().describe(
    'Objects that exist, differ, and would be updated (existingResourcePolicy update).',
  ),
  skip: count().describe('Objects that exist unchanged, or are filtered out, and would be left alone.'),
  conflict: count().describe('Objects that exist and differ and would be skipped with a warning.'),
});

export const restoreStatusSchema = z.object({
  phase: z.enum(RESTORE_PHASES).optional().describe('Where the restore is in its lifecycle.'),
  validationErrors: stringList()
    .nullable()
    .optional()
    .describe('Why the restore failed validation, when its phase is FailedValidation.'),
  warnings: count().optional().describe('Warnings logged while restoring; details in the restore’s results.'),
  errors: count().optional().describe('Errors logged while restoring; details in the restore’s results.'),
  failureReason: z.string().optional().describe('The error that made the whole restore fail.'),
  startTimestamp: timestamp().optional().describe('When the server started the restore.'),
  completionTimestamp: timestamp().optional().describe('When the restore finished, successfully or not.'),
  progress: restoreProgressSchema.nullable().optional(),
  restoreItemOperationsAttempted: count().optional().describe('Asynchronous plugin operations started.'),
  restoreItemOperationsCompleted: count().optional().describe('Asynchronous plugin operations completed.'),
  restoreItemOperationsFailed: count().optional().describe('Asynchronous plugin operations that failed.'),
  hookStatus: hookStatusSchema.nullable().optional(),
  dryRunSummary: added(
    restoreDryRunSummarySchema
      .optional()
      .describe('Lifeboat: what a dry run found, when spec.dryRun is set.'),
  ),
  conditions: conditionsField(),
});

export const restoreSchema = resourceSchema(
  'Restore',
  restoreSpecSchema.default(() => ({})),
  restoreStatusSchema,
  'A restore of objects and volume data from a backup into this cluster.',
);

export type RestoreSpec = z.infer<typeof restoreSpecSchema>;
export type RestoreSpecInput = z.input<typeof restoreSpecSchema>;
export type RestoreStatus = z.infer<typeof restoreStatusSchema>;
export type RestoreProgress = z.infer<typeof restoreProgressSchema>;
export type RestoreDryRunSummary = z.infer<typeof restoreDryRunSummarySchema>;
export type Restore = z.infer<typeof restoreSchema>;
export type RestoreInput = z.input<typeof restoreSchema>;
