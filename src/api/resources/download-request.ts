import { z } from 'zod';
import { conditionsField } from '../shared/conditions.ts';
import { timestamp } from '../shared/fields.ts';
import { resourceSchema } from '../shared/resource.ts';

/**
 * DownloadRequest: asks the server for a short-lived URL to one file of a backup or restore (log, contents,
 * results, …), so the CLI can read storage without holding its credentials.
 */

/** Velero's download kinds, then Lifeboat's additions. */
export const DOWNLOAD_TARGET_KINDS = [
  'BackupLog',
  'BackupContents',
  'BackupVolumeSnapshots',
  'BackupItemOperations',
  'BackupResourceList',
  'BackupResults',
  'RestoreLog',
  'RestoreResults',
  'RestoreResourceList',
  'RestoreItemOperations',
  'CSIBackupVolumeSnapshots',
  'CSIBackupVolumeSnapshotContents',
  'BackupVolumeInfos',
  'RestoreVolumeInfo',
  'RestoreDryRunPlan',
] as const;
export type DownloadTargetKind = (typeof DOWNLOAD_TARGET_KINDS)[number];

/** Download kinds Lifeboat adds to Velero's. */
export const LIFEBOAT_DOWNLOAD_TARGET_KINDS: readonly DownloadTargetKind[] = ['RestoreDryRunPlan'];

export const DOWNLOAD_REQUEST_PHASES = ['New', 'Processed'] as const;
export type DownloadRequestPhase = (typeof DOWNLOAD_REQUEST_PHASES)[number];

export const downloadTargetSchema = z.object({
  kind: z
    .enum(DOWNLOAD_TARGET_KINDS)
    .describe(
      'Which file: BackupLog, BackupContents, BackupResults, RestoreLog, … (Lifeboat adds RestoreDryRunPlan).',
    ),
  name: z.string().min(1).describe('The Backup or Restore the file belongs to.'),
});

export const downloadRequestSpecSchema = z.object({
  target: downloadTargetSchema.describe('The file to download.'),
});

export const downloadRequestStatusSchema = z.object({
  phase: z.enum(DOWNLOAD_REQUEST_PHASES).optional().describe('New or Processed.'),
  downloadURL: z.string().optional().describe('The URL to fetch the file from, valid until expiration.'),
  expiration: timestamp().optional().describe('When the URL stops working; the request is deleted after.'),
  conditions: conditionsField(),
});

export const downloadRequestSchema = resourceSchema(
  'DownloadRequest',
  downloadRequestSpecSchema,
  downloadRequestStatusSchema,
  'A request for a short-lived URL to a file of a backup or restore.',
);

export type DownloadTarget = z.infer<typeof downloadTargetSchema>;
export type DownloadRequestSpec = z.infer<typeof downloadRequestSpecSchema>;
export type DownloadRequestStatus = z.infer<typeof downloadRequestStatusSchema>;
export type DownloadRequest = z.infer<typeof downloadRequestSchema>;
export type DownloadRequestInput = z.input<typeof downloadRequestSchema>;
