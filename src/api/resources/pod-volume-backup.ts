import { z } from 'zod';
import { conditionsField } from '../shared/conditions.ts';
import { DATA_MOVEMENT_PHASES, dataMoveProgressSchema, UPLOADER_TYPES } from '../shared/data-movement.ts';
import { count64, stringMap, timestamp } from '../shared/fields.ts';
import { objectReferenceSchema } from '../shared/references.ts';
import { resourceSchema } from '../shared/resource.ts';

/**
 * PodVolumeBackup: one volume of one pod to back up by file system, handled by the node agent on the pod's
 * node, which writes it into the namespace's repository in the backup storage location.
 */

export const podVolumeBackupSpecSchema = z.object({
  node: z.string().describe('The node the pod runs on; only that node’s agent handles the request.'),
  pod: objectReferenceSchema.describe('The pod whose volume is backed up.'),
  volume: z.string().describe('The name of the volume in the pod’s spec.'),
  backupStorageLocation: z.string().describe('The BackupStorageLocation holding the repository.'),
  repoIdentifier: z
    .string()
    .describe('The repository’s identifier (its URL for restic-format repositories).'),
  uploaderType: z
    .enum(UPLOADER_TYPES)
    .optional()
    .describe('The uploader writing the data: `restic` for Lifeboat.'),
  tags: stringMap()
    .optional()
    .describe(
      'Tags recorded on the repository snapshot (backup, backup-uid, pod, pod-uid, ns, volume, pvc-uid).',
    ),
  uploaderSettings: stringMap().nullable().optional().describe('Settings passed to the uploader.'),
  cancel: z.boolean().optional().describe('Set to true to cancel the backup of this volume.'),
});

export const podVolumeBackupStatusSchema = z.object({
  phase: z.enum(DATA_MOVEMENT_PHASES).optional().describe('Where the request is in its lifecycle.'),
  path: z.string().optional().describe('The volume’s path on the node that was backed up.'),
  snapshotID: z.string().optional().describe('The repository snapshot holding the volume’s data.'),
  message: z.string().optional().describe('Why the request failed or was cancelled.'),
  startTimestamp: timestamp().optional().describe('When the data transfer started.'),
  completionTimestamp: timestamp().optional().describe('When the request finished.'),
  progress: dataMoveProgressSchema.optional(),
  incrementalBytes: count64().optional().describe('Bytes that were new to the repository.'),
  acceptedTimestamp: timestamp().optional().describe('When the node agent accepted the request.'),
  conditions: conditionsField(),
});

export const podVolumeBackupSchema = resourceSchema(
  'PodVolumeBackup',
  podVolumeBackupSpecSchema,
  podVolumeBackupStatusSchema,
  'A file-system backup of one pod volume, carried out by the node agent on the pod’s node.',
);

export type PodVolumeBackupSpec = z.infer<typeof podVolumeBackupSpecSchema>;
export type PodVolumeBackupStatus = z.infer<typeof podVolumeBackupStatusSchema>;
export type PodVolumeBackup = z.infer<typeof podVolumeBackupSchema>;
export type PodVolumeBackupInput = z.input<typeof podVolumeBackupSchema>;
