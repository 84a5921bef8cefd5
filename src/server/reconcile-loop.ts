import type { Logger } from 'pino';
import type { Reconciler } from '../controllers/context.ts';
import { errorMessage } from '../core/errors.ts';
import { createInformer, type Informer } from '../kube/index.ts';
import type { DynamicClient, KubeObject } from '../kube/types.ts';

export interface ReconcileLoopOptions {
  client: DynamicClient;
  namespace: string;
  logger: Logger;
  /** Reconciles run at once (different objects; one object is never reconciled twice at once). */
  workers?: number;
  /** Retry delays after a failed reconcile: doubling from `baseDelayMs` to `maxDelayMs`. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Every object is reconciled again this often even without changes (default 5 minutes; 0 never). */
  resyncMs?: number;
}

/**
 * Drives one reconciler: a list-then-watch informer on its resource in the server's namespace feeds object
 * names into a queue that holds each name once; `workers` reconcile names concurrently, never the same name
 * twice at once (a change that arrives meanwhile queues it again). A failed reconcile is retried with
 * exponential backoff per name; a reconcile asking to be requeued after a delay gets a timer.
 */
export class ReconcileLoop {
  readonly #reconciler: Reconciler;
  readonly #options: ReconcileLoopOptions;
  readonly #informer: Informer<KubeObject>;
  readonly #log: Logger;
  readonly #queue: string[] = [];
  readonly #queued = new Set<string>();
  readonly #active = new Set<string>();
  readonly #dirty = new Set<string>();
  readonly #failures = new Map<string, number>();
  readonly #timers = new Map<string, ReturnType<typeof setTimeout>>();
  readonly #workers: Promise<void>[] = [];
  readonly #waiters: (() => void)[] = [];
  #stopped = false;
  #resync: ReturnType<typeof setInterval> | undefined;

  constructor(reconciler: Reconciler, options: ReconcileLoopOptions) {
    this.#reconciler = reconciler;
    this.#options = options;
    this.#log = options.logger.child({ controller: reconciler.name });
    this.#informer = createInformer(
      options.client,
      reconciler.resource,
      {
        namespace: options.namespace,
        backoff: { baseDelayMs: options.baseDelayMs, maxDelayMs: options.maxDelayMs },
      },
      this.#log,
    );
    const enqueue = (object: KubeObject): void => {
      if (object.metadata?.name) this.enqueue(object.metadata.name);
    };
    this.#informer.onAdd(enqueue);
    this.#informer.onUpdate((_previous, current) => enqueue(current));
    this.#informer.onDelete(enqueue);
  }

  get name(): string {
    return this.#reconciler.name;
  }

  get hasSynced(): boolean {
    return this.#informer.hasSynced;
  }

  /** Objects of the resource as last seen (for gauges). */
  cached(): KubeObject[] {
    return this.#informer.list();
  }

  /** Lists, then watches; resolves once the first list is in and queued. */
  async start(): Promise<void> {
    for (let i = 0; i < (this.#options.workers ?? 1); i++) this.#workers.push(this.#work());
    await this.#informer.start();
    for (const object of this.#informer.list()) if (object.metadata?.name) this.enqueue(object.metadata.name);
    const resync = this.#options.resyncMs ?? 300_000;
    if (resync > 0)
      this.#resync = setInterval(() => {
        for (const object of this.#informer.list())
          if (object.metadata?.name) this.enqueue(object.metadata.name);
      }, resync);
  }

  enqueue(name: string): void {
    if (this.#stopped) return;
    if (this.#active.has(name)) {
      this.#dirty.add(name);
      return;
    }
    if (this.#queued.has(name)) return;
    this.#queued.add(name);
    this.#queue.push(name);
    this.#waiters.shift()?.();
  }

  /**
   * Stops watching and taking names; reconciles in progress run to their end (the caller cuts long ones
   * short through the reconciler) and are awaited.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#resync) clearInterval(this.#resync);
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    for (const wake of this.#waiters.splice(0)) wake();
    await this.#informer.stop();
    await Promise.all(this.#workers);
  }

  #later(name: string, ms: number): void {
    if (this.#stopped) return;
    const existing = this.#timers.get(name);
    if (existing) clearTimeout(existing);
    const timer = setTimeout(() => {
      this.#timers.delete(name);
      this.enqueue(name);
    }, ms);
    timer.unref?.();
    this.#timers.set(name, timer);
  }

  async #work(): Promise<void> {
    while (!this.#stopped) {
      const name = this.#queue.shift();
      if (name === undefined) {
        await new Promise<void>((resolve) => {
          this.#waiters.push(resolve);
        });
        continue;
      }
      this.#queued.delete(name);
      this.#active.add(name);
      try {
        const result = await this.#reconciler.reconcile(name);
        this.#failures.delete(name);
        if (result?.requeueAfterMs !== undefined) this.#later(name, result.requeueAfterMs);
      } catch (err) {
        const failures = (this.#failures.get(name) ?? 0) + 1;
        this.#failures.set(name, failures);
        const base = this.#options.baseDelayMs ?? 200;
        const delay = Math.min(base * 2 ** (failures - 1), this.#options.maxDelayMs ?? 60_000);
        this.#log.warn(
          { name, attempt: failures, retryInMs: delay, err: errorMessage(err) },
          'reconcile failed',
        );
        this.#later(name, delay);
      } finally {
        this.#active.delete(name);
        if (this.#dirty.delete(name)) this.enqueue(name);
      }
      // Other workers may be parked; pass the wake-up on while work remains.
      if (this.#queue.length > 0) this.#waiters.shift()?.();
    }
  }
}
