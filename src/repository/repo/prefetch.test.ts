import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMemoryObjectStore } from '../../storage/memory.ts';
import type { ObjectStore } from '../../storage/object-store.ts';
import { fileKey } from './layout.ts';
import { FilePrefetch } from './prefetch.ts';

const id = (c: string) => c.repeat(64);

/** Counts reads of each key, so a test can see which reads the prefetch made. */
function counting(store: ObjectStore): { store: ObjectStore; reads: Map<string, number> } {
  const reads = new Map<string, number>();
  const wrapped: ObjectStore = {
    provider: store.provider,
    put: (k, b, o) => store.put(k, b, o),
    get: (k) => store.get(k),
    getBuffer: async (key) => {
      reads.set(key, (reads.get(key) ?? 0) + 1);
      return store.getBuffer(key);
    },
    getRange: (k, o, l) => store.getRange(k, o, l),
    stat: (k) => store.stat(k),
    exists: (k) => store.exists(k),
    list: (p) => store.list(p),
    listCommonPrefixes: (p, d) => store.listCommonPrefixes(p, d),
    delete: (k) => store.delete(k),
    signedUrl: (k, t) => store.signedUrl(k, t),
  };
  return { store: wrapped, reads };
}

test('reads ahead the listed files of the asked kinds, hands each out once, and drops the rest', async () => {
  const base = createMemoryObjectStore();
  await base.put(fileKey('index', id('a')), 'index-a');
  await base.put(fileKey('snapshots', id('b')), 'snap-b');
  await base.put(fileKey('keys', id('c')), 'key-c');
  await base.put('index/not-an-id', 'stray');
  const { store, reads } = counting(base);
  const prefetch = new FilePrefetch(store, ['index', 'snapshots']);
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(reads.get(fileKey('index', id('a'))), 1);
  assert.equal(reads.get(fileKey('snapshots', id('b'))), 1);
  assert.equal(reads.has(fileKey('keys', id('c'))), false, 'kinds not asked for are not read');
  assert.equal(reads.has('index/not-an-id'), false);
  assert.equal((await prefetch.take('index', id('a')))?.toString(), 'index-a');
  assert.equal(prefetch.take('index', id('a')), undefined, 'handed out once');
  assert.equal(prefetch.take('locks', id('d')), undefined);
  prefetch.clear();
  assert.equal(prefetch.take('snapshots', id('b')), undefined, 'cleared');
});

test('a read that fails ahead of time yields undefined (the caller reads, and sees the real error)', async () => {
  const base = createMemoryObjectStore();
  await base.put(fileKey('locks', id('e')), 'lock');
  const { store } = counting(base);
  store.getBuffer = async () => {
    throw new Error('injected');
  };
  const prefetch = new FilePrefetch(store, ['locks']);
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(await prefetch.take('locks', id('e')), undefined);
  prefetch.clear();
});
