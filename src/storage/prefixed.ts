import type { Readable } from 'node:stream';
import type { Body } from './body.ts';
import { normalizeBasePrefix, validateKey, validateListPrefix } from './keys.ts';
import type { ObjectInfo, ObjectStore, PutOptions } from './object-store.ts';

/**
 * A view of `store` under `subPrefix` (trimmed of `/`, e.g. `restic/team-a`): key `k` of the view is key
 * `subPrefix/k` of the store, listings return keys relative to the view, and nothing outside it is reachable.
 * The volume repositories use it: each sees only its own `restic/<namespace>/` directory. `close` is not
 * forwarded: the view does not own the store.
 */
export function createPrefixedObjectStore(store: ObjectStore, subPrefix: string): ObjectStore {
  const base = normalizeBasePrefix(subPrefix);
  if (base === '') return store;
  const inner = (key: string): string => {
    validateKey(key);
    return base + key;
  };
  const strip = (info: ObjectInfo): ObjectInfo => ({ ...info, key: info.key.slice(base.length) });
  return {
    provider: store.provider,
    // Every method is async so that a bad key rejects the promise rather than throwing at the call.
    put: async (key: string, body: Body, options?: PutOptions): Promise<void> =>
      store.put(inner(key), body, options),
    get: async (key: string): Promise<Readable> => store.get(inner(key)),
    getBuffer: async (key: string): Promise<Buffer> => store.getBuffer(inner(key)),
    getRange: async (key: string, offset: number, length: number): Promise<Buffer> =>
      store.getRange(inner(key), offset, length),
    stat: async (key: string): Promise<ObjectInfo> => strip(await store.stat(inner(key))),
    exists: async (key: string): Promise<boolean> => store.exists(inner(key)),
    async *list(prefix: string): AsyncIterable<ObjectInfo> {
      validateListPrefix(prefix);
      for await (const info of store.list(base + prefix)) yield strip(info);
    },
    async listCommonPrefixes(prefix: string, delimiter?: string): Promise<string[]> {
      validateListPrefix(prefix);
      return (await store.listCommonPrefixes(base + prefix, delimiter)).map((p) => p.slice(base.length));
    },
    delete: async (key: string): Promise<void> => store.delete(inner(key)),
    signedUrl: async (key: string, ttlMs: number): Promise<string> => store.signedUrl(inner(key), ttlMs),
  };
}
