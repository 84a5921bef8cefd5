import type { Logger } from 'pino';
import type { ObjectService, ResourceRef } from '../../apiserver/types.ts';
import { type KubeObject, preferredVersion, type ResourceType } from '../../registry/types.ts';
import { Informer } from './informer.ts';
import { conditionTrue } from './objects.ts';
import type { ClusterRefs } from './resources.ts';

/**
 * Where the names of all served resource types come from. `startKubesim` passes its registry (which has
 * `all()` and `onChange()`); without one, the catalog falls back to the built-in list below plus the
 * Established CustomResourceDefinitions it watches.
 */
export type ResourceTypeSource = {
  all(): ResourceType[];
  onChange?(listener: () => void): () => void;
};

const BUILTIN_FALLBACK: [string, string, string][] = [
  ['', 'v1', 'namespaces'],
  ['', 'v1', 'pods'],
  ['', 'v1', 'services'],
  ['', 'v1', 'endpoints'],
  ['', 'v1', 'configmaps'],
  ['', 'v1', 'secrets'],
  ['', 'v1', 'serviceaccounts'],
  ['', 'v1', 'persistentvolumes'],
  ['', 'v1', 'persistentvolumeclaims'],
  ['', 'v1', 'nodes'],
  ['', 'v1', 'events'],
  ['', 'v1', 'limitranges'],
  ['', 'v1', 'resourcequotas'],
  ['', 'v1', 'replicationcontrollers'],
  ['', 'v1', 'podtemplates'],
  ['apps', 'v1', 'deployments'],
  ['apps', 'v1', 'replicasets'],
  ['apps', 'v1', 'statefulsets'],
  ['apps', 'v1', 'daemonsets'],
  ['apps', 'v1', 'controllerrevisions'],
  ['batch', 'v1', 'jobs'],
  ['batch', 'v1', 'cronjobs'],
  ['networking.k8s.io', 'v1', 'ingresses'],
  ['networking.k8s.io', 'v1', 'ingressclasses'],
  ['networking.k8s.io', 'v1', 'networkpolicies'],
  ['rbac.authorization.k8s.io', 'v1', 'roles'],
  ['rbac.authorization.k8s.io', 'v1', 'rolebindings'],
  ['rbac.authorization.k8s.io', 'v1', 'clusterroles'],
  ['rbac.authorization.k8s.io', 'v1', 'clusterrolebindings'],
  ['storage.k8s.io', 'v1', 'storageclasses'],
  ['storage.k8s.io', 'v1', 'csidrivers'],
  ['storage.k8s.io', 'v1', 'csinodes'],
  ['storage.k8s.io', 'v1', 'volumeattachments'],
  ['snapshot.storage.k8s.io', 'v1', 'volumesnapshots'],
  ['snapshot.storage.k8s.io', 'v1', 'volumesnapshotcontents'],
  ['snapshot.storage.k8s.io', 'v1', 'volumesnapshotclasses'],
  ['apiextensions.k8s.io', 'v1', 'customresourcedefinitions'],
  ['coordination.k8s.io', 'v1', 'leases'],
  ['policy', 'v1', 'poddisruptionbudgets'],
  ['autoscaling', 'v2', 'horizontalpodautoscalers'],
  ['scheduling.k8s.io', 'v1', 'priorityclasses'],
  ['events.k8s.io', 'v1', 'events'],
];

function listable(type: ResourceType): boolean {
  return ['list', 'watch', 'delete'].every((v) => type.verbs.includes(v));
}

/** Every listable, watchable, deletable resource type the API serves, kept current as CRDs come and go. */
export class ResourceCatalog {
  readonly #api: ObjectService;
  readonly #source: ResourceTypeSource | undefined;
  readonly #crdInformer: Informer | undefined;
  readonly #listeners = new Set<() => void>();
  #unsubscribe: (() => void) | undefined;
  #refs: ResourceRef[] = [];

  constructor(api: ObjectService, refs: ClusterRefs, logger: Logger, source?: ResourceTypeSource) {
    this.#api = api;
    this.#source = source;
    if (!source) this.#crdInformer = new Informer(api, refs.crds, logger);
  }

  start(): void {
    if (this.#source) {
      // Deferred: the registry changes in the middle of an API write (a CRD being created or removed).
      this.#unsubscribe = this.#source.onChange?.(() => queueMicrotask(() => this.#refresh()));
    } else if (this.#crdInformer) {
      const changed = (): void => this.#refresh();
      this.#crdInformer.on({ add: changed, update: changed, delete: changed });
      this.#crdInformer.start();
    }
    this.#refresh();
  }

  stop(): void {
    this.#unsubscribe?.();
    this.#crdInformer?.stop();
    this.#listeners.clear();
  }

  /** The current types, at their preferred version. */
  all(): ResourceRef[] {
    return this.#refs;
  }

  namespaced(): ResourceRef[] {
    return this.#refs.filter((r) => r.type.namespaced);
  }

  /** The type for an ownerReference's `apiVersion` + `kind`. */
  byKind(apiVersion: string, kind: string): ResourceRef | undefined {
    const slash = apiVersion.indexOf('/');
    const group = slash < 0 ? '' : apiVersion.slice(0, slash);
    return this.#refs.find((r) => r.type.group === group && r.type.kind === kind);
  }

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #refresh(): void {
    const next: ResourceRef[] = [];
    if (this.#source) {
      for (const type of this.#source.all()) {
        if (!listable(type)) continue;
        next.push({ type, version: preferredVersion(type) });
      }
    } else {
      for (const [group, version, resource] of BUILTIN_FALLBACK) {
        const ref = this.#api.lookup(group, version, resource);
        if (ref && listable(ref.type)) next.push(ref);
      }
      for (const crd of this.#crdInformer?.list() ?? []) {
        const ref = this.#crdRef(crd);
        if (ref) next.push(ref);
      }
    }
    const before = new Set(this.#refs.map(refId));
    const changed = next.length !== this.#refs.length || next.some((r) => !before.has(refId(r)));
    this.#refs = next;
    if (changed) for (const listener of this.#listeners) listener();
  }

  #crdRef(crd: KubeObject): ResourceRef | undefined {
    if (!conditionTrue(crd, 'Established')) return undefined;
    const spec = crd.spec as {
      group: string;
      names: { plural: string };
      versions: { name: string; served: boolean }[];
    };
    const served = spec.versions?.find((v) => v.served);
    return served ? this.#api.lookup(spec.group, served.name, spec.names.plural) : undefined;
  }
}

export function refId(ref: ResourceRef): string {
  return `${ref.type.resource}.${ref.type.group}`;
}
