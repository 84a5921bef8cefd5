import { z } from 'zod';
import { conditionsField } from '../shared/conditions.ts';
import { DATA_MOVEMENT_PHASES, dataMoveProgressSchema, NODE_OS_VALUES } from '../shared/data-movement.ts';
import { count64, goDuration, stringMap, timestamp } from '../shared/fields.ts';
import { resourceSchema } from '../shared/resource.ts';

/**
 * DataUpload: the data of one CSI snapshot to move into the backup storage location's repository, so the
 * backup survives the loss of the cluster and its storage. Any node agent may take it. Velero serves this
 * kind as `velero.io/v2alpha1`; Lifeboat as `lifeboat.io/v1` with the same fields.
 */

export const SNAPSHOT_TYPES = ['CSI'] as const;
export type SnapshotType = (typeof SNAPSHOT_TYPES)[number];

export const csiSnapshotSpecSchema = z.object({
  volumeSnapshot: z.string().describe('The VolumeSnapshot, in the source namespace, whose data is moved.'),
  storageClass: z.string().describe('The storage class of the source PVC.'),
  snapshotClass: z.string().optional().describe('The VolumeSnapshotClass of the snapshot.'),
  driver: z.string().optional().describe('The CSI driver of the volume.'),
});

export const dataUploadSpecSchema = z.object({
  snapshotType: z.enum(SNAPSHOT_TYPES).describe('The kind of snapshot: CSI.'),
  csiSnapshot: csiSnapshotSpecSchema
    .nullable()
    .optional()
    .describe('The CSI snapshot to move, when snapshotType is CSI.'),
  sourcePVC: z.string().describe('The PVC the snapshot was taken of.'),
  datamover: z
    .string()
    .optional()
    .describe('The data mover; empty or `velero` (or `lifeboat`) means built in.'),
  backupStorageLocation: z.string().describe('The BackupStorageLocation to move the data into.'),
  sourceNamespace: z.string().describe('The namespace of the source PVC.'),
  dataMoverConfig: stringMap().nullable().optional().describe('Settings passed to the data mover.'),
  cancel: z.boolean().optional().describe('Set to true to cancel the upload.'),
  operationTimeout: goDuration().describe('How long the upload may take (the backup’s csiSnapshotTimeout).'),
});

export const dataUploadStatusSchema = z.object({
  phase: z.enum(DATA_MOVEMENT_PHASES).optional().describe('Where the upload is in its lifecycle.'),
  path: z.string().optional().describe('The path the data was read from.'),
  snapshotID: z.string().optional().describe('The repository snapshot holding the data.'),
  dataMoverResult: stringMap().nullable().optional().describe('Data-mover-specific results.'),
  message: z.string().optional().describe('Why the upload failed or was cancelled.'),
  startTimestamp: timestamp().optional().describe('When the data transfer started.'),
  completionTimestamp: timestamp().optional().describe('When the upload finished.'),
  progress: dataMoveProgressSchema.optional(),
  incrementalBytes: count64().optional().describe('Bytes that were new to the repository.'),
  node: z.string().optional().describe('The node whose agent moved the data.'),
  nodeOS: z.enum(NODE_OS_VALUES).optional().describe('The operating system of the data’s node.'),
  acceptedByNode: z.string().optional().describe('The node whose agent accepted the upload.'),
  acceptedTimestamp: timestamp().optional().describe('When a node agent accepted the upload.'),
  conditions: conditionsField(),
});

export const dataUploadSchema = resourceSchema(
  'DataUpload',
  dataUploadSpecSchema,
  dataUploadStatusSchema,
  'The move of one CSI snapshot’s data into a backup storage location’s repository.',
);

export type CSISnapshotSpec = z.infer<typeof csiSnapshotSpecSchema>;
export type DataUploadSpec = z.infer<typeof dataUploadSpecSchema>;
export type DataUploadStatus = z.infer<typeof dataUploadStatusSchema>;
export type DataUpload = z.infer<typeof dataUploadSchema>;
export type DataUploadInput = z.input<typeof dataUploadSchema>;
