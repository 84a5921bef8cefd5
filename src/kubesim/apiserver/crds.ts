import type { Logger } from 'pino';
import { groupResource, type KubeObject, type ResourceType } from '../registry/types.ts';
import type { Admission } from './admission/types.ts';
import type { ResourceCatalog } from './catalog.ts';
import { invalid, methodNotAllowed } from './errors.ts';
import { crdCauses, crdStatusFor, typesFromCrd } from './libs.ts';
import { ApiError } from './types.ts';

/**
 * The life of a CustomResourceDefinition (kube-api-surface.md §c.15): validated on every write, status kept
 * (accepted names, stored versions, NamesAccepted/Established at once), its resource types registered on
 * commit so discovery and OpenAPI follow, and on deletion its custom resources deleted first (the
 * `customresourcecleanup` finalizer holds the CRD until the last one is gone), then its types unregistered.
 */
export const CLEANUP_FINALIZER = 'customresourcecleanup.apiextensions.k8s.io';
const CRDS = 'customresourcedefinitions.apiextensions.k8s.io';

type Condition = {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
};
type CrdStatus = { conditions?: Condition[]; storedVersions?: string[]; acceptedNames?: unknown };

/** What the lifecycle needs from the object service. */
export interface CrdHost {
  readonly store: {
    get(resource: string, namespace: string, name: string): { json: string } | undefined;
    count(resource: string): number;
  };
  deleteAllOf(type: ResourceType): number;
  /** Removes the cleanup finalizer from a terminating CRD (which then goes). */
  refFor(group: string, resource: string): { type: ResourceType; version: string };
  update(
    ref: { type: ResourceType; version: string },
    namespace: string | undefined,
    name: string,
    body: KubeObject,
  ): KubeObject;
}

export class CrdLifecycle {
  readonly #host: CrdHost;
  readonly #registry: ResourceCatalog;
  readonly #logger: Logger | undefined;

  constructor(host: CrdHost, registry: ResourceCatalog, logger: Logger | undefined) {
    this.#host = host;
    this.#registry = registry;
    this.#logger = logger;
  }

  readonly admission: Admission = {
    create: (crd, ctx) => {
      this.#validate(crd, ctx.type, undefined);
      delete crd.status;
      crd.status = crdStatusFor(crd, ctx.now, this.#registry.all());
    },
    update: (crd, old, ctx) => {
      this.#validate(crd, ctx.type, old);
      // crd.status is the stored one here (status is a subresource): transition times and stored versions carry on.
      crd.status = crdStatusFor(crd, ctx.now, this.#registry.all());
    },
    committed: (crd, old) => {
      if (old) this.#unregister(old, crd);
      // A CRD whose names clash with served ones is stored but not served (NamesAccepted=False).
      if (isEstablished(crd)) for (const type of typesFromCrd(crd)) this.#registry.add(type);
    },
    markDeleting: (crd, ctx) => {
      const finalizers = crd.metadata.finalizers ?? [];
      if (!finalizers.includes(CLEANUP_FINALIZER))
        crd.metadata.finalizers = [...finalizers, CLEANUP_FINALIZER];
      const status = (crd.status ?? {}) as CrdStatus;
      const conditions = (status.conditions ?? []).filter((c) => c.type !== 'Terminating');
      conditions.push({
        type: 'Terminating',
        status: 'True',
        reason: 'InstanceDeletionInProgress',
        message: 'CustomResource deletion is in progress',
        lastTransitionTime: ctx.now.toISOString().replace(/\.\d+Z$/, 'Z'),
      });
      crd.status = { ...status, conditions };
    },
    markedDeleting: (crd) => {
      const type = this.#typeOf(crd);
      const remaining = type ? this.#host.deleteAllOf(type) : 0;
      if (remaining === 0) this.#finish(crd.metadata.name ?? '');
    },
    removed: (crd) => this.#unregister(crd, undefined),
  };

  /** Whether deleting `obj` must go through the cleanup path (every CRD does). */
  needsCleanup(type: ResourceType, _obj: KubeObject): boolean {
    return groupResource(type) === CRDS;
  }

  /** 405 for creating a custom resource while its CRD is terminating. */
  checkCreatable(type: ResourceType): void {
    if (!type.crdName) return;
    const crd = this.#crd(type.crdName);
    if (crd?.metadata.deletionTimestamp) {
      throw new ApiError({
        ...methodNotAllowed('create', type).status,
        message: 'create not allowed while custom resource definition is terminating',
      });
    }
  }

  /** After any object left the store: a terminating CRD whose last custom resource went finishes. */
  afterRemoval(type: ResourceType): void {
    if (!type.crdName) return;
    const crd = this.#crd(type.crdName);
    if (!crd?.metadata.deletionTimestamp) return;
    if (this.#host.store.count(groupResource(type)) === 0) this.#finish(type.crdName);
  }

  /** Custom resources have no kind-specific admission beyond the CRD's state. */
  readonly customResourceAdmission: Admission = {};

  #crd(name: string): KubeObject | undefined {
    const entry = this.#host.store.get(CRDS, '', name);
    return entry ? (JSON.parse(entry.json) as KubeObject) : undefined;
  }

  #typeOf(crd: KubeObject): ResourceType | undefined {
    const spec = crd.spec as { group?: string; names?: { plural?: string } } | undefined;
    if (!spec?.group || !spec.names?.plural) return undefined;
    const type = this.#registry.find(spec.group, spec.names.plural);
    return type?.crdName === crd.metadata.name ? type : undefined;
  }

  #finish(name: string): void {
    const crd = this.#crd(name);
    if (!crd?.metadata.deletionTimestamp) return;
    const rest = (crd.metadata.finalizers ?? []).filter((f) => f !== CLEANUP_FINALIZER);
    if (rest.length === (crd.metadata.finalizers ?? []).length) return;
    crd.metadata.finalizers = rest;
    try {
      this.#host.update(
        this.#host.refFor('apiextensions.k8s.io', 'customresourcedefinitions'),
        undefined,
        name,
        crd,
      );
    } catch (err) {
      this.#logger?.warn({ err, crd: name }, 'finishing CRD deletion failed');
    }
  }

  #unregister(crd: KubeObject, replacement: KubeObject | undefined): void {
    const spec = crd.spec as { group?: string; names?: { plural?: string } } | undefined;
    if (!spec?.group || !spec.names?.plural) return;
    const next = replacement?.spec as { group?: string; names?: { plural?: string } } | undefined;
    if (next && next.group === spec.group && next.names?.plural === spec.names.plural) {
      return; // add() of the same group-resource replaces it
    }
    const type = this.#registry.find(spec.group, spec.names.plural);
    if (type?.crdName === crd.metadata.name) this.#registry.remove(spec.group, spec.names.plural);
  }

  #validate(crd: KubeObject, crdType: ResourceType, old: KubeObject | undefined): void {
    const name = crd.metadata.name ?? '';
    const causes = crdCauses(crd);
    const group = (crd.spec as { group?: string } | undefined)?.group;
    const oldGroup = (old?.spec as { group?: string } | undefined)?.group;
    if (oldGroup && group !== oldGroup) {
      causes.push({
        field: 'spec.group',
        message: `Invalid value: "${group}": field is immutable`,
        reason: 'FieldValueInvalid',
      });
    }
    if (causes.length > 0) throw invalid(crdType, name, causes);
  }
}

function isEstablished(crd: KubeObject): boolean {
  const conditions = (crd.status as CrdStatus | undefined)?.conditions ?? [];
  return conditions.some((c) => c.type === 'Established' && c.status === 'True');
}
