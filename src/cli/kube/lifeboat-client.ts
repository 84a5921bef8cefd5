import type { ResourceKind, ResourceTypes } from '../../api/index.ts';
import { API_VERSION } from '../../api/index.ts';
import { lifeboatResource } from '../../controllers/resources.ts';
import { isLifeboatError } from '../../core/errors.ts';
import { createDynamicClient, type KubeConnection, type KubeObject } from '../../kube/index.ts';

/**
 * The CLI's access to Lifeboat's resources in one namespace (the server's). Objects come back as the API
 * server sent them (plain JSON). Errors are LifeboatErrors with the API Status code (`NotFound`,
 * `AlreadyExists`, `Invalid`, …); transient failures are retried by the dynamic client underneath.
 */
export interface LifeboatClient {
  readonly namespace: string;
  create<K extends ResourceKind>(kind: K, object: ResourceTypes[K]): Promise<ResourceTypes[K]>;
  /** Undefined when the object does not exist. */
  get<K extends ResourceKind>(kind: K, name: string): Promise<ResourceTypes[K] | undefined>;
  list<K extends ResourceKind>(kind: K, options?: { labelSelector?: string }): Promise<ResourceTypes[K][]>;
  /** A JSON merge patch of the object (not its status). */
  patch<K extends ResourceKind>(kind: K, name: string, patch: unknown): Promise<ResourceTypes[K]>;
  /** Resolves when deleted, or when it was already gone. */
  delete(kind: ResourceKind, name: string): Promise<void>;
}

/** A LifeboatClient over K's dynamic client, with the resource infos the CRDs declare (no discovery needed). */
export function createLifeboatClient(conn: KubeConnection, namespace: string): LifeboatClient {
  const client = createDynamicClient(conn, { fieldManager: 'lifeboat' });
  const as = <T>(object: KubeObject): T => object as unknown as T;
  return {
    namespace,
    async create(kind, object) {
      const body = { ...object, apiVersion: API_VERSION, kind, metadata: { ...object.metadata, namespace } };
      return as(await client.create(lifeboatResource(kind), body as unknown as KubeObject));
    },
    async get(kind, name) {
      const object = await client.get(lifeboatResource(kind), namespace, name);
      return object === undefined ? undefined : as(object);
    },
    async list(kind, options = {}) {
      const items: KubeObject[] = [];
      for await (const page of client.listPages(lifeboatResource(kind), {
        namespace,
        labelSelector: options.labelSelector,
      }))
        items.push(...page.items);
      // List items lack apiVersion and kind; printed objects should carry them as `get` ones do.
      return items.map((item) => as({ apiVersion: API_VERSION, kind, ...item }));
    },
    async patch(kind, name, patch) {
      return as(await client.patch(lifeboatResource(kind), namespace, name, 'merge', patch));
    },
    async delete(kind, name) {
      try {
        await client.delete(lifeboatResource(kind), namespace, name);
      } catch (err) {
        if (!isLifeboatError(err, 'NotFound')) throw err;
      }
    },
  };
}
