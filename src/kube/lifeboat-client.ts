import {
  API_VERSION,
  crdManifests,
  formatIssues,
  GROUP,
  RESOURCE_KINDS,
  type ResourceInputTypes,
  type ResourceKind,
  type ResourceTypes,
  resourceDefinitions,
  VERSION,
  validateDocument,
} from '../api/index.ts';
import { type Clock, systemClock } from '../core/clock.ts';
import { isLifeboatError, LifeboatError } from '../core/errors.ts';
import { waitUntil } from './client.ts';
import type { ApiResourceInfo, DynamicClient, KubeObject, ResourceCatalog, WriteOptions } from './types.ts';

/** `apiextensions.k8s.io/v1` CustomResourceDefinitions, which every conformant server serves. */
export const CRD_RESOURCE: ApiResourceInfo = {
  group: 'apiextensions.k8s.io',
  version: 'v1',
  groupVersion: 'apiextensions.k8s.io/v1',
  resource: 'customresourcedefinitions',
  singular: 'customresourcedefinition',
  kind: 'CustomResourceDefinition',
  namespaced: false,
  shortNames: ['crd', 'crds'],
  verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
  categories: ['api-extensions'],
  preferredVersion: 'v1',
  groupResource: 'customresourcedefinitions.apiextensions.k8s.io',
  subresources: ['status'],
};

/** The `ApiResourceInfo` of one lifeboat.io kind, from its CRD (no discovery needed: the CRDs are ours). */
export function lifeboatResource(kind: ResourceKind): ApiResourceInfo {
  const d = resourceDefinitions[kind];
  return {
    group: GROUP,
    version: VERSION,
    groupVersion: API_VERSION,
    resource: d.plural,
    singular: d.singular,
    kind,
    namespaced: true,
    shortNames: [...d.shortNames],
    verbs: ['delete', 'deletecollection', 'get', 'list', 'patch', 'create', 'update', 'watch'],
    categories: ['lifeboat'],
    preferredVersion: VERSION,
    groupResource: `${d.plural}.${GROUP}`,
    subresources: ['status'],
  };
}

/**
 * The resource of each lifeboat.io kind. With a catalog, from discovery, and NotFound naming the missing
 * kinds when the CRDs are not installed; without one, from the CRDs Lifeboat defines.
 */
export function lifeboatResources(catalog?: ResourceCatalog): Record<ResourceKind, ApiResourceInfo> {
  const out = {} as Record<ResourceKind, ApiResourceInfo>;
  const missing: string[] = [];
  for (const kind of RESOURCE_KINDS) {
    const info = catalog ? catalog.forKind(GROUP, kind) : lifeboatResource(kind);
    if (info) out[kind] = info;
    else missing.push(kind);
  }
  if (missing.length > 0) {
    throw new LifeboatError(
      'NotFound',
      `the server does not serve ${GROUP} kinds ${missing.join(', ')}: are the CRDs installed (lifeboat install)?`,
    );
  }
  return out;
}

/**
 * Reads a stored object as its kind's type: the schema's shape with defaults applied and unknown fields dropped
 * (a newer Lifeboat may have written them). Cross-field rules are not checked here: a Backup that breaks them
 * is still read, so its controller can mark it FailedValidation.
 */
export function decodeResource<K extends ResourceKind>(kind: K, object: unknown): ResourceTypes[K] {
  const schema = resourceDefinitions[kind].schema;
  const result = validateDocument(schema as never, object, { unknownFields: 'drop' });
  if (result.ok) return result.value as ResourceTypes[K];
  const meta = (object as KubeObject | null)?.metadata;
  throw new LifeboatError(
    'Invalid',
    `stored ${kind} ${meta?.namespace}/${meta?.name} does not match its schema: ${formatIssues(result.issues)}`,
    { field: result.issues[0]?.field },
  );
}

/** Typed access to the lifeboat.io kinds over a `DynamicClient`; results are decoded with `decodeResource`. */
export class LifeboatClient {
  readonly client: DynamicClient;
  readonly #resources: Record<ResourceKind, ApiResourceInfo>;

  constructor(client: DynamicClient, resources: Record<ResourceKind, ApiResourceInfo> = lifeboatResources()) {
    this.client = client;
    this.#resources = resources;
  }

  resource(kind: ResourceKind): ApiResourceInfo {
    return this.#resources[kind];
  }

  /** The object, or undefined when there is none. */
  async get<K extends ResourceKind>(
    kind: K,
    namespace: string,
    name: string,
  ): Promise<ResourceTypes[K] | undefined> {
    const object = await this.client.get(this.#resources[kind], namespace, name);
    return object === undefined ? undefined : decodeResource(kind, object);
  }

  /** Every object of the kind in `namespace` (all namespaces when undefined), read page by page. */
  async list<K extends ResourceKind>(
    kind: K,
    namespace: string | undefined,
    options: { labelSelector?: string } = {},
  ): Promise<ResourceTypes[K][]> {
    const out: ResourceTypes[K][] = [];
    for await (const page of this.client.listPages(this.#resources[kind], { namespace, ...options })) {
      for (const item of page.items) out.push(decodeResource(kind, item));
    }
    return out;
  }

  /** Creates the object; apiVersion and kind are filled in. AlreadyExists when the name is taken. */
  async create<K extends ResourceKind>(
    kind: K,
    object: ResourceInputTypes[K] | ResourceTypes[K],
    options: WriteOptions = {},
  ): Promise<ResourceTypes[K]> {
    const body = { ...(object as KubeObject), apiVersion: API_VERSION, kind };
    return decodeResource(kind, await this.client.create(this.#resources[kind], body, options));
  }

  /** A JSON merge patch of the object (not its status); `null` values remove fields. */
  async patch<K extends ResourceKind>(
    kind: K,
    namespace: string,
    name: string,
    patch: Record<string, unknown>,
  ): Promise<ResourceTypes[K]> {
    return decodeResource(
      kind,
      await this.client.patch(this.#resources[kind], namespace, name, 'merge', patch),
    );
  }

  /**
   * A JSON merge patch of `status` through the status subresource (spec changes cannot ride along). With
   * `resourceVersion`, the patch fails with Conflict if the object changed since it was read.
   */
  async patchStatus<K extends ResourceKind>(
    kind: K,
    namespace: string,
    name: string,
    status: Record<string, unknown>,
    options: { resourceVersion?: string } = {},
  ): Promise<ResourceTypes[K]> {
    const body: Record<string, unknown> = { status };
    if (options.resourceVersion) body.metadata = { resourceVersion: options.resourceVersion };
    const updated = await this.client.patch(this.#resources[kind], namespace, name, 'merge', body, {
      subresource: 'status',
    });
    return decodeResource(kind, updated);
  }

  /** Deletes the object; false when it was already gone. */
  async delete(kind: ResourceKind, namespace: string, name: string): Promise<boolean> {
    try {
      await this.client.delete(this.#resources[kind], namespace, name);
      return true;
    } catch (err) {
      if (isLifeboatError(err, 'NotFound')) return false;
      throw err;
    }
  }
}

export type EnsureCrdsOptions = {
  clock?: Clock;
  /** How long to wait for every CRD to be Established (default 60 s). */
  timeoutMs?: number;
  /** Field manager of the server-side apply (default `lifeboat`). */
  fieldManager?: string;
};

/**
 * Installs or updates the lifeboat.io CRDs (server-side apply, forced: Lifeboat owns them) and waits until
 * each is Established, so its kind can be used at once. Returns the CRD names.
 */
export async function ensureCrds(client: DynamicClient, options: EnsureCrdsOptions = {}): Promise<string[]> {
  const clock = options.clock ?? systemClock;
  const crds = crdManifests();
  await Promise.all(
    crds.map((crd) =>
      client.patch(CRD_RESOURCE, undefined, crd.metadata.name, 'apply', crd, {
        fieldManager: options.fieldManager ?? 'lifeboat',
        force: true,
      }),
    ),
  );
  await Promise.all(
    crds.map((crd) =>
      waitUntil(
        `CRD ${crd.metadata.name} to be Established`,
        async () => {
          const current = await client.get(CRD_RESOURCE, undefined, crd.metadata.name);
          return isEstablished(current) ? true : undefined;
        },
        { timeoutMs: options.timeoutMs ?? 60_000, intervalMs: 100, clock },
      ),
    ),
  );
  return crds.map((c) => c.metadata.name);
}

/** Whether a CRD's `Established` condition is True. */
export function isEstablished(crd: KubeObject | undefined): boolean {
  const conditions = (crd?.status as { conditions?: { type?: string; status?: string }[] } | undefined)
    ?.conditions;
  return conditions?.some((c) => c.type === 'Established' && c.status === 'True') ?? false;
}
