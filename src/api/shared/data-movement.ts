import { z } from 'zod';
import { count64 } from './fields.ts';

/**
 * Pieces shared by the four volume-data resources the node agent reconciles (PodVolumeBackup,
 * PodVolumeRestore, DataUpload, DataDownload): their phases, progress in bytes, uploader and node OS.
 */

/** `New → Accepted → Prepared → InProgress → Completed | Failed`, and `Canceling → Canceled` when cancelled. */
export const DATA_MOVEMENT_PHASES = [
  'New',
  'Accepted',
  'Prepared',
  'InProgress',
  'Canceling',
  'Canceled',
  'Completed',
  'Failed',
] as const;
export type DataMovementPhase = (typeof DATA_MOVEMENT_PHASES)[number];

/** Phases after which nothing more happens to the object. */
export const DATA_MOVEMENT_TERMINAL_PHASES: readonly DataMovementPhase[] = [
  'Canceled',
  'Completed',
  'Failed',
];

/**
 * The uploader that writes volume data. Velero's values; Lifeboat writes restic-format repositories and
 * records `restic`, and reads what Velero's `kopia` uploader wrote only where noted in the node agent.
 */
export const UPLOADER_TYPES = ['kopia', 'restic', ''] as const;
export type UploaderType = (typeof UPLOADER_TYPES)[number];

export const NODE_OS_VALUES = ['auto', 'linux', 'windows'] as const;
export type NodeOS = (typeof NODE_OS_VALUES)[number];

export const dataMoveProgressSchema = z
  .object({
    totalBytes: count64().optional().describe('Bytes to move in total, once known.'),
    bytesDone: count64().optional().describe('Bytes moved so far.'),
  })
  .describe('Progress of the data transfer, in bytes.');

export type DataMoveProgress = z.infer<typeof dataMoveProgressSchema>;
