import type { Clock } from '../../core/clock.ts';
import { LifeboatError } from '../../core/errors.ts';
import type { ApiResourceInfo, DynamicClient, KubeObject } from '../../kube/types.ts';

/** What a waiter makes of the object's current state: keep waiting (undefined), done, or failed. */
export type Verdict<T> = { done: T } | { failed: string } | undefined;

interface Waiter {
  key: string;
  judge: (object: KubeObject | undefined) => Verdict<unknown>;
  deadline: number;
  timeoutMessage: string;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

/**
 * Waits for many objects of one resource at once with one paged list per tick (filtered by a label
 * selector) instead of one GET per object: 200 snapshots of a backup cost one request every `intervalMs`,
 * not 200. The loop runs only while someone waits.
 */
export class ListPoller {
  readonly #client: DynamicClient;
  readonly #resource: ApiResourceInfo;
  readonly #labelSelector: string;
  readonly #namespace: string | undefined;
  readonly #clock: Clock;
  readonly #intervalMs: number;
  readonly #waiters = new Set<Waiter>();
  readonly #onIdle: (() => void) | undefined;
  #running = false;

  constructor(opts: {
    client: DynamicClient;
    resource: ApiResourceInfo;
    labelSelector: string;
    namespace?: string;
    clock: Clock;
    intervalMs?: number;
    /** Called when the last waiter is gone (the owner may drop this poller). */
    onIdle?: () => void;
  }) {
    this.#onIdle = opts.onIdle;
    this.#client = opts.client;
    this.#resource = opts.resource;
    this.#labelSelector = opts.labelSelector;
    this.#namespace = opts.namespace;
    this.#clock = opts.clock;
    this.#intervalMs = opts.intervalMs ?? 200;
  }

  /**
   * Resolves with the `done` value once `judge` says so for the object `namespace/name` (namespace '' for
   * cluster-scoped), rejects with `failed`'s message, or with code `Timeout` after `timeoutMs`.
   */
  wait<T>(
    namespace: string,
    name: string,
    judge: (object: KubeObject | undefined) => Verdict<T>,
    timeoutMs: number,
    timeoutMessage: string,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#waiters.add({
        key: `${namespace}/${name}`,
        judge,
        deadline: this.#clock.now().getTime() + timeoutMs,
        timeoutMessage,
        resolve: resolve as (value: unknown) => void,
        reject,
      });
      if (!this.#running) void this.#loop();
    });
  }

  async #loop(): Promise<void> {
    this.#running = true;
    try {
      while (this.#waiters.size > 0) {
        try {
          await this.#tick();
        } catch (err) {
          // A failed list is retried next tick; waiters still time out on their own deadlines.
          this.#expire(err);
        }
        if (this.#waiters.size > 0) await this.#clock.sleep(this.#intervalMs);
      }
    } finally {
      this.#running = false;
      this.#onIdle?.();
    }
  }

  async #tick(): Promise<void> {
    const seen = new Map<string, KubeObject>();
    for await (const page of this.#client.listPages(this.#resource, {
      labelSelector: this.#labelSelector,
      ...(this.#namespace ? { namespace: this.#namespace } : {}),
    })) {
      for (const item of page.items)
        seen.set(`${item.metadata?.namespace ?? ''}/${item.metadata?.name ?? ''}`, item);
    }
    for (const waiter of [...this.#waiters]) {
      let verdict: Verdict<unknown>;
      try {
        verdict = waiter.judge(seen.get(waiter.key));
      } catch (err) {
        this.#waiters.delete(waiter);
        waiter.reject(err);
        continue;
      }
      if (verdict === undefined) continue;
      this.#waiters.delete(waiter);
      if ('done' in verdict) waiter.resolve(verdict.done);
      else waiter.reject(new LifeboatError('Internal', verdict.failed));
    }
    this.#expire();
  }

  #expire(cause?: unknown): void {
    const now = this.#clock.now().getTime();
    for (const waiter of [...this.#waiters]) {
      if (now < waiter.deadline) continue;
      this.#waiters.delete(waiter);
      waiter.reject(new LifeboatError('Timeout', waiter.timeoutMessage, cause ? { cause } : undefined));
    }
  }
}
