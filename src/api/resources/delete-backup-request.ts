import { z } from 'zod';
import { conditionsField } from '../shared/conditions.ts';
import { stringList } from '../shared/fields.ts';
import { resourceSchema } from '../shared/resource.ts';

/**
 * DeleteBackupRequest: asks the server to delete a backup with everything it holds in storage (objects,
 * volume snapshots, repository snapshots), then the Backup object itself.
 */

export const DELETE_BACKUP_REQUEST_PHASES = ['New', 'InProgress', 'Processed'] as const;
export type DeleteBackupRequestPhase = (typeof DELETE_BACKUP_REQUEST_PHASES)[number];

export const deleteBackupRequestSpecSchema = z.object({
  backupName: z.string().min(1).describe('The Backup to delete.'),
});

export const deleteBackupRequestStatusSchema = z.object({
  phase: z.enum(DELETE_BACKUP_REQUEST_PHASES).optional().describe('New, InProgress or Processed.'),
  errors: stringList().nullable().optional().describe('What went wrong, when the deletion was incomplete.'),
  conditions: conditionsField(),
});

export const deleteBackupRequestSchema = resourceSchema(
  'DeleteBackupRequest',
  deleteBackupRequestSpecSchema,
  deleteBackupRequestStatusSchema,
  'A request to delete a backup and all the data it holds.',
);

export type DeleteBackupRequestSpec = z.infer<typeof deleteBackupRequestSpecSchema>;
export type DeleteBackupRequestStatus = z.infer<typeof deleteBackupRequestStatusSchema>;
export type DeleteBackupRequest = z.infer<typeof deleteBackupRequestSchema>;
export type DeleteBackupRequestInput = z.input<typeof deleteBackupRequestSchema>;
