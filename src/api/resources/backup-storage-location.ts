import { z } from 'zod';
import { conditionsField } from '../shared/conditions.ts';
import { goDuration, stringMap, timestamp } from '../shared/fields.ts';
import { secretKeySelectorSchema } from '../shared/references.ts';
import { resourceSchema } from '../shared/resource.ts';

/**
 * BackupStorageLocation: a bucket (and prefix) in object storage where backups, restore results and volume
 * repositories live, in Velero's layout, with the provider that reaches it.
 */

export const BACKUP_STORAGE_LOCATION_PHASES = ['Available', 'Unavailable'] as const;
export type BackupStorageLocationPhase = (typeof BACKUP_STORAGE_LOCATION_PHASES)[number];

export const ACCESS_MODES = ['ReadWrite', 'ReadOnly'] as const;
export type AccessMode = (typeof ACCESS_MODES)[number];

export const objectStorageLocationSchema = z
  .object({
    bucket: z.string().min(1).describe('The bucket (for `fs`, the directory) holding the backups.'),
    prefix: z.string().optional().describe('A path inside the bucket under which everything is stored.'),
    caCert: z
      .base64()
      .optional()
      .describe('Deprecated: a base64 CA bundle for TLS to the storage service; use caCertRef.'),
    caCertRef: secretKeySelectorSchema
      .optional()
      .describe('A Secret key holding the CA bundle for TLS to the storage service.'),
  })
  .describe('Where in object storage the location is.');

export const backupStorageLocationSpecSchema = z.object({
  provider: z
    .string()
    .min(1)
    .describe('The object store provider: `fs`, `aws` (any S3-compatible service) or `azure`.'),
  config: stringMap()
    .optional()
    .describe('Provider settings, for example `region`, `s3Url`, `s3ForcePathStyle` for aws.'),
  credential: secretKeySelectorSchema
    .optional()
    .describe('A Secret key holding this location’s credentials file; the server’s own otherwise.'),
  objectStorage: objectStorageLocationSchema,
  default: z.boolean().optional().describe('Whether this is the location backups use when they name none.'),
  accessMode: z
    .enum(ACCESS_MODES)
    .optional()
    .describe(
      'ReadWrite (default), or ReadOnly: backups are read and synced but nothing is written or deleted.',
    ),
  backupSyncPeriod: goDuration()
    .nullable()
    .optional()
    .describe('How often backups in storage are synced into the cluster; 0 disables sync.'),
  validationFrequency: goDuration()
    .nullable()
    .optional()
    .describe('How often the location’s availability is checked; 0 disables the check.'),
});

export const backupStorageLocationStatusSchema = z.object({
  phase: z.enum(BACKUP_STORAGE_LOCATION_PHASES).optional().describe('Available or Unavailable.'),
  lastSyncedTime: timestamp().optional().describe('When backups were last synced from this location.'),
  lastValidationTime: timestamp().optional().describe('When the location was last checked.'),
  message: z.string().optional().describe('Why the location is Unavailable, when it is.'),
  lastSyncedRevision: z.string().optional().describe('Deprecated: unused, kept for compatibility.'),
  accessMode: z.enum(ACCESS_MODES).optional().describe('Deprecated: see spec.accessMode.'),
  conditions: conditionsField(),
});

export const backupStorageLocationSchema = resourceSchema(
  'BackupStorageLocation',
  backupStorageLocationSpecSchema,
  backupStorageLocationStatusSchema,
  'A bucket and prefix in object storage that holds backups, restore results and volume repositories.',
);

export type ObjectStorageLocation = z.infer<typeof objectStorageLocationSchema>;
export type BackupStorageLocationSpec = z.infer<typeof backupStorageLocationSpecSchema>;
export type BackupStorageLocationStatus = z.infer<typeof backupStorageLocationStatusSchema>;
export type BackupStorageLocation = z.infer<typeof backupStorageLocationSchema>;
export type BackupStorageLocationInput = z.input<typeof backupStorageLocationSchema>;
