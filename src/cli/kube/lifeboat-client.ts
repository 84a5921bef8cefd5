import type { ResourceKind, ResourceTypes } from '../../api/index.ts';
import { API_VERSION } from '../../api/index.ts';
import {
  createDynamicClient,
  type KubeConnection,
  LifeboatClient as TypedLifeboatClient,
} from '../../kube/index.ts';

/**
 * The CLI's access to Lifeboat's resources in one namespace (the server's). Objects come back as the API
 * server sent them, read through the kinds' schemas (defaults applied). Errors are LifeboatErrors with the
 * API Status code (`NotFound`, `AlreadyExists`, `Invalid`, …); transient failures are retried underneath.
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

/** The CLI's LifeboatClient: K's typed lifeboat.io client, bound to the server's namespace. */
export function createLifeboatClient(conn: KubeConnection, namespace: string): LifeboatClient {
  const typed = new TypedLifeboatClient(createDynamicClient(conn, { fieldManager: 'lifeboat' }));
  return {
    namespace,
    create: (kind, object) =>
      typed.create(kind, { ...object, metadata: { ...object.metadata, namespace } } as typeof object),
    get: (kind, name) => typed.get(kind, namespace, name),
    async list(kind, options = {}) {
      // List items lack apiVersion and kind; printed objects should carry them as `get` ones do.
      const items = await typed.list(kind, namespace, options);
      return items.map((item) => ({ apiVersion: API_VERSION, kind, ...item }));
    },
    patch: (kind, name, patch) => typed.patch(kind, namespace, name, patch as Record<string, unknown>),
    async delete(kind, name) {
      await typed.delete(kind, namespace, name);
    },
  };
}
