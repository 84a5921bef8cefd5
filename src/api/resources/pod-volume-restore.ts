import { z } from 'zod';
import { conditionsField } from '../shared/conditions.ts';
import { DATA_MOVEMENT_PHASES, dataMoveProgressSchema, UPLOADER_TYPES } from '../shared/data-movement.ts';
import { count64, stringMap, timestamp } from '../shared/fields.ts';
import { objectReferenceSchema } from '../shared/references.ts';
import { resourceSchema } from '../shared/resource.ts';

/**
 * PodVolumeRestore: one volume of one restored pod to fill from a repository snapshot, handled by the node
 * agent on the node the pod was scheduled to, while the pod waits in its restore-wait init container.
 */

export const podVolumeRestoreSpecSchema = z.object({
  pod: objectReferenceSchema.describe('The restored pod whose volume is filled.'),
  volume: z.string().describe('The name of the volume in the pod’s spec.'),
  backupStorageLocation: z.string().describe('The BackupStorageLocation holding the repository.'),
  repoIdentifier: z.string().describe('The repository’s identifier.'),
  uploaderType: z.enum(UPLOADER_TYPES).optional().describe('The uploader that wrote the data.'),
  snapshotID: z.string().describe('The repository snapshot to restore.'),
  sourceNamespace: z.string().describe('The namespace the volume was backed up from (its repository).'),
  uploaderSettings: stringMap().nullable().optional().describe('Settings passed to the uploader.'),
  cancel: z.boolean().optional().describe('Set to true to cancel the restore of this volume.'),
  snapshotSize: count64().optional().describe('Size of the snapshot’s data in bytes, when known.'),
});

export const podVolumeRestoreStatusSchema = z.object({
  phase: z.enum(DATA_MOVEMENT_PHASES).optional().describe('Where the request is in its lifecycle.'),
  message: z.string().optional().describe('Why the request failed or was cancelled.'),
  startTimestamp: timestamp().optional().describe('When the data transfer started.'),
  completionTimestamp: timestamp().optional().describe('When the request finished.'),
  progress: dataMoveProgressSchema.optional(),
  acceptedTimestamp: timestamp().optional().describe('When the node agent accepted the request.'),
  node: z.string().optional().describe('The node whose agent handles the request.'),
  conditions: conditionsField(),
});

export const podVolumeRestoreSchema = resourceSchema(
  'PodVolumeRestore',
  podVolumeRestoreSpecSchema,
  podVolumeRestoreStatusSchema,
  'A file-system restore of one pod volume, carried out by the node agent on the pod’s node.',
);

export type PodVolumeRestoreSpec = z.infer<typeof podVolumeRestoreSpecSchema>;
export type PodVolumeRestoreStatus = z.infer<typeof podVolumeRestoreStatusSchema>;
export type PodVolumeRestore = z.infer<typeof podVolumeRestoreSchema>;
export type PodVolumeRestoreInput = z.input<typeof podVolumeRestoreSchema>;
