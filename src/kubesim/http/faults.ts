import { internalError, serviceUnavailable, tooManyRequests } from '../apiserver/errors.ts';
import type { ApiError } from '../apiserver/types.ts';

/**
 * Programmatic fault injection for reliability tests: per resource and verb, added latency, error responses
 * (429 with Retry-After, 500, 503), a number of times or with a probability, and dropped watch connections.
 */
export type FaultVerb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete';

export type FaultRule = {
  /** Group-resource as Kubernetes writes it (`configmaps`, `deployments.apps`) or `*` (the default). */
  resource?: string;
  /** One verb or `*` (the default). `delete` also covers deletecollection. */
  verb?: FaultVerb | '*';
  /** Delay before the request is handled. */
  latencyMs?: number;
  /** Answer with this error instead of handling the request. */
  error?: 429 | 500 | 503;
  /** Retry-After for 429 (and 503), in seconds; default 1. */
  retryAfterSeconds?: number;
  /** For watches: close the connection this long after it opened (0: right after the initial events). */
  dropWatchAfterMs?: number;
  /** Apply to at most this many matching requests, then retire (default: no limit). */
  times?: number;
  /** Chance, 0 to 1, that a matching request is affected (default 1). */
  probability?: number;
};

export type FaultHandle = {
  /** How many requests this rule has affected so far. */
  readonly hits: number;
  remove(): void;
};

/** What to do with one request. */
export type FaultDecision = { latencyMs: number; error?: ApiError; dropWatchAfterMs?: number };

type ActiveRule = FaultRule & { id: number; hits: number };

export class FaultInjector {
  #rules: ActiveRule[] = [];
  #nextId = 1;
  readonly #random: () => number;
  readonly #watches = new Map<number, { resource: string; close: (graceful: boolean) => void }>();
  #nextWatch = 1;
  readonly #delays = new Set<{ timer: NodeJS.Timeout; reject: (err: Error) => void }>();

  constructor(random: () => number = Math.random) {
    this.#random = random;
  }

  /** Adds a rule; rules are checked in the order added, and every matching rule applies (latencies add up). */
  add(rule: FaultRule): FaultHandle {
    validate(rule);
    const active: ActiveRule = { ...rule, id: this.#nextId++, hits: 0 };
    this.#rules.push(active);
    return {
      get hits() {
        return active.hits;
      },
      remove: () => {
        this.#rules = this.#rules.filter((r) => r.id !== active.id);
      },
    };
  }

  /** Removes every rule. */
  clear(): void {
    this.#rules = [];
  }

  /**
   * Drops open watch connections now (of one group-resource, or all); returns how many. By default the
   * connection is cut (the client sees a network error); `graceful` ends the stream as a server timeout does.
   */
  dropWatches(resource?: string, options: { graceful?: boolean } = {}): number {
    let n = 0;
    for (const [id, w] of [...this.#watches]) {
      if (resource === undefined || resource === '*' || w.resource === resource) {
        this.#watches.delete(id);
        w.close(options.graceful ?? false);
        n++;
      }
    }
    return n;
  }

  /** The HTTP layer registers each open watch so it can be dropped; returns the unregister function. */
  trackWatch(resource: string, close: (graceful: boolean) => void): () => void {
    const id = this.#nextWatch++;
    this.#watches.set(id, { resource, close });
    return () => {
      this.#watches.delete(id);
    };
  }

  /**
   * Waits out injected latency in real time (whatever clock kubesim runs on: latency is about the wire).
   * `close()` ends every pending wait.
   */
  delay(ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const pending = {
        timer: setTimeout(() => {
          this.#delays.delete(pending);
          resolve();
        }, ms),
        reject,
      };
      this.#delays.add(pending);
    });
  }

  /** Ends pending latency waits (their requests fail) and forgets open watches; rules stay. */
  close(): void {
    for (const d of this.#delays) {
      clearTimeout(d.timer);
      d.reject(new Error('kubesim is stopping'));
    }
    this.#delays.clear();
    this.#watches.clear();
  }

  /** Decides the fate of one request; undefined when no rule applies. */
  decide(resource: string, verb: FaultVerb): FaultDecision | undefined {
    if (this.#rules.length === 0) return undefined;
    let decision: FaultDecision | undefined;
    for (const rule of [...this.#rules]) {
      if (rule.resource && rule.resource !== '*' && rule.resource !== resource) continue;
      if (rule.verb && rule.verb !== '*' && rule.verb !== verb) continue;
      if (rule.probability !== undefined && this.#random() >= rule.probability) continue;
      rule.hits++;
      if (rule.times !== undefined && rule.hits >= rule.times) {
        this.#rules = this.#rules.filter((r) => r.id !== rule.id);
      }
      decision ??= { latencyMs: 0 };
      decision.latencyMs += rule.latencyMs ?? 0;
      if (rule.error && !decision.error) decision.error = errorFor(rule);
      if (rule.dropWatchAfterMs !== undefined && verb === 'watch') {
        decision.dropWatchAfterMs = Math.min(
          decision.dropWatchAfterMs ?? Number.POSITIVE_INFINITY,
          rule.dropWatchAfterMs,
        );
      }
    }
    return decision;
  }
}

function errorFor(rule: FaultRule): ApiError {
  const retry = rule.retryAfterSeconds ?? 1;
  switch (rule.error) {
    case 429:
      return tooManyRequests(retry);
    case 503: {
      const err = serviceUnavailable();
      err.status.details = { retryAfterSeconds: retry };
      return err;
    }
    default:
      return internalError('injected fault');
  }
}

function validate(rule: FaultRule): void {
  if (rule.error !== undefined && ![429, 500, 503].includes(rule.error)) {
    throw new RangeError(`fault error must be 429, 500 or 503, not ${rule.error}`);
  }
  if (rule.probability !== undefined && !(rule.probability >= 0 && rule.probability <= 1)) {
    throw new RangeError('fault probability must be between 0 and 1');
  }
  if (rule.times !== undefined && !(Number.isInteger(rule.times) && rule.times > 0)) {
    throw new RangeError('fault times must be a positive whole number');
  }
  if (rule.latencyMs !== undefined && !(rule.latencyMs >= 0))
    throw new RangeError('fault latency must be ≥ 0');
}
