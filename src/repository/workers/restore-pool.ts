import type { Worker } from 'node:worker_threads';
import { LifeboatError } from '../../core/errors.ts';
import type { CryptoKeyJSON } from '../crypto/crypto-key.ts';
import type { FromRestoreWorker, JobResult, RestoreJob, ToRestoreWorker } from './restore-protocol.ts';
import { startWorker } from './start-worker.ts';

export interface RestorePoolOptions {
  workers: number;
  key: CryptoKeyJSON;
  sparse: boolean;
  owners: boolean;
}

interface PoolWorker {
  worker: Worker;
  /** Bytes of the jobs it holds. */
  load: number;
}

interface Pending {
  resolve: (r: JobResult) => void;
  reject: (e: unknown) => void;
  worker: PoolWorker;
  weight: number;
}

/**
 * Restore workers: each job (one pack's blobs) goes to the worker holding the fewest bytes. Workers run jobs
 * one after the other with synchronous file calls, so the number of workers is also the number of files
 * being created and written at once.
 */
export class RestorePool {
  readonly #workers: PoolWorker[] = [];
  readonly #pending = new Map<number, Pending>();
  readonly #options: RestorePoolOptions;
  #failure: unknown;
  #closed = false;

  constructor(options: RestorePoolOptions) {
    this.#options = options;
  }

  /** Starts the workers now, so they load while the restore is planned. */
  warmUp(): void {
    if (this.#workers.length === 0 && !this.#failure && !this.#closed) this.#start();
  }

  #start(): void {
    const init: ToRestoreWorker = {
      type: 'init',
      key: this.#options.key,
      sparse: this.#options.sparse,
      owners: this.#options.owners,
    };
    for (let i = 0; i < Math.max(1, this.#options.workers); i++) {
      const worker = startWorker('restore-worker');
      const pw: PoolWorker = { worker, load: 0 };
      worker.on('message', (msg: FromRestoreWorker) => this.#onResult(msg));
      worker.on('error', (err) => this.#fail(err));
      worker.on('exit', (code) => {
        if (!this.#closed) this.#fail(new Error(`worker exited with code ${code}`));
      });
      worker.postMessage(init);
      this.#workers.push(pw);
    }
  }

  /**
   * Runs a job on worker `worker` (modulo the pool's size), or on the one holding the fewest bytes; its range
   * buffers are transferred (the caller must not use them afterwards).
   */
  run(job: RestoreJob, worker?: number): Promise<JobResult> {
    if (this.#failure) return Promise.reject(this.#failure);
    if (this.#workers.length === 0) this.#start();
    const pw =
      worker === undefined
        ? this.#workers.reduce((a, b) => (b.load < a.load ? b : a))
        : this.#workers[worker % this.#workers.length];
    const weight = job.ranges.reduce((n, r) => n + r.length, 0);
    pw.load += weight;
    return new Promise<JobResult>((resolve, reject) => {
      this.#pending.set(job.jobId, { resolve, reject, worker: pw, weight });
      pw.worker.postMessage(
        job satisfies ToRestoreWorker,
        job.ranges.map((r) => r.buffer as ArrayBuffer),
      );
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(this.#workers.map((w) => w.worker.terminate()));
    this.#workers.length = 0;
  }

  #onResult(msg: FromRestoreWorker): void {
    const p = this.#pending.get(msg.jobId);
    if (!p) return;
    this.#pending.delete(msg.jobId);
    p.worker.load -= p.weight;
    p.resolve(msg);
  }

  #fail(err: unknown): void {
    this.#failure ??=
      err instanceof LifeboatError
        ? err
        : new LifeboatError('Internal', `restore worker failed: ${(err as Error)?.message}`);
    for (const [id, p] of this.#pending) {
      this.#pending.delete(id);
      p.reject(this.#failure);
    }
  }
}
