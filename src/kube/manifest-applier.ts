import { LifeboatError } from '../core/errors.ts';
import type { DiscoveredCatalog } from './catalog.ts';
import type { KubeConnection } from './client.ts';
import { discoverResources } from './discovery.ts';
import { createDynamicClient } from './dynamic-client.ts';
import type { ApiResourceInfo, DynamicClient, KubeObject } from './types.ts';

/**
 * Applies manifests (any kind, named by `apiVersion` and `kind`) with server-side apply, sending the object's
 * JSON as it is. The client library's typed object API re-serializes known kinds through its models, which
 * silently drops what its models spell differently or do not know (a CRD schema's `default` and
 * `x-kubernetes-*` keys among them), so manifests never go through it.
 */
export class ManifestApplier {
  readonly client: DynamicClient;
  readonly #conn: KubeConnection;
  #catalog: Promise<DiscoveredCatalog> | undefined;

  constructor(conn: KubeConnection, client: DynamicClient = createDynamicClient(conn)) {
    this.#conn = conn;
    this.client = client;
  }

  /** Creates what is missing and updates what the field manager owns; `force` takes over conflicting fields. */
  async apply<T extends KubeObject>(
    object: T,
    options: { fieldManager?: string; force?: boolean; dryRun?: boolean } = {},
  ): Promise<T> {
    const resource = await this.resourceOf(object);
    const name = object.metadata?.name;
    if (!name) throw new LifeboatError('Invalid', `${object.kind} manifest has no metadata.name`);
    return (await this.client.patch(resource, object.metadata?.namespace, name, 'apply', object, {
      fieldManager: options.fieldManager ?? 'lifeboat',
      force: options.force ?? true,
      dryRun: options.dryRun,
    })) as T;
  }

  /** The live object a manifest names, or undefined when it (or its kind) does not exist yet. */
  async get(object: KubeObject): Promise<KubeObject | undefined> {
    const resource = await this.resourceOf(object, { missingKind: 'undefined' });
    if (!resource || !object.metadata?.name) return undefined;
    return this.client.get(resource, object.metadata.namespace, object.metadata.name);
  }

  /** The resource serving a manifest's kind; discovery is read again once when the kind is new (a fresh CRD). */
  async resourceOf(object: KubeObject): Promise<ApiResourceInfo>;
  async resourceOf(
    object: KubeObject,
    options: { missingKind: 'undefined' },
  ): Promise<ApiResourceInfo | undefined>;
  async resourceOf(
    object: KubeObject,
    options?: { missingKind: 'undefined' },
  ): Promise<ApiResourceInfo | undefined> {
    const { apiVersion, kind } = object;
    if (!apiVersion || !kind) throw new LifeboatError('Invalid', 'a manifest needs apiVersion and kind');
    this.#catalog ??= discoverResources(this.#conn);
    let resource = (await this.#catalog).forApiVersionKind(apiVersion, kind);
    if (!resource) {
      this.#catalog = discoverResources(this.#conn);
      resource = (await this.#catalog).forApiVersionKind(apiVersion, kind);
    }
    if (!resource && !options) {
      throw new LifeboatError('NotFound', `the server does not serve ${kind} in ${apiVersion}`);
    }
    return resource;
  }
}
