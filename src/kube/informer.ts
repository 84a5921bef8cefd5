import type { Logger } from 'pino';
import { type Clock, systemClock } from '../core/clock.ts';
import { errorMessage, isLifeboatError } from '../core/errors.ts';
import { sleepUnlessAborted } from './abortable-sleep.ts';
import { keyOf, objectKey } from './object-key.ts';
import { backoffDelay, type RetryPolicy } from './retry.ts';
import type { ApiResourceInfo, DynamicClient, KubeObject, WatchEventType } from './types.ts';

export type InformerOptions = {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Page size of the lists (default: the client's). */
  pageSize?: number;
  /** Wait between failed lists or watches: exponential from `baseDelayMs` to `maxDelayMs` (defaults 200 ms, 30 s). */
  backoff?: { baseDelayMs?: number; maxDelayMs?: number };
  /** Server-side length of each watch in seconds (default: the client's, 5–10 minutes). */
  watchTimeoutSeconds?: number;
  clock?: Clock;
};

export type AddHandler<T> = (object: T) => void;
export type UpdateHandler<T> = (previous: T, current: T) => void;
export type DeleteHandler<T> = (object: T) => void;

/**
 * A list-then-watch cache of one resource. `start()` lists every page, then watches from the list's
 * resourceVersion; a watch the server ends (timeout) or that loses its connection resumes from the last
 * version seen (bookmarks keep it fresh), and a 410 Gone relists, reporting what changed meanwhile as adds,
 * updates and deletes. Handlers run in event order, synchronously; an exception in one is logged and the
 * informer goes on.
 */
export interface Informer<T extends KubeObject = KubeObject> {
  /** Registers a handler; returns its unregistration. Objects already cached are not replayed. */
  onAdd(handler: AddHandler<T>): () => void;
  onUpdate(handler: UpdateHandler<T>): () => void;
  onDelete(handler: DeleteHandler<T>): () => void;
  /** Starts the loop; resolves once the first list is in the cache (rejects only if stopped before that). */
  start(): Promise<void>;
  /** Stops the watch and the loop and waits for them to end; the cache stays readable. */
  stop(): Promise<void>;
  /** True once the first list is in the cache. */
  readonly hasSynced: boolean;
  /** The resourceVersion of the last list, event or bookmark seen. */
  readonly resourceVersion: string;
  get(namespace: string | undefined, name: string): T | undefined;
  list(): T[];
}

/** Creates an informer; nothing is requested until `start()`. */
export function createInformer<T extends KubeObject = KubeObject>(
  client: DynamicClient,
  resource: ApiResourceInfo,
  options: InformerOptions,
  logger: Logger,
): Informer<T> {
  return new ListWatchInformer<T>(client, resource, options, logger);
}

class ListWatchInformer<T extends KubeObject> implements Informer<T> {
  readonly #client: DynamicClient;
  readonly #resource: ApiResourceInfo;
  readonly #options: InformerOptions;
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #backoff: RetryPolicy;
  #cache = new Map<string, T>();
  readonly #adds = new Set<AddHandler<T>>();
  readonly #updates = new Set<UpdateHandler<T>>();
  readonly #deletes = new Set<DeleteHandler<T>>();
  #abort = new AbortController();
  #loop: Promise<void> | undefined;
  #synced = false;
  #syncWaiters: { resolve: () => void; reject: (err: Error) => void }[] = [];
  #rv = '';

  constructor(client: DynamicClient, resource: ApiResourceInfo, options: InformerOptions, logger: Logger) {
    this.#client = client;
    this.#resource = resource;
    this.#options = options;
    this.#logger = logger.child({ informer: resource.groupResource, namespace: options.namespace });
    this.#clock = options.clock ?? systemClock;
    this.#backoff = {
      attempts: Number.POSITIVE_INFINITY,
      baseDelayMs: options.backoff?.baseDelayMs ?? 200,
      maxDelayMs: options.backoff?.maxDelayMs ?? 30_000,
      maxRetryAfterMs: 0,
    };
  }

  get hasSynced(): boolean {
    return this.#synced;
  }

  get resourceVersion(): string {
    return this.#rv;
  }

  onAdd(handler: AddHandler<T>): () => void {
    this.#adds.add(handler);
    return () => this.#adds.delete(handler);
  }

  onUpdate(handler: UpdateHandler<T>): () => void {
    this.#updates.add(handler);
    return () => this.#updates.delete(handler);
  }

  onDelete(handler: DeleteHandler<T>): () => void {
    this.#deletes.add(handler);
    return () => this.#deletes.delete(handler);
  }

  get(namespace: string | undefined, name: string): T | undefined {
    return this.#cache.get(keyOf(this.#resource.namespaced ? namespace : undefined, name));
  }

  list(): T[] {
    return [...this.#cache.values()];
  }

  start(): Promise<void> {
    if (!this.#loop) {
      if (this.#abort.signal.aborted) this.#abort = new AbortController();
      this.#loop = this.#run(this.#abort.signal);
    }
    if (this.#synced) return Promise.resolve();
    return new Promise((resolve, reject) => this.#syncWaiters.push({ resolve, reject }));
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    const loop = this.#loop;
    this.#loop = undefined;
    await loop;
    for (const w of this.#syncWaiters.splice(0)) w.reject(new Error('the informer stopped before it synced'));
  }

  async #run(signal: AbortSignal): Promise<void> {
    let failures = 0;
    let needList = true;
    while (!signal.aborted) {
      try {
        if (needList) {
          await this.#relist(signal);
          needList = false;
        }
        if (signal.aborted) break;
        const started = performance.now();
        await this.#client.watch(
          this.#resource,
          {
            namespace: this.#options.namespace,
            labelSelector: this.#options.labelSelector,
            fieldSelector: this.#options.fieldSelector,
            resourceVersion: this.#rv,
            allowBookmarks: true,
            timeoutSeconds: this.#options.watchTimeoutSeconds,
          },
          (type, object) => this.#onEvent(type, object as T),
          signal,
        );
        if (signal.aborted) break;
        this.#logger.debug({ resourceVersion: this.#rv }, 'watch ended; resuming');
        // A server that ends every watch at once must not be hammered: a short watch counts as a failure.
        if (performance.now() - started >= 1000) failures = 0;
        else if (!(await sleepUnlessAborted(this.#clock, backoffDelay(failures++, this.#backoff), signal)))
          break;
      } catch (err) {
        if (signal.aborted) break;
        if (isLifeboatError(err, 'Gone')) {
          this.#logger.info({ resourceVersion: this.#rv }, 'watch too old (410); relisting');
          needList = true;
          continue;
        }
        const wait = backoffDelay(failures++, this.#backoff);
        this.#logger.warn({ err: errorMessage(err), waitMs: wait, relist: needList }, 'list or watch failed');
        if (!(await sleepUnlessAborted(this.#clock, wait, signal))) break;
      }
    }
  }

  async #relist(signal: AbortSignal): Promise<void> {
    const fresh = new Map<string, T>();
    let rv = '';
    for await (const page of this.#client.listPages(this.#resource, {
      namespace: this.#options.namespace,
      labelSelector: this.#options.labelSelector,
      fieldSelector: this.#options.fieldSelector,
      limit: this.#options.pageSize,
    })) {
      if (signal.aborted) return;
      for (const item of page.items) fresh.set(objectKey(item), item as T);
      rv = page.resourceVersion;
    }
    const previous = this.#cache;
    this.#cache = fresh;
    this.#rv = rv;
    for (const [key, object] of fresh) {
      const old = previous.get(key);
      if (!old) this.#emitAdd(object);
      else if (old.metadata?.resourceVersion !== object.metadata?.resourceVersion)
        this.#emitUpdate(old, object);
    }
    for (const [key, old] of previous) if (!fresh.has(key)) this.#emitDelete(old);
    if (!this.#synced) {
      this.#synced = true;
      for (const w of this.#syncWaiters.splice(0)) w.resolve();
    }
    this.#logger.debug({ objects: fresh.size, resourceVersion: rv }, 'listed');
  }

  #onEvent(type: WatchEventType, object: T): void {
    const rv = object.metadata?.resourceVersion;
    if (rv) this.#rv = rv;
    if (type === 'BOOKMARK') return;
    const key = objectKey(object);
    if (type === 'DELETED') {
      this.#cache.delete(key);
      this.#emitDelete(object);
      return;
    }
    const old = this.#cache.get(key);
    this.#cache.set(key, object);
    if (old) this.#emitUpdate(old, object);
    else this.#emitAdd(object);
  }

  #emitAdd(object: T): void {
    for (const h of this.#adds) this.#guard(() => h(object));
  }

  #emitUpdate(previous: T, current: T): void {
    for (const h of this.#updates) this.#guard(() => h(previous, current));
  }

  #emitDelete(object: T): void {
    for (const h of this.#deletes) this.#guard(() => h(object));
  }

  #guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.#logger.error({ err: errorMessage(err) }, 'informer handler failed');
    }
  }
}
