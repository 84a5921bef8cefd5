import { Readable } from 'node:stream';
import { LifeboatError } from '../core/errors.ts';
import { type Body, bodyBytes, readAll } from './body.ts';
import type { ObjectInfo, ObjectStore, PutOptions } from './object-store.ts';

export type StoreMethod =
  | 'put'
  | 'get'
  | 'getBuffer'
  | 'getRange'
  | 'stat'
  | 'exists'
  | 'list'
  | 'listCommonPrefixes'
  | 'delete'
  | 'signedUrl';

/**
 * What a fault does when it fires.
 * - `fail`: the call does not reach the store and rejects with a transient error (Unavailable, retryable).
 * - `throw`: the call does not reach the store and rejects with `error` (default: a permanent Internal error).
 * - `fail-after`: the call reaches the store and takes effect, then the caller gets a transient error (a lost
 *   response: the write happened, the caller cannot know).
 * - `crash`: the process "dies" at this call: nothing reaches the store, the call rejects with SimulatedCrash,
 *   and every later call of this wrapper does too until `revive()`. For a put, that is a crash mid-upload on
 *   an atomic store: nothing of the new object is stored.
 * - `crash-after`: as `crash`, but the call takes effect first.
 * - `truncate` (put): a crash mid-upload on a store that is *not* atomic: the first `bytes` bytes (default
 *   half) of the body are stored as the object, then the crash.
 * - `drop` (put): the put reports success but nothing is stored (a lost write; no crash).
 * - `break` (get): the returned stream delivers `bytes` bytes (default half) and then errors with a
 *   transient Unavailable (a connection lost mid-download). (list): the listing yields `items` entries
 *   (default 1) and then fails with a transient Unavailable.
 */
export type FaultAction =
  | 'fail'
  | 'throw'
  | 'fail-after'
  | 'crash'
  | 'crash-after'
  | 'truncate'
  | 'drop'
  | 'break';

export interface FaultRule {
  /** Methods the rule applies to; all by default. */
  method?: StoreMethod | StoreMethod[];
  /** Keys the rule applies to (for listings, the prefix): a RegExp, or a string the key starts with. */
  key?: RegExp | string;
  /** Fire on the nth matching call (1-based); default 1. */
  nth?: number;
  /** How many matching calls fire, from the nth on; default 1. `Infinity` for all of them. */
  times?: number;
  action: FaultAction;
  /** The error for `throw`. */
  error?: Error;
  /** For `truncate` and `break` of a get: how many bytes get through. */
  bytes?: number;
  /** For `break` of a list: how many entries get through. */
  items?: number;
}

/** The error of a simulated process death. Deliberately not a LifeboatError: no code path should handle it. */
export class SimulatedCrash extends Error {
  constructor(method: StoreMethod, key: string) {
    super(`simulated crash during ${method} ${key}`);
    this.name = 'SimulatedCrash';
  }
}

/** One call seen by the wrapper, in order, and whether a fault fired on it. */
export interface FaultyCall {
  method: StoreMethod;
  key: string;
  fault?: FaultAction;
}

export interface FaultyObjectStore extends ObjectStore {
  /** Every call so far. */
  readonly calls: readonly FaultyCall[];
  /** True after a `crash`, `crash-after` or `truncate` fired, until `revive`. */
  readonly crashed: boolean;
  /** Adds a rule; rules are checked in the order added and the first that fires wins. */
  inject(rule: FaultRule): void;
  /** Removes all rules. */
  clear(): void;
  /** Brings the store back after a crash ("the process restarted"), keeping what was stored. */
  revive(): void;
}

/**
 * Wraps a store with injectable faults, for testing crash safety and error handling of the layers above
 * (a backup interrupted before its metadata, a prune crashing between steps, an upload cut mid-way). The
 * wrapped store is real; only the rules decide what goes wrong.
 */
export function createFaultyObjectStore(store: ObjectStore, rules: FaultRule[] = []): FaultyObjectStore {
  const active = rules.map((rule) => ({ rule, seen: 0, fired: 0 }));
  const calls: FaultyCall[] = [];
  let crashed = false;

  function check(method: StoreMethod, key: string): FaultRule | undefined {
    const call: FaultyCall = { method, key };
    calls.push(call);
    if (crashed) throw new SimulatedCrash(method, key);
    // Every matching rule counts the call, so each rule's `nth` is independent of the others.
    let firing: FaultRule | undefined;
    for (const entry of active) {
      if (!matches(entry.rule, method, key)) continue;
      entry.seen++;
      const nth = entry.rule.nth ?? 1;
      if (firing !== undefined || entry.seen < nth || entry.fired >= (entry.rule.times ?? 1)) continue;
      entry.fired++;
      call.fault = entry.rule.action;
      firing = entry.rule;
    }
    return firing;
  }

  /** Runs `op` under the faults that match `method`/`key`. */
  async function run<T>(method: StoreMethod, key: string, op: () => Promise<T>): Promise<T> {
    const rule = check(method, key);
    return rule === undefined ? op() : apply(rule, method, key, op);
  }

  async function put(key: string, body: Body, options?: PutOptions): Promise<void> {
    const rule = check('put', key);
    if (rule === undefined) return store.put(key, body, options);
    const bytes = bodyBytes(body) ?? (await readAll(body as Readable));
    switch (rule.action) {
      case 'truncate':
        // The partial body is all that "arrived", so the announced length goes with the rest of it.
        await store.put(key, bytes.subarray(0, rule.bytes ?? Math.floor(bytes.length / 2)), {
          ...options,
          contentLength: undefined,
        });
        crashed = true;
        throw new SimulatedCrash('put', key);
      case 'drop':
        return;
      default:
        return apply(rule, 'put', key, () => store.put(key, bytes, options));
    }
  }

  async function get(key: string): Promise<Readable> {
    const rule = check('get', key);
    if (rule === undefined) return store.get(key);
    if (rule.action !== 'break') return apply(rule, 'get', key, () => store.get(key));
    const data = await readAll(await store.get(key));
    const through = data.subarray(0, rule.bytes ?? Math.floor(data.length / 2));
    return Readable.from(
      (async function* () {
        yield through;
        throw transient('get', key);
      })(),
    );
  }

  /** Carries out a fired rule's action around `op` (put's and get's own actions are handled by them). */
  async function apply<T>(
    rule: FaultRule,
    method: StoreMethod,
    key: string,
    op: () => Promise<T>,
  ): Promise<T> {
    switch (rule.action) {
      case 'fail':
        throw transient(method, key);
      case 'throw':
        throw rule.error ?? new LifeboatError('Internal', `injected permanent fault in ${method} ${key}`);
      case 'crash':
        crashed = true;
        throw new SimulatedCrash(method, key);
      case 'fail-after':
        await op();
        throw transient(method, key);
      case 'crash-after':
        await op();
        crashed = true;
        throw new SimulatedCrash(method, key);
      default:
        return op();
    }
  }

  async function* list(prefix: string): AsyncIterable<ObjectInfo> {
    const rule = check('list', prefix);
    if (rule?.action === 'break') {
      let left = rule.items ?? 1;
      for await (const info of store.list(prefix)) {
        if (left-- <= 0) break;
        yield info;
      }
      throw transient('list', prefix);
    }
    if (rule !== undefined) await apply(rule, 'list', prefix, async () => undefined);
    yield* store.list(prefix);
  }

  const faulty: FaultyObjectStore = {
    provider: store.provider,
    get calls() {
      return calls;
    },
    get crashed() {
      return crashed;
    },
    inject(rule) {
      active.push({ rule, seen: 0, fired: 0 });
    },
    clear() {
      active.length = 0;
    },
    revive() {
      crashed = false;
    },
    put,
    get,
    getBuffer: (key) => run('getBuffer', key, () => store.getBuffer(key)),
    getRange: (key, offset, length) => run('getRange', key, () => store.getRange(key, offset, length)),
    stat: (key) => run('stat', key, () => store.stat(key)),
    exists: (key) => run('exists', key, () => store.exists(key)),
    list,
    listCommonPrefixes: (prefix, delimiter) =>
      run('listCommonPrefixes', prefix, () => store.listCommonPrefixes(prefix, delimiter)),
    delete: (key) => run('delete', key, () => store.delete(key)),
    signedUrl: (key, ttlMs) => run('signedUrl', key, () => store.signedUrl(key, ttlMs)),
  };
  return faulty;
}

function matches(rule: FaultRule, method: StoreMethod, key: string): boolean {
  if (
    rule.method !== undefined &&
    !(Array.isArray(rule.method) ? rule.method : [rule.method]).includes(method)
  )
    return false;
  if (rule.key === undefined) return true;
  if (typeof rule.key === 'string') return key.startsWith(rule.key);
  rule.key.lastIndex = 0; // a /g or /y pattern would otherwise remember where its last match ended
  return rule.key.test(key);
}

function transient(method: StoreMethod, key: string): LifeboatError {
  return new LifeboatError('Unavailable', `injected transient fault in ${method} ${key}`, {
    retryable: true,
  });
}
