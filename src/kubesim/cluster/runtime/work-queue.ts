import type { Logger } from 'pino';
import { errorMessage } from '../../../core/errors.ts';
import { ApiError } from '../../apiserver/types.ts';

/** What a reconcile may ask for besides "done": to be looked at again after a while (polls, timed conditions). */
export type ReconcileResult = undefined | { requeueAfterMs: number };

export type Reconcile = (key: string) => Promise<ReconcileResult> | ReconcileResult;

export type WorkQueueOptions = {
  name: string;
  reconcile: Reconcile;
  logger: Logger;
  /** Keys reconciled at the same time; one key is never reconciled twice at once. */
  concurrency?: number;
  /** Retry delay after a failure: base × 2^(failures-1), capped. */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
};

/**
 * A keyed work queue with the semantics of client-go's: a key added many times while waiting is reconciled
 * once; a key added while it is being reconciled is reconciled again afterwards (never concurrently); a
 * failure retries the key with exponential backoff. Delays are engineering retries, so they use real timers,
 * never the simulated clock.
 */
export class WorkQueue {
  readonly name: string;
  readonly #reconcile: Reconcile;
  readonly #logger: Logger;
  readonly #concurrency: number;
  readonly #baseMs: number;
  readonly #maxMs: number;
  readonly #queue: string[] = [];
  readonly #waiting = new Set<string>();
  readonly #processing = new Set<string>();
  readonly #failures = new Map<string, number>();
  readonly #timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  #running = 0;
  #pumpScheduled = false;
  #stopped = false;
  #idleWaiters: (() => void)[] = [];

  constructor(options: WorkQueueOptions) {
    this.name = options.name;
    this.#reconcile = options.reconcile;
    this.#logger = options.logger;
    this.#concurrency = options.concurrency ?? 4;
    this.#baseMs = options.backoffBaseMs ?? 20;
    this.#maxMs = options.backoffMaxMs ?? 5_000;
  }

  add(key: string): void {
    if (this.#stopped || this.#waiting.has(key)) return;
    this.#waiting.add(key);
    if (this.#processing.has(key)) return;
    this.#queue.push(key);
    this.#schedulePump();
  }

  /** Adds the key after `ms`; an earlier pending delay for the same key wins. */
  addAfter(key: string, ms: number): void {
    if (this.#stopped) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const at = Date.now() + ms;
    const pending = this.#timers.get(key);
    if (pending && pending.at <= at) return;
    if (pending) clearTimeout(pending.timer);
    const timer = setTimeout(() => {
      this.#timers.delete(key);
      this.add(key);
    }, ms);
    timer.unref();
    this.#timers.set(key, { at, timer });
  }

  /** Number of keys waiting or being reconciled (delayed keys not counted). */
  get length(): number {
    return this.#waiting.size + this.#processing.size;
  }

  /** Resolves when nothing is waiting or running (delayed keys aside); for tests and orderly shutdown. */
  idle(): Promise<void> {
    if (this.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Stops taking work, cancels delayed keys and waits for running reconciles to finish. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const { timer } of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    this.#queue.length = 0;
    this.#waiting.clear();
    while (this.#running > 0) await new Promise((resolve) => setTimeout(resolve, 5));
    for (const w of this.#idleWaiters.splice(0)) w();
  }

  #schedulePump(): void {
    if (this.#pumpScheduled) return;
    this.#pumpScheduled = true;
    setImmediate(() => {
      this.#pumpScheduled = false;
      this.#pump();
    });
  }

  #pump(): void {
    while (!this.#stopped && this.#running < this.#concurrency && this.#queue.length > 0) {
      const key = this.#queue.shift()!;
      this.#waiting.delete(key);
      this.#processing.add(key);
      this.#running++;
      void this.#run(key);
    }
  }

  async #run(key: string): Promise<void> {
    try {
      const result = await this.#reconcile(key);
      this.#failures.delete(key);
      if (result?.requeueAfterMs !== undefined) this.addAfter(key, result.requeueAfterMs);
    } catch (err) {
      const failures = (this.#failures.get(key) ?? 0) + 1;
      this.#failures.set(key, failures);
      const delay = Math.min(this.#maxMs, this.#baseMs * 2 ** Math.min(failures - 1, 20));
      const expected = err instanceof ApiError && (err.code === 409 || err.code === 404);
      this.#logger[expected || failures < 3 ? 'debug' : 'warn'](
        { queue: this.name, key, failures, retryInMs: delay, err: errorMessage(err) },
        'reconcile failed; retrying',
      );
      this.addAfter(key, delay);
    } finally {
      this.#processing.delete(key);
      this.#running--;
      if (this.#waiting.has(key) && !this.#stopped) this.#queue.push(key);
      if (this.#queue.length > 0) this.#schedulePump();
      if (this.length === 0) for (const w of this.#idleWaiters.splice(0)) w();
    }
  }
}
