import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../core/clock.ts';
import { runObjectStoreConformance } from './conformance.ts';
import { createMemoryObjectStore } from './memory.ts';

runObjectStoreConformance({
  name: 'memory',
  create: async () => createMemoryObjectStore(),
  cleanup: async () => undefined,
  signedUrls: false,
});

runObjectStoreConformance({
  name: 'memory with a prefix',
  create: async () => createMemoryObjectStore({ prefix: 'velero/' }),
  cleanup: async () => undefined,
  signedUrls: false,
});

test('two stores on one bucket see each other, each under its own prefix', async () => {
  const a = createMemoryObjectStore({ prefix: 'cluster-a' });
  const b = createMemoryObjectStore({ bucket: a.bucket });
  await a.put('backups/x/velero-backup.json', '{}');
  assert.deepEqual([...a.bucket.keys()], ['cluster-a/backups/x/velero-backup.json']);
  assert.equal((await b.getBuffer('cluster-a/backups/x/velero-backup.json')).toString(), '{}');
  assert.deepEqual(await b.listCommonPrefixes(''), ['cluster-a/']);
});

test('lastModified comes from the injected clock', async () => {
  const clock = new ManualClock('2026-03-01T00:00:00Z');
  const store = createMemoryObjectStore({ clock });
  await store.put('k', 'v');
  clock.advance(60_000);
  await store.put('l', 'v');
  assert.equal((await store.stat('k')).lastModified.toISOString(), '2026-03-01T00:00:00.000Z');
  assert.equal((await store.stat('l')).lastModified.toISOString(), '2026-03-01T00:01:00.000Z');
});

test('stored bytes are copies: mutating the put buffer or a read buffer changes nothing', async () => {
  const store = createMemoryObjectStore();
  const body = Buffer.from('abc');
  await store.put('k', body);
  body[0] = 0x7a;
  const read = await store.getBuffer('k');
  read[1] = 0x7a;
  assert.equal((await store.getBuffer('k')).toString(), 'abc');
});
