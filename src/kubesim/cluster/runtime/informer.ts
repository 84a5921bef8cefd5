import type { Logger } from 'pino';
import { errorMessage } from '../../../core/errors.ts';
import type {
  ListOptions,
  ObjectService,
  ResourceRef,
  Status,
  WatchEvent,
  Watcher,
} from '../../apiserver/types.ts';
import type { KubeObject } from '../../registry/types.ts';

export type InformerHandler = {
  add?(obj: KubeObject): void;
  update?(obj: KubeObject, old: KubeObject): void;
  delete?(obj: KubeObject): void;
};

export type InformerOptions = {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /**
   * Reduces what the cache keeps (like client-go's SetTransform): return a smaller object, or `undefined` to
   * keep nothing for it. Handlers still receive every event with the full object.
   */
  transform?: (obj: KubeObject) => KubeObject | undefined;
  /** Page size of the initial list and of relists, so a huge collection is never held twice. */
  pageSize?: number;
};

/** `namespace/name`, or `name` for cluster-scoped objects: the key every controller queues. */
export function objectKey(obj: Pick<KubeObject, 'metadata'>): string {
  const ns = obj.metadata.namespace;
  return ns ? `${ns}/${obj.metadata.name}` : (obj.metadata.name ?? '');
}

export function splitKey(key: string): { namespace: string | undefined; name: string } {
  const slash = key.indexOf('/');
  return slash < 0
    ? { namespace: undefined, name: key }
    : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

const RELIST_DELAY_MS = 50;

/**
 * List-then-watch over the in-process API, with a local cache. When the watch reports an ERROR (410 Gone
 * after falling behind the history window, or any other), it relists and reports the differences as
 * add/update/delete, exactly as a client-go reflector does. Handlers run inside the watch callback, so they
 * must only record or enqueue; never write to the API from them.
 */
export class Informer {
  readonly ref: ResourceRef;
  readonly #api: ObjectService;
  readonly #options: InformerOptions;
  readonly #logger: Logger;
  readonly #cache = new Map<string, KubeObject>();
  readonly #handlers = new Set<InformerHandler>();
  #watcher: Watcher | undefined;
  #session = 0;
  #synced = false;
  #stopped = false;
  #retry: NodeJS.Timeout | undefined;
  #relists = 0;

  constructor(api: ObjectService, ref: ResourceRef, logger: Logger, options: InformerOptions = {}) {
    this.#api = api;
    this.ref = ref;
    this.#options = options;
    this.#logger = logger;
  }

  /** Registers a handler; current cache content is replayed to it as `add`. Returns an unsubscribe function. */
  on(handler: InformerHandler): () => void {
    this.#handlers.add(handler);
    if (this.#synced) for (const obj of this.#cache.values()) handler.add?.(obj);
    return () => this.#handlers.delete(handler);
  }

  start(): void {
    if (this.#stopped || this.#synced) return;
    this.#relist();
  }

  stop(): void {
    this.#stopped = true;
    this.#session++;
    this.#watcher?.stop();
    this.#watcher = undefined;
    if (this.#retry) clearTimeout(this.#retry);
    this.#handlers.clear();
  }

  get synced(): boolean {
    return this.#synced;
  }

  /** How many times the informer has listed (1 after start; more after watch errors). */
  get relists(): number {
    return this.#relists;
  }

  get(namespace: string | undefined, name: string): KubeObject | undefined {
    return this.#cache.get(namespace ? `${namespace}/${name}` : name);
  }

  list(namespace?: string): KubeObject[] {
    const all = [...this.#cache.values()];
    return namespace === undefined ? all : all.filter((o) => o.metadata.namespace === namespace);
  }

  #relist(): void {
    if (this.#stopped) return;
    this.#session++;
    this.#watcher?.stop();
    this.#watcher = undefined;
    let items: KubeObject[];
    let resourceVersion: string;
    try {
      ({ items, resourceVersion } = this.#listAll());
    } catch (err) {
      this.#logger.warn(
        { resource: this.ref.type.resource, err: errorMessage(err) },
        'list failed; retrying',
      );
      this.#scheduleRelist(500);
      return;
    }
    this.#relists++;
    const fresh = new Map<string, KubeObject>();
    for (const item of items) fresh.set(objectKey(item), item);
    for (const [key, old] of this.#cache) {
      if (!fresh.has(key)) {
        this.#cache.delete(key);
        this.#emit('delete', old);
      }
    }
    for (const [key, obj] of fresh) this.#apply(key, obj, 'ADDED');
    this.#synced = true;
    const session = this.#session;
    let failedEarly = false;
    const watcher = this.#api.watch(
      this.ref,
      {
        namespace: this.#options.namespace,
        labelSelector: this.#options.labelSelector,
        fieldSelector: this.#options.fieldSelector,
        resourceVersion,
        allowWatchBookmarks: true,
      },
      (event) => {
        if (session !== this.#session) return;
        if (event.type === 'ERROR') {
          failedEarly = true;
          this.#onError(event.object as Status);
          return;
        }
        this.#onEvent(event);
      },
    );
    if (failedEarly || session !== this.#session) watcher.stop();
    else this.#watcher = watcher;
  }

  #listAll(): { items: KubeObject[]; resourceVersion: string } {
    const base: ListOptions = {
      namespace: this.#options.namespace,
      labelSelector: this.#options.labelSelector,
      fieldSelector: this.#options.fieldSelector,
    };
    const pageSize = this.#options.pageSize ?? 500;
    const items: KubeObject[] = [];
    let first = this.#api.list(this.ref, { ...base, limit: pageSize });
    const resourceVersion = first.resourceVersion;
    for (;;) {
      for (const item of first.items) items.push(item);
      if (!first.continue) break;
      first = this.#api.list(this.ref, { ...base, limit: pageSize, continue: first.continue });
    }
    return { items, resourceVersion };
  }

  #onError(status: Status): void {
    this.#logger.debug(
      { resource: this.ref.type.resource, code: status.code, message: status.message },
      'watch ended with an error; relisting',
    );
    this.#session++;
    this.#scheduleRelist(status.code === 410 ? 0 : RELIST_DELAY_MS);
  }

  #scheduleRelist(ms: number): void {
    if (this.#stopped) return;
    if (this.#retry) clearTimeout(this.#retry);
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      this.#relist();
    }, ms);
  }

  #onEvent(event: WatchEvent): void {
    if (event.type === 'BOOKMARK') return;
    const obj = event.object as KubeObject;
    const key = objectKey(obj);
    if (event.type === 'DELETED') {
      const old = this.#cache.get(key);
      this.#cache.delete(key);
      this.#emit('delete', obj, old);
      return;
    }
    this.#apply(key, obj, event.type);
  }

  #apply(key: string, obj: KubeObject, type: string): void {
    const old = this.#cache.get(key);
    if (old && old.metadata.resourceVersion === obj.metadata.resourceVersion && type === 'ADDED') return;
    const kept = this.#options.transform ? this.#options.transform(obj) : obj;
    if (kept) this.#cache.set(key, kept);
    else this.#cache.delete(key);
    if (old) this.#emit('update', obj, old);
    else this.#emit('add', obj);
  }

  #emit(kind: 'add' | 'update' | 'delete', obj: KubeObject, old?: KubeObject): void {
    for (const handler of this.#handlers) {
      try {
        if (kind === 'add') handler.add?.(obj);
        else if (kind === 'update') handler.update?.(obj, old!);
        else handler.delete?.(obj);
      } catch (err) {
        this.#logger.error(
          { resource: this.ref.type.resource, err: errorMessage(err) },
          'informer handler threw',
        );
      }
    }
  }
}
