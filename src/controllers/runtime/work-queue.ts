import { setMaxListeners } from 'node:events';
import { type Clock, systemClock } from '../../core/clock.ts';

export type WorkQueueOptions = {
  clock?: Clock;
  /** First retry delay of a failing key; doubles per failure (default 5 ms, as client-go). */
  baseDelayMs?: number;
  /** Cap of a key's retry delay (default 1,000 s, as client-go; controllers usually lower it). */
  maxDelayMs?: number;
  /** Overall rate of rate-limited adds, a token bucket (default 10 per second, burst 100, as client-go). */
  qps?: number;
  burst?: number;
};

/**
 * A work queue of object keys with client-go's guarantees: a key is queued at most once however often it is
 * added; a key being processed is never handed to a second worker, and if it is added meanwhile it is queued
 * again when `done` is called. `addRateLimited` retries a key after a per-key exponential backoff (and an
 * overall token bucket), `forget` resets that backoff. `shutDown` makes `get` answer undefined.
 */
export class WorkQueue {
  readonly #clock: Clock;
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #qps: number;
  readonly #burst: number;
  #queue: string[] = [];
  #head = 0;
  readonly #dirty = new Set<string>();
  readonly #processing = new Set<string>();
  readonly #failures = new Map<string, number>();
  /** Keys waiting in `addAfter`, with the earliest time each is due, so one key never holds many timers. */
  readonly #waiting = new Map<string, number>();
  #waiters: ((key: string | undefined) => void)[] = [];
  #idleWaiters: (() => void)[] = [];
  #tokens: number;
  #tokensAt: number;
  #shuttingDown = false;
  readonly #timers = new AbortController();

  constructor(options: WorkQueueOptions = {}) {
    // Every delayed item waits on this one signal (a GC pass requeues each backup), so its listener
    // count is the number of items waiting, not a leak.
    setMaxListeners(0, this.#timers.signal);
    this.#clock = options.clock ?? systemClock;
    this.#baseDelayMs = options.baseDelayMs ?? 5;
    this.#maxDelayMs = options.maxDelayMs ?? 1_000_000;
    this.#qps = options.qps ?? 10;
    this.#burst = options.burst ?? 100;
    this.#tokens = this.#burst;
    this.#tokensAt = this.#clock.now().getTime();
  }

  /** Keys queued and not yet handed out. */
  get length(): number {
    return this.#queue.length - this.#head;
  }

  get shuttingDown(): boolean {
    return this.#shuttingDown;
  }

  /** Queues `key` unless it is already queued; a key in processing is queued again once it is done. */
  add(key: string): void {
    if (this.#shuttingDown || this.#dirty.has(key)) return;
    this.#dirty.add(key);
    if (this.#processing.has(key)) return;
    const waiter = this.#waiters.shift();
    if (waiter) {
      this.#dirty.delete(key);
      this.#processing.add(key);
      waiter(key);
      return;
    }
    this.#queue.push(key);
  }

  /** Queues `key` after `ms` of the queue's clock (at once when ms ≤ 0). */
  addAfter(key: string, ms: number): void {
    if (this.#shuttingDown) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const due = this.#clock.now().getTime() + ms;
    const already = this.#waiting.get(key);
    if (already !== undefined && already <= due) return;
    this.#waiting.set(key, due);
    this.#clock.sleep(ms, this.#timers.signal).then(
      () => {
        if (this.#waiting.get(key) !== due) return;
        this.#waiting.delete(key);
        this.add(key);
      },
      () => {},
    );
  }

  /** Queues `key` after its backoff (base × 2^failures, capped) or the rate limit, whichever is later. */
  addRateLimited(key: string): void {
    const failures = this.#failures.get(key) ?? 0;
    this.#failures.set(key, failures + 1);
    const backoff = Math.min(this.#maxDelayMs, this.#baseDelayMs * 2 ** failures);
    this.addAfter(key, Math.max(backoff, this.#bucketDelay()));
  }

  /** Ends the backoff of `key` (after a success). */
  forget(key: string): void {
    this.#failures.delete(key);
  }

  /** How many times `key` was rate-limited since it was last forgotten. */
  retries(key: string): number {
    return this.#failures.get(key) ?? 0;
  }

  /** The next key, marked as processing; waits for one; undefined once the queue shuts down. */
  get(): Promise<string | undefined> {
    if (this.length > 0) {
      const key = this.#queue[this.#head++];
      if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
        this.#queue = this.#queue.slice(this.#head);
        this.#head = 0;
      }
      this.#dirty.delete(key);
      this.#processing.add(key);
      return Promise.resolve(key);
    }
    if (this.#shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Marks `key` as processed; queues it again if it was added while it was processed. */
  done(key: string): void {
    this.#processing.delete(key);
    if (this.#dirty.has(key) && !this.#shuttingDown) {
      const waiter = this.#waiters.shift();
      if (waiter) {
        this.#dirty.delete(key);
        this.#processing.add(key);
        waiter(key);
      } else {
        this.#queue.push(key);
      }
    }
    if (this.#processing.size === 0) for (const w of this.#idleWaiters.splice(0)) w();
  }

  /**
   * Stops the queue: no more adds, delayed adds are dropped, waiting and later `get`s answer undefined (queued
   * keys are dropped too). Resolves once no key is in processing.
   */
  async shutDown(): Promise<void> {
    this.#shuttingDown = true;
    this.#timers.abort();
    this.#waiting.clear();
    this.#queue = [];
    this.#head = 0;
    this.#dirty.clear();
    for (const w of this.#waiters.splice(0)) w(undefined);
    if (this.#processing.size === 0) return;
    await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
  }

  /** The token bucket: how long until the next token (0 when one is available now, which it takes). */
  #bucketDelay(): number {
    const now = this.#clock.now().getTime();
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#tokensAt) / 1000) * this.#qps);
    this.#tokensAt = now;
    this.#tokens -= 1;
    return this.#tokens >= 0 ? 0 : Math.ceil((-this.#tokens / this.#qps) * 1000);
  }
}
