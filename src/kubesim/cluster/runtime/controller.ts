import type { KubeObject } from '../../registry/types.ts';
import type { ClusterContext } from './context.ts';
import type { Informer } from './informer.ts';
import { type Reconcile, WorkQueue } from './work-queue.ts';

type KeysOf = (obj: KubeObject) => string | Iterable<string> | undefined;

/**
 * A controller: a work queue fed by informer events and a periodic resync, and a reconcile function that
 * reads current state from the API (never from the event) and writes the difference.
 */
export class Controller {
  readonly queue: WorkQueue;
  readonly #ctx: ClusterContext;
  readonly #unsubscribes: (() => void)[] = [];
  readonly #timers: NodeJS.Timeout[] = [];

  constructor(ctx: ClusterContext, name: string, reconcile: Reconcile, concurrency = 4) {
    this.#ctx = ctx;
    this.queue = new WorkQueue({
      name,
      reconcile,
      concurrency,
      logger: ctx.logger.child({ controller: name }),
    });
  }

  /** Enqueues the keys `keysOf` maps each added, updated or deleted object (and its previous state) to. */
  watch(informer: Informer, keysOf: KeysOf): this {
    const enqueue = (obj: KubeObject): void => {
      const keys = keysOf(obj);
      if (keys === undefined) return;
      if (typeof keys === 'string') this.queue.add(keys);
      else for (const key of keys) this.queue.add(key);
    };
    this.#unsubscribes.push(
      informer.on({
        add: enqueue,
        update: (obj, old) => {
          enqueue(obj);
          if (old) enqueue(old);
        },
        delete: enqueue,
      }),
    );
    return this;
  }

  /** Runs `cleanup` when the controller stops (own informers, extra subscriptions). */
  onStop(cleanup: () => void): this {
    this.#unsubscribes.push(cleanup);
    return this;
  }

  /** Re-enqueues `keys()` every `ms` (defaults to the simulation's resync interval). */
  resync(keys: () => Iterable<string>, ms = this.#ctx.timing.resyncMs): this {
    const timer = setInterval(() => {
      for (const key of keys()) this.queue.add(key);
    }, ms);
    timer.unref();
    this.#timers.push(timer);
    return this;
  }

  async stop(): Promise<void> {
    for (const off of this.#unsubscribes.splice(0)) off();
    for (const timer of this.#timers.splice(0)) clearInterval(timer);
    await this.queue.stop();
  }
}
