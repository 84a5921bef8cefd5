import type { Logger } from 'pino';
import { type Clock, systemClock } from '../../core/clock.ts';
import { errorMessage } from '../../core/errors.ts';
import type { Informer } from '../../kube/informer.ts';
import { objectKey } from '../../kube/object-key.ts';
import type { KubeObject } from '../../kube/types.ts';
import { WorkQueue, type WorkQueueOptions } from './work-queue.ts';

/** What a reconcile asks for besides success: to be run again after a while (a periodic check, say). */
export type ReconcileResult = { requeueAfterMs?: number } | undefined;

/**
 * Reconciles one key (`namespace/name`). Reads the current object itself (from the informer's cache or the
 * API: the key may name an object that is gone). A throw requeues the key with backoff; `signal` aborts when
 * the controller is stopped and no longer wants to wait.
 */
export type Reconciler = (key: string, signal: AbortSignal) => Promise<ReconcileResult | undefined>;

export type ControllerOptions<T extends KubeObject> = {
  /** For logs and metrics (`backup`, `restore`, …). */
  name: string;
  informer: Informer<T>;
  reconcile: Reconciler;
  /** Concurrent reconciles, never two of the same key (default 1). */
  workers?: number;
  /** Which informer events queue their object's key (default: every add, update and delete). */
  filter?: (event: 'add' | 'update' | 'delete', object: T, previous?: T) => boolean;
  queue?: WorkQueueOptions;
  clock?: Clock;
  logger: Logger;
  /** Called after each reconcile, for metrics. */
  onReconciled?: (outcome: { key: string; ok: boolean; durationMs: number; error?: unknown }) => void;
};

/**
 * The controller loop: informer events → a deduplicating work queue → `reconcile(key)` on N workers. A failed
 * reconcile is retried with per-key exponential backoff; a successful one resets it. `start()` resolves once
 * the informer has synced (every existing object queued) and workers run; `stop()` stops the informer, lets
 * running reconciles finish (aborting their signal after `graceMs`) and resolves when every worker is idle.
 */
export class Controller<T extends KubeObject = KubeObject> {
  readonly name: string;
  readonly queue: WorkQueue;
  readonly #o: ControllerOptions<T>;
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #abort = new AbortController();
  #workers: Promise<void>[] = [];
  #unsubscribe: (() => void)[] = [];
  #started = false;

  constructor(options: ControllerOptions<T>) {
    this.#o = options;
    this.name = options.name;
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger.child({ controller: options.name });
    this.queue = new WorkQueue({ clock: this.#clock, ...options.queue });
  }

  /** Queues a key by hand (a periodic resync, an event from another resource). */
  enqueue(key: string, afterMs = 0): void {
    this.queue.addAfter(key, afterMs);
  }

  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    const { informer, filter } = this.#o;
    const queue = (object: T): void => this.queue.add(objectKey(object));
    this.#unsubscribe = [
      informer.onAdd((o) => {
        if (!filter || filter('add', o)) queue(o);
      }),
      informer.onUpdate((old, o) => {
        if (!filter || filter('update', o, old)) queue(o);
      }),
      informer.onDelete((o) => {
        if (!filter || filter('delete', o)) queue(o);
      }),
    ];
    await informer.start();
    const workers = Math.max(1, this.#o.workers ?? 1);
    for (let i = 0; i < workers; i++) this.#workers.push(this.#work());
    this.#logger.info({ workers }, 'controller started');
  }

  /** Stops taking work and waits for running reconciles; after `graceMs` (default 30 s) their signal aborts. */
  async stop(options: { graceMs?: number } = {}): Promise<void> {
    for (const u of this.#unsubscribe.splice(0)) u();
    await this.#o.informer.stop();
    const drained = this.queue.shutDown();
    const graceMs = options.graceMs ?? 30_000;
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, graceMs);
    });
    await Promise.race([drained, grace]);
    clearTimeout(timer);
    this.#abort.abort();
    await Promise.all([drained, ...this.#workers]);
    this.#workers = [];
    this.#logger.info('controller stopped');
  }

  async #work(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      const started = performance.now();
      try {
        const result = await this.#o.reconcile(key, this.#abort.signal);
        this.queue.forget(key);
        if (result?.requeueAfterMs !== undefined) this.queue.addAfter(key, result.requeueAfterMs);
        this.#o.onReconciled?.({ key, ok: true, durationMs: performance.now() - started });
      } catch (err) {
        const retries = this.queue.retries(key);
        this.#logger.warn(
          { key, retries, err: errorMessage(err) },
          'reconcile failed; retrying with backoff',
        );
        this.queue.addRateLimited(key);
        this.#o.onReconciled?.({ key, ok: false, durationMs: performance.now() - started, error: err });
      } finally {
        this.queue.done(key);
      }
    }
  }
}
