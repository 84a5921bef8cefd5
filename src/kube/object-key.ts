import type { KubeObject } from './types.ts';

/** `namespace/name` for namespaced objects, `name` for cluster-scoped ones: the key of caches and queues. */
export function keyOf(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

/** The cache key of an object. */
export function objectKey(object: KubeObject): string {
  return keyOf(object.metadata?.namespace, object.metadata?.name ?? '');
}

/** A key split back into namespace (undefined for cluster-scoped) and name. */
export function splitKey(key: string): { namespace: string | undefined; name: string } {
  const slash = key.indexOf('/');
  return slash < 0
    ? { namespace: undefined, name: key }
    : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}
