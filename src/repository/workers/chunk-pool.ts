import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { LifeboatError } from '../../core/errors.ts';
import type { CompressionMode } from '../blobs/compression.ts';
import { type ChunkerParams, DEFAULT_CHUNKER_PARAMS } from '../chunker/fastcdc.ts';
import type { BlobSaver } from '../repo/blob-saver.ts';
import type { FileJob, FileResult, FromWorker, ToWorker } from './protocol.ts';
import { startWorker } from './start-worker.ts';

export type FileChunks = FileResult;

export interface ChunkPoolOptions {
  /** Worker threads (default: the machine's parallelism, at most 4). */
  workers?: number;
  chunker?: ChunkerParams;
  compression?: CompressionMode;
  /** Bytes of file data each worker reads at once (default 4 MiB). */
  windowBytes?: number;
  /** Called with plaintext bytes as workers read them. */
  onRead?: (bytes: number) => void;
}

interface Task {
  resolve: (r: FileChunks[]) => void;
  reject: (e: unknown) => void;
}

interface PoolWorker {
  worker: Worker;
  load: number;
  /** Tasks sent and not yet answered: while there are any, the worker may hold a file open. */
  tasks: number;
  flushed?: () => void;
  /** Resolves once the worker acknowledged a cancel (or exited). */
  settled?: Promise<void>;
  onSettled?: () => void;
}

const DEFAULT_WINDOW = 4 << 20;
/** How long `close` waits for cancelled workers to close their files before terminating them anyway. */
const CANCEL_GRACE_MS = 2000;

/**
 * A small pool of chunk workers feeding one BlobSaver. Workers build whole data packs themselves; the main
 * thread decides which chunks are new (so two workers never store the same blob), uploads finished packs and
 * returns their buffers for reuse. It answers a worker's ask only when the saver has room
 * (`waitForCapacity`), which is the pipeline's backpressure: each worker holds one read window and one open
 * pack, and at most `uploadConcurrency` + workers packs are uploading, whatever the size of the data.
 */
export class ChunkPool {
  readonly #workers: PoolWorker[] = [];
  readonly #tasks = new Map<number, Task>();
  readonly #saver: BlobSaver;
  readonly #onRead: ((bytes: number) => void) | undefined;
  #nextTask = 1;
  #failure: unknown;
  #closed = false;
  #canceled = false;
  readonly #size: number;
  readonly #init: ToWorker;

  constructor(saver: BlobSaver, options: ChunkPoolOptions = {}) {
    this.#saver = saver;
    this.#onRead = options.onRead;
    this.#size = options.workers ?? Math.min(4, Math.max(1, availableParallelism()));
    this.#init = {
      type: 'init',
      key: saver.repo.key.toJSON(),
      chunker: options.chunker ?? DEFAULT_CHUNKER_PARAMS,
      compression: options.compression ?? saver.repo.compression,
      packSize: saver.repo.packSize,
      windowBytes: options.windowBytes ?? DEFAULT_WINDOW,
    };
  }

  /** Whether any worker was started (a backup of unchanged files starts none). */
  get started(): boolean {
    return this.#workers.length > 0;
  }

  /**
   * Starts the workers now (they take a tenth of a second to load), for a backup that will certainly read
   * files: otherwise they start on the first task, and a backup whose files are all unchanged never pays.
   */
  warmUp(): void {
    if (this.#workers.length === 0 && !this.#failure && !this.#closed) this.#start();
  }

  #start(): void {
    for (let i = 0; i < this.#size; i++) {
      const worker = startWorker('chunk-worker');
      const pw: PoolWorker = { worker, load: 0, tasks: 0 };
      worker.on('message', (msg: FromWorker) => this.#onMessage(pw, msg));
      worker.on('error', (err) => this.#fail(err));
      worker.on('exit', (code) => {
        pw.onSettled?.();
        if (!this.#closed) this.#fail(new Error(`worker exited with code ${code}`));
      });
      worker.postMessage(this.#init);
      this.#workers.push(pw);
    }
  }

  /** Chunks, hashes and stores the files (new chunks only); resolves with each file's content ids. */
  chunkFiles(files: FileJob[], weight = files.length): Promise<FileChunks[]> {
    if (this.#failure) return Promise.reject(this.#failure);
    if (this.#workers.length === 0) this.#start();
    const pw = this.#workers.reduce((a, b) => (b.load < a.load ? b : a));
    pw.load += weight;
    pw.tasks++;
    const taskId = this.#nextTask++;
    return new Promise<FileChunks[]>((resolve, reject) => {
      this.#tasks.set(taskId, {
        resolve: (r) => {
          pw.load -= weight;
          resolve(r);
        },
        reject,
      });
      pw.worker.postMessage({ type: 'task', taskId, files } satisfies ToWorker);
    });
  }

  /**
   * Has every worker seal its waiting chunks and finish its open pack, and hands those packs to the saver.
   * Call after the last task finished and before `BlobSaver.flush`.
   */
  async flush(): Promise<void> {
    await Promise.all(
      this.#workers.map(
        (pw) =>
          new Promise<void>((resolve, reject) => {
            if (this.#failure) {
              reject(this.#failure);
              return;
            }
            pw.flushed = resolve;
            pw.worker.postMessage({ type: 'flush' } satisfies ToWorker);
          }),
      ),
    );
    if (this.#failure) throw this.#failure;
  }

  /**
   * Stops feeding the workers, for good (a cancelled backup): unfinished tasks reject with `reason` (as does
   * every later call), asks are no longer answered, and packs the workers finish from now on are dropped, not
   * uploaded (uploads already handed to the saver go on). Each worker is told to close the file it reads and
   * drop its open pack; `close` waits for that before terminating it.
   */
  cancel(reason: unknown): void {
    if (this.#canceled) return;
    this.#canceled = true;
    this.#fail(reason);
    for (const pw of this.#workers) {
      // A worker without a task has no file open (it may not even have loaded yet): nothing to wait for.
      if (pw.tasks > 0)
        pw.settled = new Promise<void>((resolve) => {
          pw.onSettled = resolve;
        });
      pw.worker.postMessage({ type: 'cancel' } satisfies ToWorker);
    }
  }

  /** Terminates the workers; after `cancel`, once they have closed their files (at most a couple of seconds). */
  async close(): Promise<void> {
    this.#closed = true;
    const settled = this.#workers.map((w) => w.settled).filter((p) => p !== undefined);
    if (settled.length > 0) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        Promise.all(settled),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, CANCEL_GRACE_MS);
        }),
      ]);
      clearTimeout(timer);
    }
    await Promise.all(this.#workers.map((w) => w.worker.terminate()));
    this.#workers.length = 0;
  }

  #onMessage(pw: PoolWorker, msg: FromWorker): void {
    try {
      switch (msg.type) {
        case 'ask':
          if (msg.read > 0) this.#onRead?.(msg.read);
          // A cancelled worker answers its own ask; nothing more is claimed.
          if (this.#canceled) break;
          this.#saver.waitForCapacity().then(
            () => {
              if (this.#canceled) return;
              const need = new Uint8Array(msg.ids.length);
              for (let i = 0; i < msg.ids.length; i++)
                need[i] = this.#saver.claim('data', msg.ids[i]) ? 1 : 0;
              pw.worker.postMessage({ type: 'need', need } satisfies ToWorker);
            },
            (err) => this.#fail(err),
          );
          break;
        case 'pack': {
          const { bytes } = msg;
          if (this.#canceled) {
            pw.worker.postMessage(
              { type: 'buffer', buffer: bytes.buffer as ArrayBuffer } satisfies ToWorker,
              [bytes.buffer as ArrayBuffer],
            );
            break;
          }
          const body = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
          void this.#saver.addPack('data', msg.packId, body, msg.blobs, msg.plainBytes).then(() => {
            // Uploaded (or failed, which the saver reports): the worker may fill the buffer again.
            if (!this.#closed) {
              const buffer = bytes.buffer as ArrayBuffer;
              pw.worker.postMessage({ type: 'buffer', buffer } satisfies ToWorker, [buffer]);
            }
          });
          break;
        }
        case 'done': {
          pw.tasks--;
          if (msg.read > 0) this.#onRead?.(msg.read);
          const task = this.#tasks.get(msg.taskId);
          this.#tasks.delete(msg.taskId);
          task?.resolve(msg.files);
          break;
        }
        case 'flushed': {
          const done = pw.flushed;
          pw.flushed = undefined;
          done?.();
          break;
        }
        case 'canceled':
          pw.onSettled?.();
          break;
      }
    } catch (err) {
      this.#fail(err);
    }
  }

  #fail(err: unknown): void {
    this.#failure ??=
      err instanceof LifeboatError
        ? err
        : new LifeboatError('Internal', `chunk worker failed: ${(err as Error)?.message}`);
    for (const [id, task] of this.#tasks) {
      this.#tasks.delete(id);
      task.reject(this.#failure);
    }
    for (const pw of this.#workers) {
      const done = pw.flushed;
      pw.flushed = undefined;
      done?.();
    }
  }
}
