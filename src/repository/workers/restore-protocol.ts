import type { CryptoKeyJSON } from '../crypto/crypto-key.ts';

/**
 * Messages between the restorer (main thread) and its restore workers. The main thread plans (which blobs of
 * which pack go where), reads pack ranges from the store and hands each pack's bytes over in one job; a worker
 * opens, verifies and decompresses the blobs and writes them into the target files itself.
 */
export interface RestoreInit {
  type: 'init';
  key: CryptoKeyJSON;
  /** Leave all-zero blobs as holes. */
  sparse: boolean;
  /** Restore uid/gid (as root). */
  owners: boolean;
}

/** Metadata applied to a file (through its descriptor) once the job wrote all of it. */
export interface FileMetadata {
  /** Permission bits (Unix, with setuid/setgid/sticky); applied when `chmod`. */
  perms: number;
  chmod: boolean;
  /** Owner, applied when `chown` (a new file already has the restoring process's ids). */
  uid: number;
  gid: number;
  chown: boolean;
  /** Seconds, as utimes takes them. */
  atime: number;
  mtime: number;
}

export interface JobFile {
  path: string;
  /** The file's final size (holes at its end are made by extending it to this). */
  size: number;
  /** Permissions the file is created with (its final ones when nothing needs `chmod` later). */
  createMode: number;
  /** Present when this job holds every remaining blob of the file: the worker finishes the file. */
  finish?: FileMetadata;
}

export interface JobBlob {
  id: string;
  /** Offset of the sealed blob in the pack. */
  offset: number;
  length: number;
  /** Plaintext length of a compressed blob; -1 for a raw one. */
  uncompressedLength: number;
  /** Pairs of (index into `files`, offset in that file). */
  targets: number[];
}

export interface RestoreJob {
  type: 'job';
  jobId: number;
  packId: string;
  /** Pack ranges read from the store (transferred), each starting at `rangeOffsets[i]` in the pack. */
  ranges: Uint8Array[];
  rangeOffsets: number[];
  blobs: JobBlob[];
  files: JobFile[];
}

export type ToRestoreWorker = RestoreInit | RestoreJob;

export interface JobResult {
  type: 'result';
  jobId: number;
  /** Plaintext bytes written (or left as holes). */
  bytes: number;
  /** Indexes into the job's `blobs` that could not be opened or verified, with the reason. */
  failedBlobs: Array<{ index: number; reason: string }>;
  /** Indexes into the job's `files` whose writes failed (I/O), with the reason. */
  failedFiles: Array<{ index: number; reason: string }>;
}

export type FromRestoreWorker = JobResult;
