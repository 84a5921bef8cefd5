import { randomInt, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { type Clock, systemClock } from '../../core/clock.ts';
import { apiVersionOf, type KubeObject, type ResourceType, storageVersion } from '../registry/types.ts';
import { builtinAdmissions } from './admission/builtin.ts';
import { namespaceAdmission } from './admission/namespaces.ts';
import { ServiceAllocator } from './admission/services.ts';
import type { Admission, AdmissionContext } from './admission/types.ts';
import type { ResourceCatalog } from './catalog.ts';
import { convertJson } from './codec.ts';
import { CrdLifecycle } from './crds.ts';
import {
  alreadyExists,
  badRequest,
  conflict,
  forbidden,
  internalError,
  invalid,
  methodNotAllowed,
  notFound,
  pathNotFound,
  successStatus,
} from './errors.ts';
import {
  checkCustomResource,
  createDefaults,
  jsonPatch,
  mergePatch,
  recordUpdate,
  serverSideApply,
  smpUnsupported,
  strategicMergePatch,
  validateMeta,
} from './libs.ts';
import { cloneObject, generateName, jsonEqual, metaTime, specChanged } from './meta.ts';
import { listRaw, type RawList } from './reads.ts';
import { replicasOf, toScale, writePath } from './scale.ts';
import { MemoryStore, resourceKey, type StoredEntry } from './store.ts';
import {
  ApiError,
  type DeleteOptions,
  type ListOptions,
  type ListResult,
  type ObjectService,
  type PatchType,
  type ResourceRef,
  type Status,
  type WatchEvent,
  type Watcher,
  type WatchOptions,
  type WriteOptions,
} from './types.ts';
import { type RawWatchSink, startWatch } from './watch.ts';

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

type PatchOptions = WriteOptions & { force?: boolean };

const FOREGROUND = 'foregroundDeletion';
const ORPHAN = 'orphan';
/** The field manager of in-process writes that name none. */
const DEFAULT_MANAGER = 'kubesim';

/**
 * The in-process API server: every write from a client or a simulated controller goes through here. See
 * `ObjectService` for the contract; the `*Raw` methods serve the HTTP layer with JSON text.
 */
export class KubeObjectService implements ObjectService {
  readonly store: MemoryStore;
  readonly registry: ResourceCatalog;
  readonly #clock: Clock;
  readonly #logger: Logger | undefined;
  readonly #bookmarkIntervalMs: number;
  readonly #gracefulPods: boolean;
  readonly #random: (max: number) => number;
  readonly #admissions: Map<string, Admission>;
  readonly #services = new ServiceAllocator();
  readonly #crds: CrdLifecycle;
  readonly #watchers = new Set<Watcher>();
  /** Whether a stored namespace (entries are immutable) is terminating, parsed once per entry. */
  readonly #terminating = new WeakMap<StoredEntry, boolean>();

  constructor(options: ObjectServiceOptions) {
    this.registry = options.registry;
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger;
    this.#bookmarkIntervalMs = options.bookmarkIntervalMs ?? 5000;
    this.#gracefulPods = options.gracefulPodDeletion ?? true;
    this.#random = options.random ?? randomInt;
    this.store = new MemoryStore({ historySize: options.watchHistory });
    this.#crds = new CrdLifecycle(this, this.registry, this.#logger);
    this.#admissions = builtinAdmissions();
    this.#admissions.set('namespaces', namespaceAdmission);
    this.#admissions.set('services', this.#services.admission);
    this.#admissions.set('customresourcedefinitions.apiextensions.k8s.io', this.#crds.admission);
  }

  lookup(group: string, version: string, resource: string): ResourceRef | undefined {
    return this.registry.lookup(group, version, resource);
  }

  currentResourceVersion(): string {
    return String(this.store.resourceVersion);
  }

  /** The reference for a type at its preferred (first served) version; for controllers and bootstrap. */
  refFor(group: string, resource: string): ResourceRef {
    const type = this.registry.find(group, resource);
    if (!type) throw pathNotFound();
    const served = type.versions.find((v) => v.served);
    if (!served) throw pathNotFound();
    return { type, version: served.name };
  }

  // ---- reads ----

  getRaw(ref: ResourceRef, namespace: string | undefined, name: string): string {
    const entry = this.#entry(ref, namespace, name);
    return convertJson(entry.json, entry.apiVersion, apiVersionOf(ref.type.group, ref.version));
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
    const { type } = ref;
    const now = this.#clock.now();
    requireObject(obj);
    this.#checkKind(ref, obj);
    const meta = obj.metadata;
    const ns = this.#scopeNamespace(type, namespace, meta.namespace);
    if (type.namespaced) {
      meta.namespace = ns;
      this.#checkNamespaceWritable(ns, meta.name ?? meta.generateName ?? '', type);
    } else delete meta.namespace;
    this.#crds.checkCreatable(type);
    if (meta.resourceVersion !== undefined && meta.resourceVersion !== '') {
      throw internalError('resourceVersion should not be set on objects to be created');
    }
    const resource = resourceKey(type);
    const name = this.#assignName(type, ns, meta);
    stampNewObject(type, obj, now);

    let result = obj;
    if (type.crdName) result = this.#checkCustomResource(ref, result, options);
    createDefaults(type, result);
    const admission = this.#admission(type);
    // Most types have no admission plugin; their creates need no context object.
    const ctx = admission ? this.#context(type, now, options.dryRun) : undefined;
    if (ctx) admission?.create?.(result, ctx);
    this.#validate(type, result);
    if (options.dryRun && this.store.get(resource, ns, name)) throw alreadyExists(type, name);
    if (!applied) {
      recordUpdate(ref, undefined, result, {
        manager: options.fieldManager ?? DEFAULT_MANAGER,
        now,
        subresource: options.subresource,
      });
    }
    if (options.dryRun) return { object: result };
    // The store refuses a taken name itself, so a create looks its key up once.
    const entry = this.#commit(type, result, true);
    if (!entry) throw alreadyExists(type, name);
    if (ctx) admission?.committed?.(result, undefined, ctx);
    return { object: result, json: this.#jsonFor(ref, entry) };
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
    const { type } = ref;
    requireObject(body);
    if (options.subresource === 'finalize') {
      if (type.group !== '' || type.resource !== 'namespaces') throw pathNotFound();
      return this.finalizeNamespace(name, body, options);
    }
    const entry = this.#entry(ref, namespace, name);
    const current = this.#parse(ref, entry);
    const rv = body.metadata.resourceVersion;
    if (rv !== undefined && rv !== '') {
      if (rv !== current.metadata.resourceVersion) throw conflict(type, name);
    } else if (!type.allowUnconditionalUpdate) {
      throw invalid(type, name, [
        {
          field: 'metadata.resourceVersion',
          message: 'Invalid value: 0x0: must be specified for an update',
        },
      ]);
    }
    return this.#replace(ref, current, body, options);
  }

  patch(
    ref: ResourceRef,
    namespace: string | undefined,
    name: string,
    patchType: PatchType,
    body: unknown,
    options: PatchOptions = {},
  ): { object: KubeObject; created: boolean } {
    const { type } = ref;
    if (patchType === 'strategic' && !type.strategicMerge) throw smpUnsupported(type);
    if (patchType === 'apply') checkApplyRequest(body, options);
    const now = this.#clock.now();
    const ssa = {
      manager: options.fieldManager ?? '',
      force: options.force ?? false,
      now,
      subresource: options.subresource,
    };
    const ns = type.namespaced ? (namespace ?? '') : '';
    const entry = this.store.get(resourceKey(type), ns, name);
    if (!entry) {
      if (patchType !== 'apply' || options.subresource) throw notFound(type, name);
      const applied = cloneObject(body as KubeObject);
      applied.metadata = { ...applied.metadata, name };
      const created = serverSideApply(ref, undefined, applied, ssa).object;
      return { object: this.createOwned(ref, namespace, created, options, true).object, created: true };
    }
    const current = this.#parse(ref, entry);
    const patched = applyPatch(ref, current, patchType, body, ssa);
    const rv = patched.metadata.resourceVersion;
    if (rv !== undefined && rv !== current.metadata.resourceVersion) throw conflict(type, name);
    return {
      object: this.#replace(ref, current, patched, options, { applied: patchType === 'apply' }),
      created: false,
    };
  }

  delete(
    ref: ResourceRef,
    namespace: string | undefined,
    name: string,
    options: DeleteOptions = {},
  ): KubeObject | Status {
    const { type } = ref;
    const now = this.#clock.now();
    const ctx = this.#context(type, now, options.dryRun);
    const entry = this.#entry(ref, namespace, name);
    const obj = this.#parse(ref, entry);
    const meta = obj.metadata;
    const pre = options.preconditions;
    if (pre?.uid && pre.uid !== meta.uid) {
      throw conflict(
        type,
        name,
        `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${meta.uid}`,
      );
    }
    if (pre?.resourceVersion && pre.resourceVersion !== meta.resourceVersion) {
      throw conflict(
        type,
        name,
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${meta.resourceVersion}`,
      );
    }
    const admission = this.#admission(type);
    admission?.deleting?.(obj, ctx);

    if (meta.deletionTimestamp) {
      // A repeated DELETE changes nothing, except that a grace-0 delete of a gracefully terminating pod
      // (the kubelet, or `--force --grace-period=0`) finishes it once no finalizer holds it.
      const finishing =
        options.gracePeriodSeconds === 0 &&
        (meta.deletionGracePeriodSeconds ?? 0) > 0 &&
        (meta.finalizers?.length ?? 0) === 0 &&
        !admission?.holdsDeletion?.(obj);
      if (!finishing) return obj;
      meta.deletionGracePeriodSeconds = 0;
      return this.#remove(ref, obj, options.dryRun ?? false, ctx);
    }

    const finalizers = [...(meta.finalizers ?? [])];
    const policy = options.propagationPolicy;
    if (policy === 'Foreground' && !finalizers.includes(FOREGROUND)) finalizers.push(FOREGROUND);
    if (policy === 'Orphan' && !finalizers.includes(ORPHAN)) finalizers.push(ORPHAN);
    const grace = this.#podGrace(type, obj, options.gracePeriodSeconds);
    const held = finalizers.length > 0 || grace > 0 || (admission?.holdsDeletion?.(obj) ?? false);
    if (!held && !this.#crds.needsCleanup(type, obj)) {
      return this.#remove(ref, obj, options.dryRun ?? false, ctx);
    }
    if (finalizers.length > 0) meta.finalizers = finalizers;
    meta.deletionTimestamp = metaTime(new Date(now.getTime() + grace * 1000));
    meta.deletionGracePeriodSeconds = grace;
    admission?.markDeleting?.(obj, ctx);
    if (options.dryRun) return obj;
    const stored = this.#commit(type, obj);
    admission?.markedDeleting?.(obj, ctx);
    // CRD cleanup may have removed the object meanwhile (no custom resources left).
    const still = this.store.get(resourceKey(type), stored.namespace, stored.name);
    if (!still) return this.#deletedResult(type, obj);
    return this.#parse(ref, still);
  }

  /** DELETE on a collection: every object the list options select, each deleted as by `delete`. */
  deleteCollection(ref: ResourceRef, listOptions: ListOptions, options: DeleteOptions = {}): KubeObject[] {
    const { items } = this.list(ref, { ...listOptions, limit: undefined, continue: undefined });
    const out: KubeObject[] = [];
    for (const item of items) {
      try {
        const result = this.delete(ref, item.metadata.namespace, item.metadata.name ?? '', options);
        out.push(result.kind === 'Status' ? item : (result as KubeObject));
      } catch (err) {
        if (!(err instanceof ApiError && err.code === 404)) throw err;
      }
    }
    return out;
  }

  // ---- subresources ----

  getScale(ref: ResourceRef, namespace: string | undefined, name: string): KubeObject {
    const scale = this.#scaleOf(ref);
    return toScale(this.get(ref, namespace, name), scale);
  }

  /** PUT or PATCH of `scale`: the Scale's spec.replicas goes to the parent's spec replicas path. */
  writeScale(
    ref: ResourceRef,
    namespace: string | undefined,
    name: string,
    change: { put: KubeObject } | { patchType: PatchType; patch: unknown },
    options: WriteOptions = {},
  ): KubeObject {
    const scale = this.#scaleOf(ref);
    const entry = this.#entry(ref, namespace, name);
    const current = this.#parse(ref, entry);
    const before = toScale(current, scale);
    let wanted: KubeObject;
    if ('put' in change) wanted = change.put;
    else if (change.patchType === 'json') wanted = jsonPatch(before, change.patch);
    else if (change.patchType === 'merge' || change.patchType === 'strategic') {
      wanted = mergePatch(before, change.patch) as KubeObject;
    } else throw methodNotAllowed('apply', ref.type);
    const rv = wanted.metadata?.resourceVersion;
    if (rv !== undefined && rv !== '' && rv !== current.metadata.resourceVersion)
      throw conflict(ref.type, name);
    const next = cloneObject(current);
    writePath(next as Record<string, unknown>, scale.specReplicasPath, replicasOf(wanted));
    const updated = this.#replace(ref, current, next, options);
    return toScale(updated, scale);
  }

  /** PUT /api/v1/namespaces/{name}/finalize: only spec.finalizers changes; an emptied terminating namespace goes. */
  finalizeNamespace(name: string, body: KubeObject, options: WriteOptions = {}): KubeObject {
    const ref = this.refFor('', 'namespaces');
    const entry = this.#entry(ref, undefined, name);
    const current = this.#parse(ref, entry);
    const rv = body?.metadata?.resourceVersion;
    if (rv && rv !== current.metadata.resourceVersion) throw conflict(ref.type, name);
    const next = cloneObject(current);
    const finalizers = (body?.spec as { finalizers?: unknown } | undefined)?.finalizers;
    next.spec = { ...(next.spec as object), finalizers: Array.isArray(finalizers) ? finalizers : [] };
    return this.#replace(ref, current, next, { ...options, subresource: undefined }, { finalizing: true });
  }

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

  // ---- internals ----

  /** The object's name, generated from `generateName` (avoiding taken names) when it has none; 422 when neither. */
  #assignName(type: ResourceType, namespace: string, meta: KubeObject['metadata']): string {
    if (meta.name) return meta.name;
    if (!meta.generateName) {
      throw invalid(type, '', [
        {
          field: 'metadata.name',
          message: 'Required value: name or generateName is required',
          reason: 'FieldValueRequired',
        },
      ]);
    }
    const resource = resourceKey(type);
    let candidate = generateName(meta.generateName, this.#random);
    // The real server retries a taken generated name too; after a few tries the create reports the conflict.
    for (let attempt = 0; attempt < 8 && this.store.get(resource, namespace, candidate); attempt++) {
      candidate = generateName(meta.generateName, this.#random);
    }
    meta.name = candidate;
    return candidate;
  }

  #context(type: ResourceType, now: Date, dryRun: boolean | undefined): AdmissionContext {
    return { type, now, dryRun: dryRun ?? false };
  }

  #admission(type: ResourceType): Admission | undefined {
    if (type.crdName) return this.#crds.customResourceAdmission;
    return this.#admissions.get(resourceKey(type));
  }

  #entry(ref: ResourceRef, namespace: string | undefined, name: string): StoredEntry {
    const ns = ref.type.namespaced ? (namespace ?? '') : '';
    const entry = this.store.get(resourceKey(ref.type), ns, name);
    if (!entry) throw notFound(ref.type, name);
    return entry;
  }

  #parse(ref: ResourceRef, entry: StoredEntry): KubeObject {
    return JSON.parse(this.#jsonFor(ref, entry)) as KubeObject;
  }

  #jsonFor(ref: ResourceRef, entry: StoredEntry): string {
    return convertJson(entry.json, entry.apiVersion, apiVersionOf(ref.type.group, ref.version));
  }

  #checkKind(ref: ResourceRef, obj: KubeObject): void {
    const { type } = ref;
    const apiVersion = apiVersionOf(type.group, ref.version);
    if (obj.kind !== undefined && obj.kind !== '' && obj.kind !== type.kind) {
      throw badRequest(
        `the kind in the data (${String(obj.kind)}) does not match the expected kind (${type.kind})`,
      );
    }
    if (obj.apiVersion !== undefined && obj.apiVersion !== '' && obj.apiVersion !== apiVersion) {
      throw badRequest(
        `the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${apiVersion})`,
      );
    }
    obj.apiVersion = apiVersion;
    obj.kind = type.kind;
  }

  #scopeNamespace(type: ResourceType, requested: string | undefined, inBody: string | undefined): string {
    if (!type.namespaced) return '';
    const ns = requested || inBody;
    if (!ns) throw badRequest('the namespace of the object is required');
    if (requested && inBody && inBody !== requested) {
      throw badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    }
    return ns;
  }

  #checkNamespaceWritable(namespace: string, name: string, type: ResourceType): void {
    const entry = this.store.get('namespaces', '', namespace);
    if (!entry) throw notFound({ group: '', resource: 'namespaces' }, namespace);
    let terminating = this.#terminating.get(entry);
    if (terminating === undefined) {
      terminating = Boolean((JSON.parse(entry.json) as KubeObject).metadata.deletionTimestamp);
      this.#terminating.set(entry, terminating);
    }
    if (terminating) {
      throw forbidden(
        type,
        name,
        `unable to create new content in namespace ${namespace} because it is being terminated`,
        'NamespaceTerminating',
      );
    }
  }

  #validate(type: ResourceType, obj: KubeObject, old?: KubeObject): void {
    const causes = validateMeta(type, obj, old);
    if (causes.length > 0) throw invalid(type, obj.metadata.name ?? '', causes);
  }

  #checkCustomResource(ref: ResourceRef, obj: KubeObject, options: WriteOptions): KubeObject {
    const version = ref.type.versions.find((v) => v.name === ref.version);
    const mode = options.fieldValidation ?? 'Ignore';
    const checked = checkCustomResource(obj, version?.schema, mode);
    if (checked.causes.length > 0) throw invalid(ref.type, obj.metadata.name ?? '', checked.causes);
    if (checked.unknownFields.length > 0) {
      if (mode === 'Strict') {
        const list = checked.unknownFields.map((f) => `unknown field "${f}"`);
        throw badRequest(
          `strict decoding error: ${list.join(', ')}`,
          checked.unknownFields.map((f) => ({
            reason: 'FieldValueInvalid',
            message: `unknown field "${f}"`,
            field: f,
          })),
        );
      }
      if (mode === 'Warn')
        for (const f of checked.unknownFields) options.warnings?.push(`unknown field "${f}"`);
    }
    return checked.object;
  }

  /**
   * Stores `obj` in the storage version; stamps its resourceVersion. With `onlyNew`, an object of that name
   * already stored is left alone and the result is undefined.
   */
  #commit(type: ResourceType, obj: KubeObject): StoredEntry;
  #commit(type: ResourceType, obj: KubeObject, onlyNew: true): StoredEntry | undefined;
  #commit(type: ResourceType, obj: KubeObject, onlyNew = false): StoredEntry | undefined {
    const requested = obj.apiVersion;
    const stored = apiVersionOf(type.group, storageVersion(type));
    obj.apiVersion = stored;
    try {
      return onlyNew ? this.store.add(resourceKey(type), obj) : this.store.write(resourceKey(type), obj);
    } finally {
      obj.apiVersion = requested;
    }
  }

  /**
   * The common tail of PUT, PATCH, status, scale and finalize: compose the new object from the old one under
   * the subresource rules, validate, bump generation, skip no-ops, finish deletions, commit.
   */
  #replace(
    ref: ResourceRef,
    current: KubeObject,
    body: KubeObject,
    options: WriteOptions,
    mode: { finalizing?: boolean; applied?: boolean } = {},
  ): KubeObject {
    const { type } = ref;
    const now = this.#clock.now();
    const ctx = this.#context(type, now, options.dryRun);
    if (options.subresource === 'status' && !type.subresources.status) throw pathNotFound();
    checkIdentity(type, current, body);
    this.#checkKind(ref, body);
    let next = composeReplacement(type, current, body, options.subresource === 'status');
    const old = current.metadata;

    if (type.crdName) next = this.#checkCustomResource(ref, next, options);
    const admission = this.#admission(type);
    // The finalize subresource is the one write allowed to change a namespace's spec.finalizers.
    admission?.update?.(next, mode.finalizing ? { ...current, spec: next.spec } : current, ctx);
    this.#validate(type, next, current);
    if (type.tracksGeneration && specChanged(current, next, Boolean(type.subresources.status))) {
      next.metadata.generation = (old.generation ?? 0) + 1;
    }
    if (!mode.applied) {
      recordUpdate(ref, current, next, {
        manager: options.fieldManager ?? DEFAULT_MANAGER,
        now,
        subresource: options.subresource === 'finalize' ? undefined : options.subresource,
      });
    }
    // A write that changes nothing keeps the resourceVersion and emits no event (kubectl's "(no change)").
    if (jsonEqual(next, current)) return current;

    const meta = next.metadata;
    if (meta.deletionTimestamp && (meta.finalizers?.length ?? 0) === 0 && !admission?.holdsDeletion?.(next)) {
      return this.#removeParsed(ref, next, options.dryRun ?? false, ctx);
    }
    if (options.dryRun) return next;
    this.#commit(type, next);
    admission?.committed?.(next, current, ctx);
    return next;
  }

  #remove(ref: ResourceRef, obj: KubeObject, dryRun: boolean, ctx: AdmissionContext): KubeObject | Status {
    const final = this.#removeParsed(ref, obj, dryRun, ctx);
    return this.#deletedResult(ref.type, final);
  }

  #removeParsed(ref: ResourceRef, obj: KubeObject, dryRun: boolean, ctx: AdmissionContext): KubeObject {
    if (dryRun) return obj;
    const { type } = ref;
    const requested = obj.apiVersion;
    obj.apiVersion = apiVersionOf(type.group, storageVersion(type));
    this.store.remove(resourceKey(type), obj);
    obj.apiVersion = requested;
    this.#admission(type)?.removed?.(obj, ctx);
    this.#crds.afterRemoval(type);
    return obj;
  }

  #deletedResult(type: ResourceType, obj: KubeObject): KubeObject | Status {
    if (type.returnDeletedObject) return obj;
    const details: Status['details'] = {
      name: obj.metadata.name,
      kind: type.resource,
      uid: obj.metadata.uid,
    };
    if (type.group) details.group = type.group;
    return successStatus(details);
  }

  #podGrace(type: ResourceType, obj: KubeObject, requested: number | undefined): number {
    if (!this.#gracefulPods || type.group !== '' || type.resource !== 'pods') return 0;
    const spec = obj.spec as { nodeName?: string; terminationGracePeriodSeconds?: number } | undefined;
    const phase = (obj.status as { phase?: string } | undefined)?.phase;
    if (!spec?.nodeName || phase === 'Succeeded' || phase === 'Failed') return 0;
    const grace = requested ?? spec.terminationGracePeriodSeconds ?? 30;
    return Math.max(0, Math.floor(grace));
  }

  #scaleOf(ref: ResourceRef) {
    const scale = ref.type.subresources.scale;
    if (!scale) throw pathNotFound();
    return scale;
  }

  /** For the CRD lifecycle: removes every custom resource of `type` that has no finalizers; marks the rest. */
  deleteAllOf(type: ResourceType): number {
    const ref: ResourceRef = { type, version: storageVersion(type) };
    const resource = resourceKey(type);
    const page = this.store.page(resource);
    for (const entry of page.entries) {
      try {
        this.delete(ref, entry.namespace || undefined, entry.name, { propagationPolicy: 'Background' });
      } catch (err) {
        this.#logger?.warn({ err, resource, name: entry.name }, 'custom resource cleanup failed');
      }
    }
    return this.store.count(resource);
  }
}

/** 400 when a replacement names another object than the URL. */
function checkIdentity(type: ResourceType, current: KubeObject, body: KubeObject): void {
  const name = current.metadata.name ?? '';
  if (body.metadata.name && body.metadata.name !== name) {
    throw badRequest(
      `the name of the object (${body.metadata.name}) does not match the name on the URL (${name})`,
    );
  }
  if (type.namespaced && body.metadata.namespace && body.metadata.namespace !== current.metadata.namespace) {
    throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
}

/** Kept from the stored object on every replacement (managedFields are field management's, see recordUpdate). */
const SERVER_OWNED_META = ['generation', 'deletionTimestamp', 'deletionGracePeriodSeconds'] as const;

/**
 * The object a PUT/PATCH would store (kube-api-surface.md §c.7): with a status subresource the main resource
 * keeps the stored status and `status` keeps everything else; identity and server-owned metadata always come
 * from the stored object (validateMeta then refuses finalizers added during deletion).
 */
function composeReplacement(
  type: ResourceType,
  current: KubeObject,
  body: KubeObject,
  statusOnly: boolean,
): KubeObject {
  let next: KubeObject;
  if (statusOnly) {
    next = cloneObject(current);
    if (body.status === undefined) delete next.status;
    else next.status = body.status;
  } else {
    next = body;
    if (type.subresources.status) {
      if (current.status === undefined) delete next.status;
      else next.status = current.status;
    }
  }
  const meta = next.metadata;
  const old = current.metadata;
  meta.name = old.name;
  if (old.namespace !== undefined) meta.namespace = old.namespace;
  else delete meta.namespace;
  meta.uid = old.uid;
  meta.creationTimestamp = old.creationTimestamp;
  meta.resourceVersion = old.resourceVersion;
  for (const k of SERVER_OWNED_META) {
    if (old[k] === undefined) delete meta[k];
    else (meta as Record<string, unknown>)[k] = old[k];
  }
  delete meta.selfLink;
  if (meta.finalizers?.length === 0) delete meta.finalizers;
  return next;
}

/** An apply request needs a field manager and an object without managedFields (400 otherwise). */
function checkApplyRequest(body: unknown, options: PatchOptions): void {
  if (!options.fieldManager) {
    throw badRequest(
      'PATCH, application/apply-patch+yaml requests must specify a fieldManager (the "fieldManager" query parameter)',
    );
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw badRequest('apply patches must be JSON or YAML objects');
  }
  if ((body as KubeObject).metadata?.managedFields !== undefined) {
    throw badRequest('metadata.managedFields must be nil');
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Applies one patch of any type to the current object; the result is a fresh object. */
function applyPatch(
  ref: ResourceRef,
  current: KubeObject,
  patchType: PatchType,
  body: unknown,
  ssa: { manager: string; force: boolean; now: Date; subresource?: string },
): KubeObject {
  const { type } = ref;
  let patched: KubeObject;
  switch (patchType) {
    case 'json':
      patched = jsonPatch(current, body);
      break;
    case 'merge':
      if (!isPlainObject(body)) throw badRequest('merge patches must be JSON objects');
      patched = mergePatch(current, body) as KubeObject;
      break;
    case 'strategic':
      if (!isPlainObject(body)) throw badRequest('strategic merge patches must be JSON objects');
      patched = strategicMergePatch(current, body, type);
      break;
    case 'apply':
      patched = serverSideApply(ref, current, body as KubeObject, ssa).object;
      break;
    default:
      throw badRequest(`unknown patch type ${String(patchType)}`);
  }
  if (!isPlainObject(patched)) throw badRequest('the patch does not leave an object');
  if (!isPlainObject(patched.metadata)) patched.metadata = {};
  return patched;
}

/** 400 unless the body is a JSON object; gives it a metadata object when it has none. */
function requireObject(obj: KubeObject): void {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
    throw badRequest('the request body must be a JSON object');
  }
  if (obj.metadata === undefined || obj.metadata === null || typeof obj.metadata !== 'object')
    obj.metadata = {};
}

/** Server-set metadata of a new object (kube-api-surface.md §c.6); status goes when a subresource owns it. */
function stampNewObject(type: ResourceType, obj: KubeObject, now: Date): void {
  const meta = obj.metadata;
  meta.uid = randomUUID();
  meta.creationTimestamp = metaTime(now);
  // Guarded: `delete` costs a runtime call even when the key is absent, which it almost always is.
  if (meta.resourceVersion !== undefined) delete meta.resourceVersion;
  if (meta.deletionTimestamp !== undefined) delete meta.deletionTimestamp;
  if (meta.deletionGracePeriodSeconds !== undefined) delete meta.deletionGracePeriodSeconds;
  if (meta.selfLink !== undefined) delete meta.selfLink;
  if (type.tracksGeneration) meta.generation = 1;
  else if (meta.generation !== undefined) delete meta.generation;
  if (type.subresources.status && obj.status !== undefined) delete obj.status;
}

/** Builds the in-process API server over a resource registry. */
export function createObjectService(options: ObjectServiceOptions): KubeObjectService {
  return new KubeObjectService(options);
}
