import { type KubernetesObject, PatchStrategy } from '@kubernetes/client-node';
import { API_VERSION, type ResourceKind, type ResourceTypes } from '../../api/index.ts';
import { apiStatusCode, translateApiError } from '../../install/index.ts';
import type { KubeConnection } from '../../kube/client.ts';

/**
 * The CLI's access to Lifeboat's resources in one namespace (the server's). Objects come back as plain JSON
 * (times as strings), as the API server sent them. Errors are LifeboatErrors with the API Status code
 * (`NotFound`, `AlreadyExists`, `Invalid`, …) and a message without request details.
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

/**
 * A LifeboatClient over the connection's object API.
 * TODO(K): move onto K's typed lifeboat.io client (src/kube) once it lands; only this file changes.
 */
export function createLifeboatClient(conn: KubeConnection, namespace: string): LifeboatClient {
  const ref = (kind: ResourceKind, name: string) => ({
    apiVersion: API_VERSION,
    kind,
    metadata: { name, namespace },
  });
  // The library turns metadata times into Dates; they go back to the API server's RFC 3339 form.
  const plain = <T>(value: unknown): T =>
    JSON.parse(
      JSON.stringify(value, function (this: Record<string, unknown>, key, v) {
        const original = this[key];
        return original instanceof Date ? original.toISOString().replace(/\.000Z$/, 'Z') : v;
      }),
    ) as T;
  return {
    namespace,
    async create(kind, object) {
      const body = {
        ...object,
        apiVersion: API_VERSION,
        kind,
        metadata: { ...object.metadata, namespace },
      } as unknown as KubernetesObject;
      try {
        return plain(await conn.objects.create(body, undefined, undefined, 'lifeboat'));
      } catch (err) {
        throw translateApiError(
          err,
          `create ${kind} ${object.metadata.name ?? object.metadata.generateName ?? ''}`,
        );
      }
    },
    async get(kind, name) {
      try {
        return plain(await conn.objects.read(ref(kind, name)));
      } catch (err) {
        if (apiStatusCode(err) === 404) return undefined;
        throw translateApiError(err, `get ${kind} ${name}`);
      }
    },
    async list(kind, options = {}) {
      try {
        const list = await conn.objects.list(
          API_VERSION,
          kind,
          namespace,
          undefined,
          undefined,
          undefined,
          undefined,
          options.labelSelector,
        );
        return plain(list.items);
      } catch (err) {
        throw translateApiError(err, `list ${kind}`);
      }
    },
    async patch(kind, name, patch) {
      try {
        const body = { ...ref(kind, name), ...(patch as object) } as KubernetesObject;
        return plain(
          await conn.objects.patch(
            body,
            undefined,
            undefined,
            'lifeboat',
            undefined,
            PatchStrategy.MergePatch,
          ),
        );
      } catch (err) {
        throw translateApiError(err, `patch ${kind} ${name}`);
      }
    },
    async delete(kind, name) {
      try {
        await conn.objects.delete(ref(kind, name));
      } catch (err) {
        if (apiStatusCode(err) === 404) return;
        throw translateApiError(err, `delete ${kind} ${name}`);
      }
    },
  };
}
