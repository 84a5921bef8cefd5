import { groupResource, type KubeObject, type ResourceType } from '../registry/types.ts';
import { serializeObject } from './codec.ts';
import { EventHistory } from './history.ts';
import { SortedKeys } from './sorted-keys.ts';

/**
 * kubesim's etcd: objects per group-resource, keyed by namespace and name, each kept as its serialized JSON
 * (storage version) beside the few parsed fields that selectors and paging need. One global resourceVersion
 * counts every write; every write is one event in a bounded history and is pushed to subscribers of its
 * resource synchronously, so a subscriber that replays history and then subscribes in the same tick misses
 * nothing. The store knows nothing of Kubernetes semantics: the object service decides what to write.
 */

export type StoredEntry = {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly rv: number;
  /** The object's `apiVersion` as stored (its storage version when written). */
  readonly apiVersion: string;
  /** The whole object, `apiVersion` first (see codec.ts). */
  readonly json: string;
  readonly labels: Readonly<Record<string, string>> | undefined;
};

export type StoreEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export type StoreEvent = {
  readonly rv: number;
  readonly type: StoreEventType;
  /** The group-resource key the object belongs to (`deployments.apps`, `pods`). */
  readonly resource: string;
  /** The state after the write; for DELETED, the final state stamped with the deletion's rv. */
  readonly entry: StoredEntry;
  /** The state before the write (MODIFIED, DELETED). */
  readonly prev: StoredEntry | undefined;
};

export type PageOptions = {
  /** Restrict to one namespace; undefined lists every namespace (or a cluster-scoped resource). */
  namespace?: string;
  /** Resume strictly after this key (from a continue token). */
  after?: string;
  /** At most this many entries (0 or undefined: all). */
  limit?: number;
  filter?: (entry: StoredEntry) => boolean;
};

export type Page = {
  entries: StoredEntry[];
  /** Set when entries remain after the last one returned: the key to resume after. */
  nextAfter?: string;
  /** Entries remaining after this page; only computed without a filter. */
  remaining?: number;
};

export type StoreOptions = {
  /** How many events the watch history keeps (default 100,000). */
  historySize?: number;
};

/** Keys sort by namespace, then name; `\0` sorts before every character a namespace may contain. */
export function storeKey(namespace: string, name: string): string {
  return `${namespace}\0${name}`;
}

/** One namespace's objects of one resource (cluster-scoped resources have the one namespace ''). */
class NamespaceTable {
  readonly entries = new Map<string, StoredEntry>();
  readonly names = new SortedKeys();
}

/**
 * One resource's objects, by namespace and then name: an insert searches only its namespace's names (the
 * namespace is a hash lookup), which keeps creates cheap however many objects other namespaces hold.
 */
class ResourceTable {
  readonly namespaces = new Map<string, NamespaceTable>();
  /** The namespaces that hold objects, sorted. */
  readonly order = new SortedKeys();
  size = 0;

  /** Entries after `lastNamespace`/`lastName` in key order (for remainingItemCount). */
  countAfter(lastNamespace: string, lastName: string): number {
    const current = this.namespaces.get(lastNamespace);
    let n = current ? current.entries.size - current.names.rank(lastName) - 1 : 0;
    this.order.scan(lastNamespace, true, (ns) => {
      n += this.namespaces.get(ns)?.entries.size ?? 0;
      return true;
    });
    return n;
  }
}

/** A resume point (a key served last) split into namespace and name; a key without `\0` names no object. */
function splitKey(key: string): { namespace: string; name: string | undefined } {
  const at = key.indexOf('\0');
  return at < 0
    ? { namespace: key, name: undefined }
    : { namespace: key.slice(0, at), name: key.slice(at + 1) };
}

export class MemoryStore {
  #rv = 0;
  readonly #tables = new Map<string, ResourceTable>();
  readonly #history: EventHistory<StoreEvent>;
  readonly #subscribers = new Map<string, Set<(event: StoreEvent) => void>>();

  constructor(options: StoreOptions = {}) {
    this.#history = new EventHistory<StoreEvent>(options.historySize ?? 100_000, 0);
  }

  /** The global resourceVersion: the rv of the last write. */
  get resourceVersion(): number {
    return this.#rv;
  }

  /** Events after this rv are all retained. */
  get historyFloor(): number {
    return this.#history.floor;
  }

  /** The oldest rv still in history (for "too old resource version" messages). */
  get historyOldest(): number {
    return this.#history.oldest;
  }

  /** Events of every resource with rv > `after`, or undefined when compacted away. */
  eventsSince(after: number): StoreEvent[] | undefined {
    return this.#history.since(after);
  }

  get(resource: string, namespace: string, name: string): StoredEntry | undefined {
    return this.#tables.get(resource)?.namespaces.get(namespace)?.entries.get(name);
  }

  count(resource: string, namespace?: string): number {
    const table = this.#tables.get(resource);
    if (!table) return 0;
    if (namespace === undefined) return table.size;
    return table.namespaces.get(namespace)?.entries.size ?? 0;
  }

  /**
   * Stores `obj` (created or replaced), stamping `metadata.resourceVersion` with the next rv on the object
   * itself before serializing it; emits ADDED or MODIFIED.
   */
  write(resource: string, obj: KubeObject): StoredEntry {
    return this.#put(resource, obj, false) as StoredEntry;
  }

  /** `write` for a new object: undefined (and nothing written) when one of that name is stored already. */
  add(resource: string, obj: KubeObject): StoredEntry | undefined {
    return this.#put(resource, obj, true);
  }

  #put(resource: string, obj: KubeObject, onlyNew: boolean): StoredEntry | undefined {
    const table = this.#table(resource);
    const namespace = obj.metadata.namespace ?? '';
    const name = obj.metadata.name;
    if (!name) throw new Error('store: object without a name');
    let space = table.namespaces.get(namespace);
    if (!space) {
      space = new NamespaceTable();
      table.namespaces.set(namespace, space);
      table.order.insert(namespace);
    }
    const prev = space.entries.get(name);
    if (prev && onlyNew) return undefined;
    const rv = ++this.#rv;
    obj.metadata.resourceVersion = String(rv);
    const entry = makeEntry(obj, namespace, name, rv);
    space.entries.set(name, entry);
    if (!prev) {
      space.names.insert(name);
      table.size++;
    }
    this.#emit({ rv, type: prev ? 'MODIFIED' : 'ADDED', resource, entry, prev });
    return entry;
  }

  /**
   * Removes an object. `final` is its last state (as the DELETED event carries it); its resourceVersion is
   * stamped with the deletion's rv. Returns the final entry, or undefined when the object was absent.
   */
  remove(resource: string, final: KubeObject): StoredEntry | undefined {
    const table = this.#tables.get(resource);
    const namespace = final.metadata.namespace ?? '';
    const name = final.metadata.name ?? '';
    const space = table?.namespaces.get(namespace);
    const prev = space?.entries.get(name);
    if (!table || !space || !prev) return undefined;
    const rv = ++this.#rv;
    final.metadata.resourceVersion = String(rv);
    const entry = makeEntry(final, namespace, name, rv);
    space.entries.delete(name);
    space.names.delete(name);
    table.size--;
    if (space.entries.size === 0) {
      table.namespaces.delete(namespace);
      table.order.delete(namespace);
    }
    this.#emit({ rv, type: 'DELETED', resource, entry, prev });
    return entry;
  }

  /** One page in key order (namespace, then name). */
  page(resource: string, options: PageOptions = {}): Page {
    const table = this.#tables.get(resource);
    if (!table) return { entries: [] };
    const { namespace, filter } = options;
    const limit = options.limit && options.limit > 0 ? options.limit : Number.POSITIVE_INFINITY;
    const after = options.after === undefined ? undefined : splitKey(options.after);
    const entries: StoredEntry[] = [];
    let last: StoredEntry | undefined;
    let more = false;
    /** Visits one namespace's names from `from` (exclusive when given); false once the page is full. */
    const visit = (space: NamespaceTable, from: string | undefined): boolean => {
      let full = false;
      space.names.scan(from ?? '', from !== undefined, (name) => {
        if (entries.length >= limit) {
          more = true;
          full = true;
          return false;
        }
        const entry = space.entries.get(name)!;
        if (!filter || filter(entry)) {
          entries.push(entry);
          last = entry;
        }
        return true;
      });
      return !full;
    };
    if (namespace !== undefined) {
      // A resume point in an earlier namespace starts at the beginning, one in a later namespace ends the list.
      const space = table.namespaces.get(namespace);
      const from = after && after.namespace === namespace ? after.name : undefined;
      if (space && !(after && after.namespace > namespace)) visit(space, from);
    } else {
      table.order.scan(after?.namespace ?? '', false, (ns) => {
        const from = after && ns === after.namespace ? after.name : undefined;
        return visit(table.namespaces.get(ns)!, from);
      });
    }
    const page: Page = { entries };
    const lastEntry = last as StoredEntry | undefined;
    if (more && lastEntry !== undefined) {
      page.nextAfter = storeKey(lastEntry.namespace, lastEntry.name);
      if (!filter) {
        page.remaining =
          namespace === undefined
            ? table.countAfter(lastEntry.namespace, lastEntry.name)
            : (table.namespaces.get(namespace)?.entries.size ?? 0) -
              (table.namespaces.get(namespace)?.names.rank(lastEntry.name) ?? 0) -
              1;
      }
    }
    return page;
  }

  /** Every group-resource key that holds objects. */
  resources(): string[] {
    return [...this.#tables.keys()].filter((r) => (this.#tables.get(r)?.size ?? 0) > 0);
  }

  /**
   * Receives every later event of `resource`, synchronously and in rv order. Returns the unsubscribe function.
   * A subscriber must not throw; if it does, the error is swallowed so one watcher cannot break a write.
   */
  subscribe(resource: string, onEvent: (event: StoreEvent) => void): () => void {
    let set = this.#subscribers.get(resource);
    if (!set) {
      set = new Set();
      this.#subscribers.set(resource, set);
    }
    set.add(onEvent);
    return () => {
      const current = this.#subscribers.get(resource);
      current?.delete(onEvent);
      if (current?.size === 0) this.#subscribers.delete(resource);
    };
  }

  #table(resource: string): ResourceTable {
    let table = this.#tables.get(resource);
    if (!table) {
      table = new ResourceTable();
      this.#tables.set(resource, table);
    }
    return table;
  }

  #emit(event: StoreEvent): void {
    this.#history.push(event);
    const subscribers = this.#subscribers.get(event.resource);
    if (!subscribers) return;
    for (const fn of [...subscribers]) {
      try {
        fn(event);
      } catch {
        // A subscriber's failure is its own; the write has happened and others must still hear of it.
      }
    }
  }
}

function makeEntry(obj: KubeObject, namespace: string, name: string, rv: number): StoredEntry {
  const apiVersion = obj.apiVersion;
  if (typeof apiVersion !== 'string' || apiVersion === '')
    throw new Error('store: object without apiVersion');
  return {
    namespace,
    name,
    uid: obj.metadata.uid ?? '',
    rv,
    apiVersion,
    json: serializeObject(obj),
    labels: obj.metadata.labels ? { ...obj.metadata.labels } : undefined,
  };
}

const resourceKeys = new WeakMap<ResourceType, string>();

/** The store key of a type's objects (its group-resource), computed once per type: this runs on every request. */
export function resourceKey(type: ResourceType): string {
  let key = resourceKeys.get(type);
  if (key === undefined) {
    key = groupResource(type);
    resourceKeys.set(type, key);
  }
  return key;
}
