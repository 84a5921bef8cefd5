import type { z } from 'zod';
import { type Backup, type BackupInput, backupSchema } from './resources/backup.ts';
import {
  type BackupRepository,
  type BackupRepositoryInput,
  backupRepositorySchema,
} from './resources/backup-repository.ts';
import {
  type BackupStorageLocation,
  type BackupStorageLocationInput,
  backupStorageLocationSchema,
} from './resources/backup-storage-location.ts';
import { type DataDownload, type DataDownloadInput, dataDownloadSchema } from './resources/data-download.ts';
import { type DataUpload, type DataUploadInput, dataUploadSchema } from './resources/data-upload.ts';
import {
  type DeleteBackupRequest,
  type DeleteBackupRequestInput,
  deleteBackupRequestSchema,
} from './resources/delete-backup-request.ts';
import {
  type DownloadRequest,
  type DownloadRequestInput,
  downloadRequestSchema,
} from './resources/download-request.ts';
import {
  type PodVolumeBackup,
  type PodVolumeBackupInput,
  podVolumeBackupSchema,
} from './resources/pod-volume-backup.ts';
import {
  type PodVolumeRestore,
  type PodVolumeRestoreInput,
  podVolumeRestoreSchema,
} from './resources/pod-volume-restore.ts';
import { type Restore, type RestoreInput, restoreSchema } from './resources/restore.ts';
import { type Schedule, type ScheduleInput, scheduleSchema } from './resources/schedule.ts';
import {
  type ServerStatusRequest,
  type ServerStatusRequestInput,
  serverStatusRequestSchema,
} from './resources/server-status-request.ts';
import {
  type VolumeSnapshotLocation,
  type VolumeSnapshotLocationInput,
  volumeSnapshotLocationSchema,
} from './resources/volume-snapshot-location.ts';
import { backupRules } from './rules/backup.ts';
import { backupStorageLocationRules } from './rules/backup-storage-location.ts';
import { dataUploadRules } from './rules/data-upload.ts';
import { restoreRules } from './rules/restore.ts';
import { scheduleRules } from './rules/schedule.ts';
import type { FieldIssue } from './validation/field-issue.ts';

/**
 * The table of Lifeboat's resource kinds: for each, its zod schema, the names its CRD declares, the columns
 * `kubectl get` prints, a sentence on what it is for, and its cross-field rules. The CRD generator, the
 * validator and the API reference all read this one table.
 */

export const RESOURCE_KINDS = [
  'Backup',
  'Restore',
  'Schedule',
  'BackupStorageLocation',
  'VolumeSnapshotLocation',
  'DeleteBackupRequest',
  'DownloadRequest',
  'ServerStatusRequest',
  'PodVolumeBackup',
  'PodVolumeRestore',
  'BackupRepository',
  'DataUpload',
  'DataDownload',
] as const;

export type ResourceKind = (typeof RESOURCE_KINDS)[number];

/** The parsed (output) type of each kind. */
export type ResourceTypes = {
  Backup: Backup;
  Restore: Restore;
  Schedule: Schedule;
  BackupStorageLocation: BackupStorageLocation;
  VolumeSnapshotLocation: VolumeSnapshotLocation;
  DeleteBackupRequest: DeleteBackupRequest;
  DownloadRequest: DownloadRequest;
  ServerStatusRequest: ServerStatusRequest;
  PodVolumeBackup: PodVolumeBackup;
  PodVolumeRestore: PodVolumeRestore;
  BackupRepository: BackupRepository;
  DataUpload: DataUpload;
  DataDownload: DataDownload;
};

/** What a manifest of each kind may say (the schema's input type: optional fields, defaults not yet applied). */
export type ResourceInputTypes = {
  Backup: BackupInput;
  Restore: RestoreInput;
  Schedule: ScheduleInput;
  BackupStorageLocation: BackupStorageLocationInput;
  VolumeSnapshotLocation: VolumeSnapshotLocationInput;
  DeleteBackupRequest: DeleteBackupRequestInput;
  DownloadRequest: DownloadRequestInput;
  ServerStatusRequest: ServerStatusRequestInput;
  PodVolumeBackup: PodVolumeBackupInput;
  PodVolumeRestore: PodVolumeRestoreInput;
  BackupRepository: BackupRepositoryInput;
  DataUpload: DataUploadInput;
  DataDownload: DataDownloadInput;
};

/** An `additionalPrinterColumns` entry of a CRD version. */
export type PrinterColumn = {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  jsonPath: string;
  description?: string;
  format?: string;
  /** 0 (default) prints always; higher only with `-o wide`. */
  priority?: number;
};

export type ResourceDefinition<K extends ResourceKind = ResourceKind> = {
  kind: K;
  plural: string;
  singular: string;
  shortNames: readonly string[];
  schema: z.ZodType<ResourceTypes[K]>;
  columns: readonly PrinterColumn[];
  /** What the resource is for, in a sentence or two (the API reference's introduction to it). */
  purpose: string;
  /** Cross-field rules beyond the schema's shape; run only on objects that parsed. */
  rules?: (value: ResourceTypes[K]) => FieldIssue[];
};

const age: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };
const status = (what: string): PrinterColumn => ({
  name: 'Status',
  type: 'string',
  jsonPath: '.status.phase',
  description: `Phase of the ${what}`,
});

/** Columns of the four volume-data kinds, after Velero's, with the node taken from where each kind keeps it. */
function dataMovementColumns(what: string, nodePath: string, incremental: boolean): PrinterColumn[] {
  const columns: PrinterColumn[] = [
    status(what),
    {
      name: 'Started',
      type: 'date',
      jsonPath: '.status.startTimestamp',
      description: 'Time since the transfer started',
    },
    {
      name: 'Bytes Done',
      type: 'integer',
      format: 'int64',
      jsonPath: '.status.progress.bytesDone',
      description: 'Bytes moved so far',
    },
    {
      name: 'Total Bytes',
      type: 'integer',
      format: 'int64',
      jsonPath: '.status.progress.totalBytes',
      description: 'Bytes to move in total',
    },
  ];
  if (incremental) {
    columns.push({
      name: 'Incremental Bytes',
      type: 'integer',
      format: 'int64',
      jsonPath: '.status.incrementalBytes',
      description: 'Bytes new to the repository',
      priority: 10,
    });
  }
  columns.push(
    {
      name: 'Storage Location',
      type: 'string',
      jsonPath: '.spec.backupStorageLocation',
      description: 'The BackupStorageLocation holding the data',
    },
    age,
    { name: 'Node', type: 'string', jsonPath: nodePath, description: 'The node whose agent handles it' },
  );
  return columns;
}

export const resourceDefinitions: { readonly [K in ResourceKind]: ResourceDefinition<K> } = {
  Backup: {
    kind: 'Backup',
    plural: 'backups',
    singular: 'backup',
    shortNames: [],
    schema: backupSchema,
    purpose:
      'Asks the server to back up API objects (and, when asked, volume data) to a backup storage location, ' +
      'and then records the backup: its phase, counts, expiry and where it is stored.',
    columns: [
      status('backup'),
      {
        name: 'Errors',
        type: 'integer',
        jsonPath: '.status.errors',
        description: 'Errors during the backup',
      },
      {
        name: 'Warnings',
        type: 'integer',
        jsonPath: '.status.warnings',
        description: 'Warnings during the backup',
      },
      {
        name: 'Created',
        type: 'date',
        jsonPath: '.status.startTimestamp',
        description: 'Time since the backup started',
      },
      {
        name: 'Expires',
        type: 'string',
        jsonPath: '.status.expiration',
        description: 'When the backup expires',
      },
      {
        name: 'Storage Location',
        type: 'string',
        jsonPath: '.spec.storageLocation',
        description: 'The BackupStorageLocation holding the backup',
      },
      {
        name: 'Selector',
        type: 'string',
        jsonPath: '.spec.labelSelector',
        description: 'The label selector of the backup',
        priority: 1,
      },
    ],
    rules: backupRules,
  },
  Restore: {
    kind: 'Restore',
    plural: 'restores',
    singular: 'restore',
    shortNames: [],
    schema: restoreSchema,
    purpose:
      'Asks the server to recreate objects and volume data from a backup — into the same cluster, other ' +
      'namespaces, or another cluster — and then records what happened.',
    columns: [
      {
        name: 'Backup',
        type: 'string',
        jsonPath: '.spec.backupName',
        description: 'The backup restored from',
      },
      status('restore'),
      {
        name: 'Started',
        type: 'date',
        jsonPath: '.status.startTimestamp',
        description: 'Time since the restore started',
      },
      {
        name: 'Completed',
        type: 'date',
        jsonPath: '.status.completionTimestamp',
        description: 'Time since the restore finished',
      },
      {
        name: 'Errors',
        type: 'integer',
        jsonPath: '.status.errors',
        description: 'Errors during the restore',
      },
      {
        name: 'Warnings',
        type: 'integer',
        jsonPath: '.status.warnings',
        description: 'Warnings during the restore',
      },
      { ...age, name: 'Created' },
    ],
    rules: restoreRules,
  },
  Schedule: {
    kind: 'Schedule',
    plural: 'schedules',
    singular: 'schedule',
    shortNames: [],
    schema: scheduleSchema,
    purpose:
      'Creates Backups from a template on a cron schedule, and (Lifeboat) keeps them by retention rules, ' +
      'copies them to further locations and reports failures to webhooks.',
    columns: [
      status('schedule'),
      {
        name: 'Schedule',
        type: 'string',
        jsonPath: '.spec.schedule',
        description: 'When backups run (cron)',
      },
      {
        name: 'LastBackup',
        type: 'date',
        jsonPath: '.status.lastBackup',
        description: 'Time since the schedule last created a backup',
      },
      age,
      { name: 'Paused', type: 'boolean', jsonPath: '.spec.paused' },
    ],
    rules: scheduleRules,
  },
  BackupStorageLocation: {
    kind: 'BackupStorageLocation',
    plural: 'backupstoragelocations',
    singular: 'backupstoragelocation',
    shortNames: ['bsl'],
    schema: backupStorageLocationSchema,
    purpose:
      'Names a bucket and prefix in object storage (fs, S3-compatible or Azure) where backups, restore ' +
      'results and volume repositories are kept, in Velero’s layout.',
    columns: [
      {
        name: 'Phase',
        type: 'string',
        jsonPath: '.status.phase',
        description: 'Whether the location is Available or Unavailable',
      },
      {
        name: 'Last Validated',
        type: 'date',
        jsonPath: '.status.lastValidationTime',
        description: 'Time since the location was last checked',
      },
      age,
      {
        name: 'Default',
        type: 'boolean',
        jsonPath: '.spec.default',
        description: 'Whether this is the default location',
      },
      {
        name: 'Access Mode',
        type: 'string',
        jsonPath: '.spec.accessMode',
        description: 'ReadWrite or ReadOnly',
        priority: 1,
      },
      {
        name: 'Provider',
        type: 'string',
        jsonPath: '.spec.provider',
        description: 'The object store provider',
        priority: 1,
      },
    ],
    rules: backupStorageLocationRules,
  },
  VolumeSnapshotLocation: {
    kind: 'VolumeSnapshotLocation',
    plural: 'volumesnapshotlocations',
    singular: 'volumesnapshotlocation',
    shortNames: ['vsl'],
    schema: volumeSnapshotLocationSchema,
    purpose: 'Names a provider, and its settings, for native volume snapshots.',
    columns: [
      {
        name: 'Provider',
        type: 'string',
        jsonPath: '.spec.provider',
        description: 'The volume snapshot provider',
      },
      { name: 'Phase', type: 'string', jsonPath: '.status.phase', description: 'Available or Unavailable' },
      age,
    ],
  },
  DeleteBackupRequest: {
    kind: 'DeleteBackupRequest',
    plural: 'deletebackuprequests',
    singular: 'deletebackuprequest',
    shortNames: [],
    schema: deleteBackupRequestSchema,
    purpose:
      'Asks the server to delete a backup: its objects in storage, its snapshots and repository snapshots, ' +
      'and finally the Backup itself. Garbage collection of expired backups creates these too.',
    columns: [
      {
        name: 'BackupName',
        type: 'string',
        jsonPath: '.spec.backupName',
        description: 'The backup to delete',
      },
      status('deletion request'),
      age,
    ],
  },
  DownloadRequest: {
    kind: 'DownloadRequest',
    plural: 'downloadrequests',
    singular: 'downloadrequest',
    shortNames: [],
    schema: downloadRequestSchema,
    purpose:
      'Asks the server for a short-lived URL to one file of a backup or restore (log, contents, results), so ' +
      'the CLI can read storage without its credentials.',
    columns: [
      { name: 'Target Kind', type: 'string', jsonPath: '.spec.target.kind', description: 'Which file' },
      { name: 'Target', type: 'string', jsonPath: '.spec.target.name', description: 'The backup or restore' },
      status('download request'),
      {
        name: 'Expires',
        type: 'string',
        jsonPath: '.status.expiration',
        description: 'When the URL expires',
      },
      age,
    ],
  },
  ServerStatusRequest: {
    kind: 'ServerStatusRequest',
    plural: 'serverstatusrequests',
    singular: 'serverstatusrequest',
    shortNames: ['ssr'],
    schema: serverStatusRequestSchema,
    purpose:
      'Asks the running server for its version and plugins; `lifeboat version` creates one and reads the answer.',
    columns: [
      status('request'),
      {
        name: 'Server Version',
        type: 'string',
        jsonPath: '.status.serverVersion',
        description: 'The server’s version',
      },
      age,
    ],
  },
  PodVolumeBackup: {
    kind: 'PodVolumeBackup',
    plural: 'podvolumebackups',
    singular: 'podvolumebackup',
    shortNames: [],
    schema: podVolumeBackupSchema,
    purpose:
      'One pod volume to back up by file system; the node agent on the pod’s node reads it and writes it ' +
      'into the namespace’s repository.',
    columns: [
      ...dataMovementColumns('pod volume backup', '.spec.node', true),
      {
        name: 'Uploader',
        type: 'string',
        jsonPath: '.spec.uploaderType',
        description: 'The uploader writing the data',
      },
    ],
  },
  PodVolumeRestore: {
    kind: 'PodVolumeRestore',
    plural: 'podvolumerestores',
    singular: 'podvolumerestore',
    shortNames: [],
    schema: podVolumeRestoreSchema,
    purpose:
      'One volume of a restored pod to fill from a repository snapshot; the node agent writes it while the ' +
      'pod waits in its restore-wait init container.',
    columns: [
      ...dataMovementColumns('pod volume restore', '.status.node', false),
      {
        name: 'Uploader Type',
        type: 'string',
        jsonPath: '.spec.uploaderType',
        description: 'The uploader of the data',
      },
    ],
  },
  BackupRepository: {
    kind: 'BackupRepository',
    plural: 'backuprepositories',
    singular: 'backuprepository',
    shortNames: [],
    schema: backupRepositorySchema,
    purpose:
      'The restic-format repository holding one namespace’s volume data in one storage location; created ' +
      'on first use and maintained (check, prune) on a schedule.',
    columns: [
      status('repository'),
      {
        name: 'Volume Namespace',
        type: 'string',
        jsonPath: '.spec.volumeNamespace',
        description: 'Whose volumes',
      },
      {
        name: 'Storage Location',
        type: 'string',
        jsonPath: '.spec.backupStorageLocation',
        description: 'Where the repository is',
      },
      { name: 'Repository Type', type: 'string', jsonPath: '.spec.repositoryType' },
      {
        name: 'Last Maintenance',
        type: 'date',
        jsonPath: '.status.lastMaintenanceTime',
        description: 'Time since maintenance last completed',
      },
      age,
    ],
  },
  DataUpload: {
    kind: 'DataUpload',
    plural: 'datauploads',
    singular: 'dataupload',
    shortNames: [],
    schema: dataUploadSchema,
    purpose:
      'The data of one CSI snapshot to move into a storage location’s repository, so a backup carries the ' +
      'volume’s data out of the cluster; any node agent may take it.',
    columns: dataMovementColumns('data upload', '.status.node', true),
    rules: dataUploadRules,
  },
  DataDownload: {
    kind: 'DataDownload',
    plural: 'datadownloads',
    singular: 'datadownload',
    shortNames: [],
    schema: dataDownloadSchema,
    purpose:
      'The data of one moved snapshot to write from a repository into a fresh volume for a restored PVC.',
    columns: dataMovementColumns('data download', '.status.node', false),
  },
};

/** Whether `kind` names one of Lifeboat's resource kinds. */
export function isResourceKind(kind: unknown): kind is ResourceKind {
  return typeof kind === 'string' && (RESOURCE_KINDS as readonly string[]).includes(kind);
}
