/**
 * What every write of one object service shares, kept in one place so the create, replace, delete and
 * subresource paths (each in its own module) see the same store, admission plugins and clock: reading an entry in
 * the requested version, committing in the storage version, and finding a type's admission plugin.
 */
import type { Logger } from 'pino';
import type { Clock } from '../../../core/clock.ts';
import { apiVersionOf, type KubeObject, type ResourceType, storageVersion } from '../../registry/types.ts';
import { builtinAdmissions } from '../admission/builtin.ts';
import { namespaceAdmission } from '../admission/namespaces.ts';
import { ServiceAllocator } from '../admission/services.ts';
import type { Admission, AdmissionContext } from '../admission/types.ts';
import type { ResourceCatalog } from '../catalog.ts';
import { convertJson } from '../codec.ts';
import type { CrdLifecycle } from '../crds.ts';
import { notFound, pathNotFound } from '../errors.ts';
import { type MemoryStore, resourceKey, type StoredEntry } from '../store.ts';
import type { ResourceRef } from '../types.ts';

/** The field manager of in-process writes that name none. */
export const DEFAULT_MANAGER = 'kubesim';

export type WriteStateOptions = {
  store: MemoryStore;
  registry: ResourceCatalog;
  crds: CrdLifecycle;
  clock: Clock;
  logger: Logger | undefined;
  /** Whether pods bound to a node are deleted gracefully (see ObjectServiceOptions.gracefulPodDeletion). */
  gracefulPods: boolean;
  random: (max: number) => number;
};

/** The state of one object service that its write paths share; see the module comment. */
export class WriteState {
  readonly store: MemoryStore;
  readonly registry: ResourceCatalog;
  readonly crds: CrdLifecycle;
  readonly clock: Clock;
  readonly logger: Logger | undefined;
  readonly gracefulPods: boolean;
  readonly random: (max: number) => number;
  /** Whether a stored namespace (entries are immutable) is terminating, parsed once per entry. */
  readonly terminating = new WeakMap<StoredEntry, boolean>();
  readonly #admissions: Map<string, Admission>;
  readonly #services = new ServiceAllocator();

  constructor(options: WriteStateOptions) {
    this.store = options.store;
    this.registry = options.registry;
    this.crds = options.crds;
    this.clock = options.clock;
    this.logger = options.logger;
    this.gracefulPods = options.gracefulPods;
    this.random = options.random;
    this.#admissions = builtinAdmissions();
    this.#admissions.set('namespaces', namespaceAdmission);
    this.#admissions.set('services', this.#services.admission);
    this.#admissions.set('customresourcedefinitions.apiextensions.k8s.io', this.crds.admission);
  }

  /** The reference for a type at its preferred (first served) version; 404 when the type is not served. */
  refFor(group: string, resource: string): ResourceRef {
    const type = this.registry.find(group, resource);
    if (!type) throw pathNotFound();
    const served = type.versions.find((v) => v.served);
    if (!served) throw pathNotFound();
    return { type, version: served.name };
  }

  context(type: ResourceType, now: Date, dryRun: boolean | undefined): AdmissionContext {
    return { type, now, dryRun: dryRun ?? false };
  }

  /** The type's admission plugin, if it has one (custom resources share the CRD lifecycle's). */
  admission(type: ResourceType): Admission | undefined {
    if (type.crdName) return this.crds.customResourceAdmission;
    return this.#admissions.get(resourceKey(type));
  }

  /** The stored entry of an object; 404 when there is none. */
  entry(ref: ResourceRef, namespace: string | undefined, name: string): StoredEntry {
    const ns = ref.type.namespaced ? (namespace ?? '') : '';
    const entry = this.store.get(resourceKey(ref.type), ns, name);
    if (!entry) throw notFound(ref.type, name);
    return entry;
  }

  /** A stored entry as an object in the version `ref` names. */
  parse(ref: ResourceRef, entry: StoredEntry): KubeObject {
    return JSON.parse(this.jsonFor(ref, entry)) as KubeObject;
  }

  /** A stored entry's JSON in the version `ref` names. */
  jsonFor(ref: ResourceRef, entry: StoredEntry): string {
    return convertJson(entry.json, entry.apiVersion, apiVersionOf(ref.type.group, ref.version));
  }

  /**
   * Stores `obj` in the storage version; stamps its resourceVersion. With `onlyNew`, an object of that name
   * already stored is left alone and the result is undefined.
   */
  commit(type: ResourceType, obj: KubeObject): StoredEntry;
  commit(type: ResourceType, obj: KubeObject, onlyNew: true): StoredEntry | undefined;
  commit(type: ResourceType, obj: KubeObject, onlyNew = false): StoredEntry | undefined {
    const requested = obj.apiVersion;
    const stored = apiVersionOf(type.group, storageVersion(type));
    obj.apiVersion = stored;
    try {
      return onlyNew ? this.store.add(resourceKey(type), obj) : this.store.write(resourceKey(type), obj);
    } finally {
      obj.apiVersion = requested;
    }
  }
}
