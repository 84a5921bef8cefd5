import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import { type Clock, systemClock } from '../core/clock.ts';
import { errorMessage, isLifeboatError } from '../core/errors.ts';
import { type Body, bodyBytes } from './body.ts';
import { compareKeys } from './keys.ts';
import type { ObjectInfo, ObjectStore, PutOptions } from './object-store.ts';

/** The defaults of RetryPolicy, for flags and documentation. */
export const DEFAULT_RETRY_POLICY = Object.freeze({ attempts: 5, baseDelayMs: 200, maxDelayMs: 10_000 });

export interface RetryPolicy {
  /** Attempts in all, the first included; default 5. */
  attempts?: number;
  /** Ceiling of the first backoff; it doubles per attempt. Default 200 ms. */
  baseDelayMs?: number;
  /** Largest backoff; default 10 s. */
  maxDelayMs?: number;
  /** Where waiting happens; a ManualClock makes tests instant. Default the system clock. */
  clock?: Clock;
  /** Jitter source in [0, 1); default Math.random. */
  random?: () => number;
  /** Told about every retry (operation, key, attempt, delay, error message). */
  logger?: Logger;
}

/**
 * Wraps a store so that operations failing with a `retryable` LifeboatError are tried again, with exponential
 * backoff and full jitter (a delay drawn from [0, min(maxDelay, baseDelay × 2^n))). Permanent errors pass
 * through at once; after the last attempt the last error is thrown.
 *
 * What cannot be retried safely is not: a `put` of a stream (the body is consumed by the first attempt) and
 * the body of a `get` once returned. A `list` that fails part-way resumes after the last key it yielded (keys
 * come in order). A create-if-absent put that failed ambiguously and then finds the object present compares
 * the stored bytes with its body: equal means the first attempt did land, and the put succeeds.
 */
export function createRetryingObjectStore(store: ObjectStore, policy: RetryPolicy = {}): ObjectStore {
  const attempts = Math.max(1, policy.attempts ?? DEFAULT_RETRY_POLICY.attempts);
  const base = policy.baseDelayMs ?? DEFAULT_RETRY_POLICY.baseDelayMs;
  const max = policy.maxDelayMs ?? DEFAULT_RETRY_POLICY.maxDelayMs;
  const clock = policy.clock ?? systemClock;
  const random = policy.random ?? Math.random;

  /** Rethrows `err` unless another attempt is due, then waits out the backoff. */
  async function backoff(err: unknown, attempt: number, op: string, key: string): Promise<void> {
    if (attempt >= attempts || !isLifeboatError(err) || !err.retryable) throw err;
    const delayMs = Math.floor(random() * Math.min(max, base * 2 ** (attempt - 1)));
    policy.logger?.warn(
      { op, key, attempt, delayMs, error: errorMessage(err) },
      'object store call failed; retrying',
    );
    await clock.sleep(delayMs);
  }

  async function retry<T>(op: string, key: string, fn: (attempt: number) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn(attempt);
      } catch (err) {
        await backoff(err, attempt, op, key);
      }
    }
  }

  async function put(key: string, body: Body, options?: PutOptions): Promise<void> {
    const bytes = bodyBytes(body);
    if (bytes === undefined) return store.put(key, body, options);
    return retry('put', key, async (attempt) => {
      try {
        await store.put(key, bytes, options);
      } catch (err) {
        if (attempt > 1 && options?.ifNoneMatch && isLifeboatError(err, 'AlreadyExists')) {
          const stored = await store.getBuffer(key).catch(() => undefined);
          if (stored?.equals(bytes)) return;
        }
        throw err;
      }
    });
  }

  async function* list(prefix: string): AsyncIterable<ObjectInfo> {
    let last: string | undefined;
    for (let attempt = 1; ; attempt++) {
      try {
        for await (const info of store.list(prefix)) {
          if (last !== undefined && compareKeys(info.key, last) <= 0) continue;
          last = info.key;
          yield info;
        }
        return;
      } catch (err) {
        await backoff(err, attempt, 'list', prefix);
      }
    }
  }

  const wrapped: ObjectStore = {
    provider: store.provider,
    put,
    get: (key: string): Promise<Readable> => retry('get', key, () => store.get(key)),
    getBuffer: (key: string): Promise<Buffer> => retry('getBuffer', key, () => store.getBuffer(key)),
    getRange: (key: string, offset: number, length: number): Promise<Buffer> =>
      retry('getRange', key, () => store.getRange(key, offset, length)),
    stat: (key: string): Promise<ObjectInfo> => retry('stat', key, () => store.stat(key)),
    exists: (key: string): Promise<boolean> => retry('exists', key, () => store.exists(key)),
    list,
    listCommonPrefixes: (prefix: string, delimiter?: string): Promise<string[]> =>
      retry('listCommonPrefixes', prefix, () => store.listCommonPrefixes(prefix, delimiter)),
    delete: (key: string): Promise<void> => retry('delete', key, () => store.delete(key)),
    signedUrl: (key: string, ttlMs: number): Promise<string> =>
      retry('signedUrl', key, () => store.signedUrl(key, ttlMs)),
  };
  if (store.close) wrapped.close = () => store.close!();
  return wrapped;
}
