import { z } from 'zod';
import { conditionsField } from '../shared/conditions.ts';
import { DATA_MOVEMENT_PHASES, dataMoveProgressSchema, NODE_OS_VALUES } from '../shared/data-movement.ts';
import { count64, goDuration, stringMap, timestamp } from '../shared/fields.ts';
import { resourceSchema } from '../shared/resource.ts';

/**
 * DataDownload: the data of one moved snapshot to write from the repository into a fresh volume, which is
 * then bound to the restored PVC. Velero serves this kind as `velero.io/v2alpha1`; Lifeboat as
 * `lifeboat.io/v1` with the same fields.
 */

export const targetVolumeSpecSchema = z.object({
  pvc: z.string().describe('The restored PVC the data is for.'),
  pv: z.string().describe('The PV to bind to the PVC, when already known.'),
  namespace: z.string().describe('The namespace of the restored PVC.'),
});

export const dataDownloadSpecSchema = z.object({
  targetVolume: targetVolumeSpecSchema.describe('The volume the data is written into.'),
  backupStorageLocation: z.string().describe('The BackupStorageLocation holding the repository.'),
  datamover: z
    .string()
    .optional()
    .describe('The data mover; empty or `velero` (or `lifeboat`) means built in.'),
  snapshotID: z.string().describe('The repository snapshot to restore.'),
  sourceNamespace: z.string().describe('The namespace the data was backed up from (its repository).'),
  dataMoverConfig: stringMap().optional().describe('Settings passed to the data mover.'),
  cancel: z.boolean().optional().describe('Set to true to cancel the download.'),
  operationTimeout: goDuration().describe('How long the download may take.'),
  nodeOS: z.enum(NODE_OS_VALUES).optional().describe('The operating system of the node to run on.'),
  snapshotSize: count64().optional().describe('Size of the snapshot’s data in bytes, when known.'),
});

export const dataDownloadStatusSchema = z.object({
  phase: z.enum(DATA_MOVEMENT_PHASES).optional().describe('Where the download is in its lifecycle.'),
  message: z.string().optional().describe('Why the download failed or was cancelled.'),
  startTimestamp: timestamp().optional().describe('When the data transfer started.'),
  completionTimestamp: timestamp().optional().describe('When the download finished.'),
  progress: dataMoveProgressSchema.optional(),
  node: z.string().optional().describe('The node whose agent wrote the data.'),
  acceptedByNode: z.string().optional().describe('The node whose agent accepted the download.'),
  acceptedTimestamp: timestamp().optional().describe('When a node agent accepted the download.'),
  conditions: conditionsField(),
});

export const dataDownloadSchema = resourceSchema(
  'DataDownload',
  dataDownloadSpecSchema,
  dataDownloadStatusSchema,
  'The restore of one moved snapshot’s data from a repository into a new volume.',
);

export type TargetVolumeSpec = z.infer<typeof targetVolumeSpecSchema>;
export type DataDownloadSpec = z.infer<typeof dataDownloadSpecSchema>;
export type DataDownloadStatus = z.infer<typeof dataDownloadStatusSchema>;
export type DataDownload = z.infer<typeof dataDownloadSchema>;
export type DataDownloadInput = z.input<typeof dataDownloadSchema>;
