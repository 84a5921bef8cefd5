import type { CompressionMode } from '../blobs/compression.ts';
import type { ChunkerParams } from '../chunker/fastcdc.ts';
import type { CryptoKeyJSON } from '../crypto/crypto-key.ts';

/** Messages between the archiver (main thread) and its chunk workers. Every message names its task. */
export interface InitMessage {
  type: 'init';
  key: CryptoKeyJSON;
  chunker: ChunkerParams;
  compression: CompressionMode;
  /** Plaintext bytes a worker hashes before asking which of those chunks are new. */
  batchBytes: number;
}

export interface FileJob {
  path: string;
}

export interface TaskMessage {
  type: 'task';
  taskId: number;
  files: FileJob[];
}

export interface NeedMessage {
  type: 'need';
  taskId: number;
  /** 1 = store this chunk, 0 = known already; same order as the ask. */
  need: Uint8Array;
}

export type ToWorker = InitMessage | TaskMessage | NeedMessage;

export interface AskMessage {
  type: 'ask';
  taskId: number;
  ids: string[];
}

export interface SealedBlob {
  id: string;
  sealed: Uint8Array;
  plainLength: number;
  uncompressedLength?: number;
}

export interface BlobsMessage {
  type: 'blobs';
  taskId: number;
  blobs: SealedBlob[];
}

export interface FileDoneMessage {
  type: 'file';
  taskId: number;
  index: number;
  content: string[];
  size: number;
  error?: string;
}

export interface TaskDoneMessage {
  type: 'done';
  taskId: number;
}

export interface ReadMessage {
  type: 'read';
  taskId: number;
  bytes: number;
}

export type FromWorker = AskMessage | BlobsMessage | FileDoneMessage | TaskDoneMessage | ReadMessage;
