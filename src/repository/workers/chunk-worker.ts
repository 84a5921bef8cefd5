import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { compressBlob } from '../blobs/compression.ts';
import { createScanner, FastCdc } from '../chunker/fastcdc.ts';
import type { GearScanner } from '../chunker/gear-scan-wasm.ts';
import { CryptoKey } from '../crypto/crypto-key.ts';
import { type BuiltPack, PackBuilder } from './pack-builder.ts';
import type { FileJob, FileResult, FromWorker, InitMessage, TaskMessage, ToWorker } from './protocol.ts';

/**
 * Chunk worker. Files are read straight into the WebAssembly memory of the gear scanner (one window, reused),
 * cut with FastCDC and hashed there; the ids of a window's chunks go to the main thread in one ask, and only
 * the new ones are compressed (when it pays) and sealed, directly into this worker's open data pack. Finished
 * packs leave whole (their buffer transferred, not copied). File bytes never cross threads and are copied
 * once, by the kernel, into the window.
 *
 * All-zero chunks (holes of sparse files, zeroed regions) are recognised by a memcmp and take their id from
 * a cache instead of SHA-256.
 */
const port = parentPort;
if (!port) throw new Error('chunk-worker must run in a worker thread');

interface State {
  init: InitMessage;
  cdc: FastCdc;
  scanner: GearScanner;
  window: Buffer;
  packs: PackBuilder;
  zeros: Buffer;
}

let state: State | undefined;
/** End of the valid bytes in the window; chunks waiting for an ask lie before the current file's bytes. */
let end = 0;
const pendingIds: string[] = [];
const pendingStarts: number[] = [];
const pendingLengths: number[] = [];
let unreported = 0;
const zeroIds = new Map<number, string>();
let needWaiter: ((need: Uint8Array) => void) | undefined;
let queue: Promise<void> = Promise.resolve();
/** The backup was cancelled: every file and task from now on ends at once. */
let canceled = false;
const CANCELED = 'backup cancelled';

function post(msg: FromWorker, transfer?: ArrayBuffer[]): void {
  port?.postMessage(msg, transfer);
}

function takeUnreported(): number {
  const n = unreported;
  unreported = 0;
  return n;
}

function chunkId(s: State, chunk: Buffer): string {
  const n = chunk.length;
  if (n >= 4096 && n <= s.zeros.length && chunk[0] === 0 && chunk[n - 1] === 0) {
    if (s.zeros.subarray(0, n).equals(chunk)) return zeroId(chunk);
  }
  return createHash('sha256').update(chunk).digest('hex');
}

function zeroId(chunk: Buffer): string {
  let id = zeroIds.get(chunk.length);
  if (!id) {
    id = createHash('sha256').update(chunk).digest('hex');
    zeroIds.set(chunk.length, id);
  }
  return id;
}

function postPack(p: BuiltPack): void {
  post({ type: 'pack', packId: p.packId, bytes: p.bytes, blobs: p.blobs, plainBytes: p.plainBytes }, [
    p.buffer,
  ]);
}

/**
 * Asks about every chunk waiting in the window and seals the new ones into the open pack. Once cancelled it
 * asks nothing and drops the waiting chunks (the cancel answers an ask in flight with "none needed").
 */
async function flushPending(s: State): Promise<void> {
  if (pendingIds.length > 0 && !canceled) {
    const need = await new Promise<Uint8Array>((resolve) => {
      needWaiter = resolve;
      post({ type: 'ask', ids: pendingIds.slice(), read: takeUnreported() });
    });
    const mode = s.init.compression;
    for (let i = 0; i < pendingIds.length && !canceled; i++) {
      if (!need[i]) continue;
      const start = pendingStarts[i];
      const data = s.window.subarray(start, start + pendingLengths[i]);
      const compressed = compressBlob(data, mode);
      await s.packs.ready();
      if (canceled) break;
      const pack = s.packs.add(pendingIds[i], compressed ?? data, data.length, compressed !== undefined);
      if (pack) postPack(pack);
    }
  }
  pendingIds.length = 0;
  pendingStarts.length = 0;
  pendingLengths.length = 0;
}

function message(err: unknown): string {
  return (err as Error)?.message ?? String(err);
}

/**
 * Reads the file on into the window until it is full or the file ends (`left`: the bytes the walk's size
 * says remain); returns the bytes read and whether the file ended.
 */
function fillWindow(window: Buffer, fd: number, left: number): { read: number; eof: boolean } {
  let read = 0;
  while (end < window.length) {
    const want = window.length - end;
    const n = readSync(fd, window, end, want, null);
    end += n;
    unreported += n;
    read += n;
    // A short read that reaches the size seen by the walk is the end (saves the read that returns 0).
    if (n === 0 || (n < want && read >= left)) return { read, eof: true };
  }
  return { read, eof: false };
}

/**
 * Chunks one file into the window. Read errors fail this file only (its unchunked bytes are dropped; chunks
 * already cut are stored anyway, harmlessly); anything else fails the task.
 */
async function chunkOne(s: State, job: FileJob): Promise<FileResult> {
  const { cdc, window } = s;
  const content: string[] = [];
  let size = 0;
  let read = 0;
  let pos = end;
  if (canceled) return { content, size, error: CANCELED };
  let fd: number;
  try {
    fd = openSync(job.path, 'r');
  } catch (err) {
    return { content, size, error: message(err) };
  }
  try {
    let eof = false;
    for (;;) {
      if (!eof && end - pos < cdc.max) {
        if (window.length - end < cdc.max) {
          await flushPending(s);
          // The descriptor is closed on the way out (finally), so a cancelled worker leaks none.
          if (canceled) {
            end = 0;
            return { content: [], size, error: CANCELED };
          }
          window.copyWithin(0, pos, end);
          end -= pos;
          pos = 0;
        }
        try {
          const filled = fillWindow(window, fd, job.size - read);
          read += filled.read;
          eof = filled.eof;
        } catch (err) {
          end = pos;
          return { content: [], size, error: message(err) };
        }
      }
      if (pos >= end) break;
      const len = cdc.cutWindow(s.scanner, pos, end);
      const id = chunkId(s, window.subarray(pos, pos + len));
      content.push(id);
      pendingIds.push(id);
      pendingStarts.push(pos);
      pendingLengths.push(len);
      pos += len;
      size += len;
    }
    return { content, size };
  } finally {
    closeSync(fd);
  }
}

async function runTask(s: State, task: TaskMessage): Promise<void> {
  const files: FileResult[] = [];
  for (const job of task.files) files.push(await chunkOne(s, job));
  post({ type: 'done', taskId: task.taskId, files, read: takeUnreported() });
}

async function flushAll(s: State): Promise<void> {
  await flushPending(s);
  end = 0;
  const pack = canceled ? undefined : s.packs.finish();
  if (pack) postPack(pack);
  post({ type: 'flushed' });
}

/** Stops at once: the ask in flight is answered "none needed" and waits for pack buffers end. */
function cancel(s: State | undefined): void {
  canceled = true;
  s?.packs.cancel();
  const w = needWaiter;
  needWaiter = undefined;
  w?.(new Uint8Array(pendingIds.length));
  // Answered after the tasks queued before it, which now end at once.
  enqueue(async () => {
    pendingIds.length = 0;
    pendingStarts.length = 0;
    pendingLengths.length = 0;
    end = 0;
    post({ type: 'canceled' });
  });
}

function setup(init: InitMessage): State {
  const cdc = new FastCdc(init.chunker);
  // At least two maximal chunks (one being cut, one being read behind it), and large reads.
  const scanner = createScanner(Math.max(init.windowBytes, cdc.max * 4));
  return {
    init,
    cdc,
    scanner,
    window: scanner.window,
    packs: new PackBuilder(CryptoKey.fromJSON(init.key), 'data', init.packSize, cdc.max),
    zeros: Buffer.alloc(cdc.max),
  };
}

/** A failure outside a file's own I/O is the worker's: crash it, so the pool fails the backup loudly. */
function enqueue(fn: (s: State) => Promise<void>): void {
  queue = queue
    .then(() => fn(state as State))
    .catch((err) => {
      setImmediate(() => {
        throw err;
      });
    });
}

port.on('message', (msg: ToWorker) => {
  switch (msg.type) {
    case 'init':
      state = setup(msg);
      break;
    case 'need': {
      const w = needWaiter;
      needWaiter = undefined;
      w?.(msg.need);
      break;
    }
    case 'task':
      enqueue((s) => runTask(s, msg));
      break;
    case 'flush':
      enqueue(flushAll);
      break;
    case 'buffer':
      state?.packs.recycle(msg.buffer);
      break;
    case 'cancel':
      cancel(state);
      break;
  }
});
