import { createHash } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { compressBlob } from '../blobs/compression.ts';
import { chunkFile } from '../chunker/chunk-reader.ts';
import { FastCdc } from '../chunker/fastcdc.ts';
import { CryptoKey } from '../crypto/crypto-key.ts';
import type { FromWorker, InitMessage, SealedBlob, TaskMessage, ToWorker } from './protocol.ts';

/**
 * Chunk worker: reads files itself (so file bytes never cross threads), chunks them with FastCDC, hashes each
 * chunk, asks the main thread which ids are new, and compresses and seals only those. All-zero chunks (holes of
 * sparse files, zeroed regions) are recognised by a word scan and their id comes from a cache, not SHA-256.
 */
const port = parentPort;
if (!port) throw new Error('chunk-worker must run in a worker thread');

let init: InitMessage | undefined;
let key: CryptoKey | undefined;
let cdc: FastCdc | undefined;
let readBuffer: Buffer | undefined;
const zeroIds = new Map<number, string>();
const needWaiters = new Map<number, (need: Uint8Array) => void>();
let queue: Promise<void> = Promise.resolve();

function post(msg: FromWorker, transfer?: ArrayBuffer[]): void {
  port?.postMessage(msg, transfer);
}

function isZero(b: Uint8Array): boolean {
  const words = b.length >>> 3;
  const view = new BigUint64Array(b.buffer, b.byteOffset, b.byteOffset % 8 === 0 ? words : 0);
  if (view.length === words) {
    for (let i = 0; i < words; i++) if (view[i] !== 0n) return false;
    for (let i = words * 8; i < b.length; i++) if (b[i] !== 0) return false;
    return true;
  }
  for (let i = 0; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}

function chunkId(chunk: Uint8Array): string {
  if (chunk.length >= 4096 && chunk[0] === 0 && chunk[chunk.length - 1] === 0 && isZero(chunk)) {
    let id = zeroIds.get(chunk.length);
    if (!id) {
      id = createHash('sha256').update(chunk).digest('hex');
      zeroIds.set(chunk.length, id);
    }
    return id;
  }
  return createHash('sha256').update(chunk).digest('hex');
}

interface Pending {
  id: string;
  data: Buffer;
}

async function flushBatch(taskId: number, pending: Pending[]): Promise<void> {
  if (pending.length === 0) return;
  const ids = pending.map((p) => p.id);
  const need = await new Promise<Uint8Array>((resolve) => {
    needWaiters.set(taskId, resolve);
    post({ type: 'ask', taskId, ids });
  });
  const blobs: SealedBlob[] = [];
  const transfer: ArrayBuffer[] = [];
  for (let i = 0; i < pending.length; i++) {
    if (!need[i]) continue;
    const { id, data } = pending[i];
    const compressed = compressBlob(data, init?.compression ?? 'auto');
    const sealed = (key as CryptoKey).seal(compressed ?? data);
    const blob: SealedBlob = { id, sealed, plainLength: data.length };
    if (compressed) blob.uncompressedLength = data.length;
    blobs.push(blob);
    if (sealed.byteOffset === 0 && sealed.buffer.byteLength === sealed.length)
      transfer.push(sealed.buffer as ArrayBuffer);
  }
  if (blobs.length > 0) post({ type: 'blobs', taskId, blobs }, transfer);
  pending.length = 0;
}

async function runTask(task: TaskMessage): Promise<void> {
  const batchBytes = init?.batchBytes ?? 8 << 20;
  const pending: Pending[] = [];
  let pendingBytes = 0;
  for (let index = 0; index < task.files.length; index++) {
    const job = task.files[index];
    const content: string[] = [];
    let size = 0;
    let fd: number | undefined;
    try {
      fd = openSync(job.path, 'r');
      for (const chunk of chunkFile(fd, cdc as FastCdc, readBuffer as Buffer)) {
        size += chunk.length;
        const id = chunkId(chunk);
        content.push(id);
        pending.push({ id, data: Buffer.from(chunk) });
        pendingBytes += chunk.length;
        if (pendingBytes >= batchBytes) {
          post({ type: 'read', taskId: task.taskId, bytes: pendingBytes });
          await flushBatch(task.taskId, pending);
          pendingBytes = 0;
        }
      }
    } catch (err) {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
      post({ type: 'file', taskId: task.taskId, index, content: [], size, error: (err as Error).message });
      continue;
    }
    if (fd !== undefined) closeSync(fd);
    // Small files: keep batching across files; the file's blobs are flushed before the task completes.
    post({ type: 'file', taskId: task.taskId, index, content, size });
  }
  if (pendingBytes > 0) post({ type: 'read', taskId: task.taskId, bytes: pendingBytes });
  await flushBatch(task.taskId, pending);
  post({ type: 'done', taskId: task.taskId });
}

port.on('message', (msg: ToWorker) => {
  if (msg.type === 'init') {
    init = msg;
    key = CryptoKey.fromJSON(msg.key);
    cdc = new FastCdc(msg.chunker);
    readBuffer = Buffer.allocUnsafe(Math.max(4 << 20, msg.chunker.max * 2));
  } else if (msg.type === 'need') {
    const w = needWaiters.get(msg.taskId);
    needWaiters.delete(msg.taskId);
    w?.(msg.need);
  } else if (msg.type === 'task') {
    queue = queue.then(() => runTask(msg));
  }
});
