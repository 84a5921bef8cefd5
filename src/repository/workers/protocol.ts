import type { CompressionMode } from '../blobs/compression.ts';
import type { ChunkerParams } from '../chunker/fastcdc.ts';
import type { CryptoKeyJSON } from '../crypto/crypto-key.ts';
import type { PackedBlob } from '../format/pack.ts';

/**
 * Messages between the archiver (main thread) and its chunk workers. A worker reads, chunks and hashes files,
 * asks which chunks are new, seals those into its own open data pack and hands finished packs over whole; the
 * main thread only answers asks, uploads packs and records them in the index.
 */
export interface InitMessage {
  type: 'init';
  key: CryptoKeyJSON;
  chunker: ChunkerParams;
  compression: CompressionMode;
  /** A pack is finished once its blobs reach this many bytes. */
  packSize: number;
  /** Bytes of file data a worker holds at once (its read window); chunks are asked about a window at a time. */
  windowBytes: number;
}

export interface FileJob {
  path: string;
  /** Size from the walk's lstat: a short read that reaches it is the end of the file (no extra read). */
  size: number;
}

export interface TaskMessage {
  type: 'task';
  taskId: number;
  files: FileJob[];
}

export interface NeedMessage {
  type: 'need';
  /** 1 = store this chunk, 0 = known already; same order as the ask. */
  need: Uint8Array;
}

/** Finish the open pack (and any chunks still waiting for an ask); answered with `flushed`. */
export interface FlushMessage {
  type: 'flush';
}

/** A pack buffer back from the main thread once its upload is over, for the worker to fill again. */
export interface BufferMessage {
  type: 'buffer';
  buffer: ArrayBuffer;
}

/**
 * The backup is cancelled: the file being read is closed and dropped, queued tasks end at once (their files
 * with an error), the waiting chunks and the open pack are dropped, and no more asks are sent. Once its queue
 * is empty the worker answers `canceled`, and may then be terminated without leaking a descriptor.
 */
export interface CancelMessage {
  type: 'cancel';
}

export type ToWorker = InitMessage | TaskMessage | NeedMessage | FlushMessage | BufferMessage | CancelMessage;

export interface AskMessage {
  type: 'ask';
  ids: string[];
  /** File bytes read since the last report (progress). */
  read: number;
}

/** A finished data pack: blobs ‖ sealed header ‖ header length, named by the SHA-256 of those bytes. */
export interface PackMessage {
  type: 'pack';
  packId: string;
  /** The whole pack (a view of a transferred buffer that the main thread returns when uploaded). */
  bytes: Uint8Array;
  blobs: PackedBlob[];
  /** Plaintext bytes of its blobs. */
  plainBytes: number;
}

export interface FileResult {
  content: string[];
  size: number;
  error?: string;
}

export interface TaskDoneMessage {
  type: 'done';
  taskId: number;
  files: FileResult[];
  read: number;
}

export interface FlushedMessage {
  type: 'flushed';
}

export interface CanceledMessage {
  type: 'canceled';
}

export type FromWorker = AskMessage | PackMessage | TaskDoneMessage | FlushedMessage | CanceledMessage;
