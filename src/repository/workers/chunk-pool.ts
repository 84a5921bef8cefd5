import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { LifeboatError } from '../../core/errors.ts';
import type { CompressionMode } from '../blobs/compression.ts';
import { type ChunkerParams, DEFAULT_CHUNKER_PARAMS } from '../chunker/fastcdc.ts';
import type { BlobSaver } from '../repo/blob-saver.ts';
import type { FileJob, FromWorker, ToWorker } from './protocol.ts';

export interface FileChunks {
  content: string[];
  size: number;
  error?: string;
}

export interface ChunkPoolOptions {
  /** Worker threads (default: the machine's parallelism, at most 4). */
  workers?: number;
  chunker?: ChunkerParams;
  compression?: CompressionMode;
  batchBytes?: number;
  /** Called with plaintext bytes as workers read them. */
  onRead?: (bytes: number) => void;
}

interface Task {
  files: FileJob[];
  results: FileChunks[];
  resolve: (r: FileChunks[]) => void;
  reject: (e: unknown) => void;
  worker: PoolWorker;
}

interface PoolWorker {
  worker: Worker;
  load: number;
}

// Compiled builds run .js files; tests and tsx run the .ts sources, whose worker needs tsx loaded too
// (Node 20 does not pass the parent's --import hooks to workers).
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const WORKER_URL = new URL(FROM_SOURCE ? './chunk-worker.ts' : './chunk-worker.js', import.meta.url);

function startWorker(): Worker {
  if (!FROM_SOURCE) return new Worker(WORKER_URL);
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(WORKER_URL.href)}); })`;
  return new Worker(boot, { eval: true });
}

/**
 * A small pool of chunk workers feeding one BlobSaver. The main thread answers each worker's "which of these
 * are new?" only when the saver has room (`waitForCapacity`), which is the pipeline's backpressure: a worker
 * holds at most one batch, the saver at most one open pack per type plus the uploads in flight.
 */
export class ChunkPool {
  readonly #workers: PoolWorker[] = [];
  readonly #tasks = new Map<number, Task>();
  readonly #saver: BlobSaver;
  readonly #onRead: ((bytes: number) => void) | undefined;
  #nextTask = 1;
  #failure: unknown;
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
      batchBytes: options.batchBytes ?? 2 << 20,
    };
  }

  // Workers start on the first task: a backup whose files are all unchanged never pays for them.
  #start(): void {
    const init = this.#init;
    for (let i = 0; i < this.#size; i++) {
      const worker = startWorker();
      const pw: PoolWorker = { worker, load: 0 };
      worker.on('message', (msg: FromWorker) => this.#onMessage(pw, msg));
      worker.on('error', (err) => this.#fail(err));
      worker.postMessage(init);
      this.#workers.push(pw);
    }
  }

  /** Chunks, hashes and stores the files (new chunks only); resolves with each file's content ids. */
  chunkFiles(files: FileJob[], weight = files.length): Promise<FileChunks[]> {
    if (this.#failure) return Promise.reject(this.#failure);
    if (this.#workers.length === 0) this.#start();
    const pw = this.#workers.reduce((a, b) => (b.load < a.load ? b : a));
    pw.load += weight;
    const taskId = this.#nextTask++;
    return new Promise<FileChunks[]>((resolve, reject) => {
      this.#tasks.set(taskId, {
        files,
        results: new Array(files.length),
        resolve: (r) => {
          pw.load -= weight;
          resolve(r);
        },
        reject,
        worker: pw,
      });
      pw.worker.postMessage({ type: 'task', taskId, files } satisfies ToWorker);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w.worker.terminate()));
    this.#workers.length = 0;
  }

  #onMessage(pw: PoolWorker, msg: FromWorker): void {
    const task = this.#tasks.get(msg.taskId);
    if (!task) return;
    try {
      switch (msg.type) {
        case 'read':
          this.#onRead?.(msg.bytes);
          break;
        case 'ask':
          this.#saver.waitForCapacity().then(
            () => {
              const need = new Uint8Array(msg.ids.length);
              for (let i = 0; i < msg.ids.length; i++)
                need[i] = this.#saver.claim('data', msg.ids[i]) ? 1 : 0;
              pw.worker.postMessage({ type: 'need', taskId: msg.taskId, need } satisfies ToWorker);
            },
            (err) => this.#fail(err),
          );
          break;
        case 'blobs':
          for (const b of msg.blobs) {
            const sealed = Buffer.from(b.sealed.buffer, b.sealed.byteOffset, b.sealed.byteLength);
            this.#saver.add('data', b.id, sealed, b.plainLength, b.uncompressedLength);
          }
          break;
        case 'file':
          task.results[msg.index] = { content: msg.content, size: msg.size, error: msg.error };
          break;
        case 'done':
          this.#tasks.delete(msg.taskId);
          task.resolve(task.results);
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
  }
}
