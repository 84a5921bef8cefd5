import type { ResourceRef } from '../apiserver/types.ts';
import type { KubeObject, OwnerReference } from '../registry/types.ts';
import { isNotFound } from './runtime/api-errors.ts';
import { refId } from './runtime/catalog.ts';
import type { ClusterContext } from './runtime/context.ts';
import { Informer } from './runtime/informer.ts';
import { orNull } from './runtime/objects.ts';
import { WorkQueue } from './runtime/work-queue.ts';

const ORPHAN = 'orphan';
const FOREGROUND = 'foregroundDeletion';
/** How many times an ownerReference whose kind no served type has is retried before it counts as absent. */
const UNRESOLVED_ATTEMPTS = 5;

type Node = {
  ref: ResourceRef;
  namespace: string | undefined;
  name: string;
  uid: string;
  owners: OwnerReference[];
};

function nodeKey(ref: ResourceRef, namespace: string | undefined, name: string): string {
  return `${refId(ref)}|${namespace ?? ''}|${name}`;
}

/** What the collector keeps of an object: only its identity and ownership, and only when it matters. */
function project(obj: KubeObject): KubeObject | undefined {
  const owners = obj.metadata.ownerReferences;
  const finalizers = obj.metadata.finalizers ?? [];
  if (!owners?.length && !finalizers.includes(ORPHAN) && !finalizers.includes(FOREGROUND)) return undefined;
  return {
    metadata: {
      name: obj.metadata.name,
      namespace: obj.metadata.namespace,
      uid: obj.metadata.uid,
      ownerReferences: owners,
      finalizers: obj.metadata.finalizers,
      deletionTimestamp: obj.metadata.deletionTimestamp,
    },
  };
}

/**
 * The garbage collector: watches every served type (the catalog follows CRDs) and keeps a graph of owner
 * uid → dependents. A dependent all of whose owners are gone is deleted (Background); one with some owners
 * gone loses those references. An owner deleted with `foregroundDeletion` has its dependents deleted
 * (Foreground) and keeps the finalizer until no dependent with `blockOwnerDeletion` remains; one deleted
 * with `orphan` has its references stripped from its dependents, then the finalizer removed. Owners are
 * verified with a live GET by uid, as the real collector does, never from a possibly stale cache.
 */
export class GarbageCollector {
  readonly #ctx: ClusterContext;
  readonly #informers = new Map<string, Informer>();
  readonly #refs = new Map<string, ResourceRef>();
  readonly #nodes = new Map<string, Node>();
  readonly #dependents = new Map<string, Set<string>>();
  readonly #unresolved = new Map<string, number>();
  readonly queue: WorkQueue;
  #unsubscribe: (() => void) | undefined;

  constructor(ctx: ClusterContext) {
    this.#ctx = ctx;
    this.queue = new WorkQueue({
      name: 'garbage-collector',
      concurrency: 4,
      logger: ctx.logger.child({ controller: 'garbage-collector' }),
      reconcile: (key) => this.#reconcile(key),
    });
  }

  start(): void {
    this.#unsubscribe = this.#ctx.catalog.onChange(() => this.#syncTypes());
    this.#syncTypes();
  }

  async stop(): Promise<void> {
    this.#unsubscribe?.();
    for (const informer of this.#informers.values()) informer.stop();
    this.#informers.clear();
    await this.queue.stop();
  }

  #syncTypes(): void {
    const wanted = new Map(this.#ctx.catalog.all().map((r) => [refId(r), r]));
    for (const [id, informer] of this.#informers) {
      if (!wanted.has(id)) {
        informer.stop();
        this.#informers.delete(id);
      }
    }
    for (const [id, ref] of wanted) {
      this.#refs.set(id, ref);
      if (this.#informers.has(id)) continue;
      const informer = new Informer(this.#ctx.api, ref, this.#ctx.logger, {
        transform: project,
        pageSize: 1000,
      });
      informer.on({
        add: (obj) => this.#observe(ref, obj, undefined),
        update: (obj, old) => this.#observe(ref, obj, old),
        delete: (obj) => this.#forget(ref, obj),
      });
      this.#informers.set(id, informer);
      informer.start();
    }
  }

  #observe(ref: ResourceRef, obj: KubeObject, old: KubeObject | undefined): void {
    const key = nodeKey(ref, obj.metadata.namespace, obj.metadata.name!);
    const owners = obj.metadata.ownerReferences ?? [];
    const previous = this.#nodes.get(key);
    if (previous) for (const o of previous.owners) this.#dependents.get(o.uid)?.delete(key);
    if (owners.length > 0) {
      this.#nodes.set(key, {
        ref,
        namespace: obj.metadata.namespace,
        name: obj.metadata.name!,
        uid: obj.metadata.uid!,
        owners,
      });
      for (const o of owners) {
        let set = this.#dependents.get(o.uid);
        if (!set) {
          set = new Set();
          this.#dependents.set(o.uid, set);
        }
        set.add(key);
      }
      const oldOwners = JSON.stringify(old?.metadata.ownerReferences ?? []);
      if (!old || oldOwners !== JSON.stringify(owners)) this.queue.add(`dep|${key}`);
    } else {
      this.#nodes.delete(key);
    }
    const finalizers = obj.metadata.finalizers ?? [];
    if (obj.metadata.deletionTimestamp && (finalizers.includes(ORPHAN) || finalizers.includes(FOREGROUND))) {
      this.queue.add(`own|${key}`);
    }
  }

  #forget(ref: ResourceRef, obj: KubeObject): void {
    const key = nodeKey(ref, obj.metadata.namespace, obj.metadata.name!);
    const node = this.#nodes.get(key);
    if (node && node.uid === obj.metadata.uid) {
      this.#nodes.delete(key);
      for (const o of node.owners) {
        this.#dependents.get(o.uid)?.delete(key);
        // An owner waiting in foreground deletion may now be free to go.
        const ownerRef = this.#ctx.catalog.byKind(o.apiVersion, o.kind);
        if (ownerRef) {
          const ns = ownerRef.type.namespaced ? obj.metadata.namespace : undefined;
          this.queue.add(`own|${nodeKey(ownerRef, ns, o.name)}`);
        }
      }
    }
    for (const dependent of this.#dependents.get(obj.metadata.uid!) ?? []) this.queue.add(`dep|${dependent}`);
  }

  #reconcile(queueKey: string): undefined {
    const [kind, id, namespace, name] = queueKey.split('|');
    const ref = this.#refs.get(id);
    if (!ref) return undefined;
    const ns = namespace === '' ? undefined : namespace;
    if (kind === 'dep') this.#collectDependent(ref, ns, name);
    else this.#finishOwner(ref, ns, name);
    return undefined;
  }

  #get(ref: ResourceRef, namespace: string | undefined, name: string): KubeObject | undefined {
    try {
      return this.#ctx.api.get(ref, namespace, name);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** Whether the owner a reference names exists with that uid; `undefined` while its kind is unknown. */
  #ownerExists(
    owner: OwnerReference,
    dependentNamespace: string | undefined,
    dependentKey: string,
  ): boolean | undefined {
    const ref = this.#ctx.catalog.byKind(owner.apiVersion, owner.kind);
    if (!ref) {
      const tries = (this.#unresolved.get(`${dependentKey}|${owner.uid}`) ?? 0) + 1;
      this.#unresolved.set(`${dependentKey}|${owner.uid}`, tries);
      return tries >= UNRESOLVED_ATTEMPTS ? false : undefined;
    }
    // A cluster-scoped dependent cannot have a namespaced owner; like the real collector, leave it alone.
    if (ref.type.namespaced && !dependentNamespace) return true;
    const live = this.#get(ref, ref.type.namespaced ? dependentNamespace : undefined, owner.name);
    return live?.metadata.uid === owner.uid;
  }

  #collectDependent(ref: ResourceRef, namespace: string | undefined, name: string): void {
    const obj = this.#get(ref, namespace, name);
    if (!obj || obj.metadata.deletionTimestamp) return;
    const owners = obj.metadata.ownerReferences ?? [];
    if (owners.length === 0) return;
    const key = nodeKey(ref, namespace, name);
    const absent: string[] = [];
    let unknown = false;
    for (const owner of owners) {
      const exists = this.#ownerExists(owner, namespace, key);
      if (exists === undefined) unknown = true;
      else if (!exists) absent.push(owner.uid);
    }
    if (unknown) throw new Error(`owner kind of ${key} is not served (yet)`);
    if (absent.length === 0) return;
    if (absent.length === owners.length) {
      const finalizers = obj.metadata.finalizers ?? [];
      const propagationPolicy = finalizers.includes(ORPHAN)
        ? 'Orphan'
        : finalizers.includes(FOREGROUND)
          ? 'Foreground'
          : 'Background';
      try {
        this.#ctx.api.delete(ref, namespace, name, {
          propagationPolicy,
          preconditions: { uid: obj.metadata.uid },
        });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      return;
    }
    this.#ctx.api.patch(ref, namespace, name, 'merge', {
      metadata: {
        resourceVersion: obj.metadata.resourceVersion,
        ownerReferences: orNull(owners.filter((o) => !absent.includes(o.uid))),
      },
    });
  }

  #finishOwner(ref: ResourceRef, namespace: string | undefined, name: string): void {
    const owner = this.#get(ref, namespace, name);
    if (!owner?.metadata.deletionTimestamp) return;
    const finalizers = owner.metadata.finalizers ?? [];
    const uid = owner.metadata.uid!;
    const dependents = [...(this.#dependents.get(uid) ?? [])]
      .map((k) => this.#nodes.get(k))
      .filter((n): n is Node => n !== undefined);
    if (finalizers.includes(ORPHAN)) {
      for (const d of dependents) {
        const live = this.#get(d.ref, d.namespace, d.name);
        if (!live) continue;
        const refs = live.metadata.ownerReferences ?? [];
        if (!refs.some((o) => o.uid === uid)) continue;
        this.#ctx.api.patch(d.ref, d.namespace, d.name, 'merge', {
          metadata: {
            resourceVersion: live.metadata.resourceVersion,
            ownerReferences: orNull(refs.filter((o) => o.uid !== uid)),
          },
        });
      }
      this.#removeFinalizer(ref, owner, ORPHAN);
      return;
    }
    if (!finalizers.includes(FOREGROUND)) return;
    let blocking = 0;
    for (const d of dependents) {
      const live = this.#get(d.ref, d.namespace, d.name);
      if (!live) continue;
      const link = live.metadata.ownerReferences?.find((o) => o.uid === uid);
      if (!link) continue;
      if (link.blockOwnerDeletion) blocking++;
      if (!live.metadata.deletionTimestamp) {
        try {
          this.#ctx.api.delete(d.ref, d.namespace, d.name, {
            propagationPolicy: 'Foreground',
            preconditions: { uid: live.metadata.uid },
          });
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
      }
    }
    if (blocking === 0) this.#removeFinalizer(ref, owner, FOREGROUND);
  }

  #removeFinalizer(ref: ResourceRef, obj: KubeObject, finalizer: string): void {
    this.#ctx.api.patch(ref, obj.metadata.namespace, obj.metadata.name!, 'merge', {
      metadata: {
        resourceVersion: obj.metadata.resourceVersion,
        finalizers: orNull((obj.metadata.finalizers ?? []).filter((f) => f !== finalizer)),
      },
    });
  }
}
