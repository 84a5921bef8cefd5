import { z } from 'zod';
import { conditionsField } from '../shared/conditions.ts';
import { goDuration, stringMap, timestamp } from '../shared/fields.ts';
import { resourceSchema } from '../shared/resource.ts';

/**
 * BackupRepository: the volume-data repository of one source namespace in one backup storage location
 * (`restic/<namespace>/` in Lifeboat, restic-format), initialised on first use and maintained on a schedule.
 */

export const BACKUP_REPOSITORY_PHASES = ['New', 'Ready', 'NotReady'] as const;
export type BackupRepositoryPhase = (typeof BACKUP_REPOSITORY_PHASES)[number];

export const REPOSITORY_TYPES = ['kopia', 'restic', ''] as const;
export type RepositoryType = (typeof REPOSITORY_TYPES)[number];

export const MAINTENANCE_RESULTS = ['Succeeded', 'Failed'] as const;
export type MaintenanceResult = (typeof MAINTENANCE_RESULTS)[number];

export const backupRepositorySpecSchema = z.object({
  volumeNamespace: z.string().describe('The namespace whose volumes the repository holds.'),
  backupStorageLocation: z.string().describe('The BackupStorageLocation the repository is in.'),
  repositoryType: z
    .enum(REPOSITORY_TYPES)
    .optional()
    .describe('The repository format: `restic` for Lifeboat’s repositories (`kopia` is Velero’s).'),
  resticIdentifier: z.string().optional().describe('The repository’s URL for restic-format repositories.'),
  maintenanceFrequency: goDuration().describe(
    'How often to run maintenance (check, prune) on the repository.',
  ),
  repositoryConfig: stringMap()
    .nullable()
    .optional()
    .describe('Repository settings, for example cache limits.'),
});

export const maintenanceStatusSchema = z.object({
  result: z.enum(MAINTENANCE_RESULTS).optional().describe('Succeeded or Failed.'),
  startTimestamp: timestamp().optional().describe('When the maintenance run started.'),
  completeTimestamp: timestamp().optional().describe('When it finished.'),
  message: z.string().optional().describe('What the run reported, or why it failed.'),
});

export const backupRepositoryStatusSchema = z.object({
  phase: z.enum(BACKUP_REPOSITORY_PHASES).optional().describe('New, Ready or NotReady.'),
  message: z.string().optional().describe('Why the repository is NotReady, when it is.'),
  lastMaintenanceTime: timestamp().optional().describe('When maintenance last completed.'),
  recentMaintenance: z
    .array(maintenanceStatusSchema)
    .optional()
    .describe('The latest maintenance runs, newest last.'),
  conditions: conditionsField(),
});

export const backupRepositorySchema = resourceSchema(
  'BackupRepository',
  backupRepositorySpecSchema,
  backupRepositoryStatusSchema,
  'The volume-data repository of one namespace in one backup storage location.',
);

export type BackupRepositorySpec = z.infer<typeof backupRepositorySpecSchema>;
export type BackupRepositoryStatus = z.infer<typeof backupRepositoryStatusSchema>;
export type MaintenanceStatus = z.infer<typeof maintenanceStatusSchema>;
export type BackupRepository = z.infer<typeof backupRepositorySchema>;
export type BackupRepositoryInput = z.input<typeof backupRepositorySchema>;
