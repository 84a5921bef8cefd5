/**
 * The in-process API server's front: the one object every client request and simulated controller writes
 * through. It owns the store, the watches and the per-service write state, serves reads itself, and hands each
 * kind of write to its own module under `writes/` (create, update and patch, delete, subresources) so that each
 * set of API rules can be read on its own.
 */
import { randomInt } from 'node:crypto';
import type { Logger } from 'pino';
import { type Clock, systemClock } from '../../core/clock.ts';
import type { KubeObject, ResourceType } from '../registry/types.ts';
import type { ResourceCatalog } from './catalog.ts';
import { CrdLifecycle } from './crds.ts';
import { cloneObject } from './meta.ts';
import { listRaw, type RawList } from './reads.ts';
import { MemoryStore } from './store.ts';
import type {
  DeleteOptions,
  ListOptions,
  ListResult,
  ObjectService,
  PatchType,
  ResourceRef,
  Status,
  WatchEvent,
  Watcher,
  WatchOptions,
  WriteOptions,
} from './types.ts';
import { type RawWatchSink, startWatch } from './watch.ts';
import { createObject } from './writes/create.ts';
import { deleteAllOf, deleteCollection, deleteObject } from './writes/delete.ts';
import { WriteState } from './writes/state.ts';
import { finalizeNamespace, getScale, writeScale } from './writes/subresources.ts';
import { type PatchOptions, patchObject, updateObject } from './writes/update.ts';

export type ObjectServiceOptions = {
  registry: ResourceCatalog;
  clock?: Clock;
  logger?: Logger;
  /** Events the watch history keeps (default 100,000); older starting points get 410 Expired. */
  watchHistory?: number;
  /** How often watches that allow bookmarks receive one (default 5,000 ms). */
  bookmarkIntervalMs?: number;
  /**
   * Pods bound to a node are deleted gracefully: deletionTimestamp + grace period, and the kubelet finishes with
   * a grace-0 DELETE, as on a real cluster (default true). False deletes every pod at once.
   */
  gracefulPodDeletion?: boolean;
  /** Randomness for generated names (tests pin it). */
  random?: (max: number) => number;
};

/**
 * The in-process API server: every write from a client or a simulated controller goes through here. See
 * `ObjectService` for the contract; the `*Raw` methods serve the HTTP layer with JSON text.
 */
export class KubeObjectService implements ObjectService {
  readonly store: MemoryStore;
  readonly registry: ResourceCatalog;
  readonly #bookmarkIntervalMs: number;
  readonly #state: WriteState;
  readonly #watchers = new Set<Watcher>();

  constructor(options: ObjectServiceOptions) {
    this.registry = options.registry;
    this.#bookmarkIntervalMs = options.bookmarkIntervalMs ?? 5000;
    this.store = new MemoryStore({ historySize: options.watchHistory });
    this.#state = new WriteState({
      store: this.store,
      registry: this.registry,
      crds: new CrdLifecycle(this, this.registry, options.logger),
      clock: options.clock ?? systemClock,
      logger: options.logger,
      gracefulPods: options.gracefulPodDeletion ?? true,
      random: options.random ?? randomInt,
    });
  }

  lookup(group: string, version: string, resource: string): ResourceRef | undefined {
    return this.registry.lookup(group, version, resource);
  }

  currentResourceVersion(): string {
    return String(this.store.resourceVersion);
  }

  /** The reference for a type at its preferred (first served) version; for controllers and bootstrap. */
  refFor(group: string, resource: string): ResourceRef {
    return this.#state.refFor(group, resource);
  }

  // ---- reads ----

  getRaw(ref: ResourceRef, namespace: string | undefined, name: string): string {
    return this.#state.jsonFor(ref, this.#state.entry(ref, namespace, name));
  }

  get(ref: ResourceRef, namespace: string | undefined, name: string): KubeObject {
    return JSON.parse(this.getRaw(ref, namespace, name)) as KubeObject;
  }

  listRaw(ref: ResourceRef, options: ListOptions = {}): RawList {
    return listRaw(this.store, ref, options);
  }

  list(ref: ResourceRef, options: ListOptions = {}): ListResult {
    const raw = this.listRaw(ref, options);
    const result: ListResult = {
      items: raw.items.map((j) => JSON.parse(j) as KubeObject),
      resourceVersion: raw.resourceVersion,
    };
    if (raw.continue !== undefined) result.continue = raw.continue;
    if (raw.remainingItemCount !== undefined) result.remainingItemCount = raw.remainingItemCount;
    return result;
  }

  watchRaw(ref: ResourceRef, options: WatchOptions, sink: RawWatchSink): Watcher {
    let watcher: Watcher | undefined;
    const inner = startWatch(this.store, ref, options, sink, {
      bookmarkIntervalMs: this.#bookmarkIntervalMs,
    });
    watcher = {
      stop: () => {
        inner.stop();
        if (watcher) this.#watchers.delete(watcher);
      },
    };
    this.#watchers.add(watcher);
    return watcher;
  }

  watch(ref: ResourceRef, options: WatchOptions, onEvent: (event: WatchEvent) => void): Watcher {
    return this.watchRaw(ref, options, (type, json) => {
      onEvent({ type, object: JSON.parse(json) as KubeObject | Status });
    });
  }

  // ---- writes ----

  create(
    ref: ResourceRef,
    namespace: string | undefined,
    body: KubeObject,
    options: WriteOptions = {},
  ): KubeObject {
    return this.createOwned(ref, namespace, cloneObject(body), options).object;
  }

  /**
   * Creates from a body the caller hands over (it is mutated and becomes the result). Returns the object and its
   * stored JSON in the requested version (undefined on dry run).
   */
  createOwned(
    ref: ResourceRef,
    namespace: string | undefined,
    obj: KubeObject,
    options: WriteOptions = {},
    applied = false,
  ): { object: KubeObject; json?: string } {
    return createObject(this.#state, ref, namespace, obj, options, applied);
  }

  update(
    ref: ResourceRef,
    namespace: string | undefined,
    name: string,
    body: KubeObject,
    options: WriteOptions = {},
  ): KubeObject {
    return this.updateOwned(ref, namespace, name, cloneObject(body), options);
  }

  /** PUT with a body the caller hands over. */
  updateOwned(
    ref: ResourceRef,
    namespace: string | undefined,
    name: string,
    body: KubeObject,
    options: WriteOptions = {},
  ): KubeObject {
    return updateObject(this.#state, ref, namespace, name, body, options);
  }

  patch(
    ref: ResourceRef,
    namespace: string | undefined,
    name: string,
    patchType: PatchType,
    body: unknown,
    options: PatchOptions = {},
  ): { object: KubeObject; created: boolean } {
    return patchObject(this.#state, ref, namespace, name, patchType, body, options);
  }

  delete(
    ref: ResourceRef,
    namespace: string | undefined,
    name: string,
    options: DeleteOptions = {},
  ): KubeObject | Status {
    return deleteObject(this.#state, ref, namespace, name, options);
  }

  /** DELETE on a collection: every object the list options select, each deleted as by `delete`. */
  deleteCollection(ref: ResourceRef, listOptions: ListOptions, options: DeleteOptions = {}): KubeObject[] {
    return deleteCollection(this.#state, ref, listOptions, options);
  }

  /** For the CRD lifecycle: removes every custom resource of `type` that has no finalizers; marks the rest. */
  deleteAllOf(type: ResourceType): number {
    return deleteAllOf(this.#state, type);
  }

  // ---- subresources ----

  getScale(ref: ResourceRef, namespace: string | undefined, name: string): KubeObject {
    return getScale(this.#state, ref, namespace, name);
  }

  /** PUT or PATCH of `scale`: the Scale's spec.replicas goes to the parent's spec replicas path. */
  writeScale(
    ref: ResourceRef,
    namespace: string | undefined,
    name: string,
    change: { put: KubeObject } | { patchType: PatchType; patch: unknown },
    options: WriteOptions = {},
  ): KubeObject {
    return writeScale(this.#state, ref, namespace, name, change, options);
  }

  /** PUT /api/v1/namespaces/{name}/finalize: only spec.finalizers changes; an emptied terminating namespace goes. */
  finalizeNamespace(name: string, body: KubeObject, options: WriteOptions = {}): KubeObject {
    return finalizeNamespace(this.#state, name, body, options);
  }

  // ---- lifecycle ----

  /** Writes the objects a fresh cluster has: system namespaces and the `kubernetes` service. */
  bootstrap(namespaces: string[]): void {
    const nsRef = this.refFor('', 'namespaces');
    for (const name of namespaces) {
      if (!this.store.get('namespaces', '', name)) {
        this.create(nsRef, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
      }
    }
    const svcRef = this.registry.find('', 'services') ? this.refFor('', 'services') : undefined;
    if (
      svcRef &&
      this.store.get('namespaces', '', 'default') &&
      !this.store.get('services', 'default', 'kubernetes')
    ) {
      this.create(svcRef, 'default', {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: {
          name: 'kubernetes',
          labels: { component: 'apiserver', provider: 'kubernetes' },
        },
        spec: {
          clusterIP: '10.96.0.1',
          ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }],
          sessionAffinity: 'None',
          type: 'ClusterIP',
        },
      });
    }
  }

  /** Stops every watch (their timers included). */
  close(): void {
    for (const w of [...this.#watchers]) w.stop();
  }
}

/** Builds the in-process API server over a resource registry. */
export function createObjectService(options: ObjectServiceOptions): KubeObjectService {
  return new KubeObjectService(options);
}
