import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { type Kubesim, startKubesim } from '../kubesim/index.ts';
import { connect, type KubeConnection } from './client.ts';
import { discoverResources } from './discovery.ts';
import { createDynamicClient } from './dynamic-client.ts';
import { createInformer } from './informer.ts';
import { configMap } from './testing.ts';
import { transportFor } from './transport.ts';
import type { ApiResourceInfo, DynamicClient } from './types.ts';

const logger = pino({ level: process.env.DEBUG_INFORMER ? 'debug' : 'silent' });

async function until(what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('createInformer against kubesim', () => {
  let sim: Kubesim;
  let conn: KubeConnection;
  let client: DynamicClient;
  let configmaps: ApiResourceInfo;

  before(async () => {
    sim = await startKubesim({ cluster: false, watchHistory: 30, bookmarkIntervalMs: 20 });
    conn = connect(sim.kubeconfigPath);
    client = createDynamicClient(conn, { retry: { baseDelayMs: 1, maxDelayMs: 5 } });
    const catalog = await discoverResources(conn);
    configmaps = catalog.resolve('configmaps')!;
    for (const name of ['inf', 'other']) {
      await client.create(catalog.resolve('namespaces')!, {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name },
      });
    }
  });
  after(async () => {
    sim.faults.clear();
    transportFor(conn.config).close();
    await sim?.stop();
  });

  test('lists, then reports adds, updates and deletes in order, and keeps the cache; bookmarks advance it', async () => {
    await client.create(configmaps, configMap('inf', 'before'));
    await client.create(configmaps, configMap('other', 'elsewhere'));
    const informer = createInformer(client, configmaps, { namespace: 'inf', pageSize: 1 }, logger);
    const seen: string[] = [];
    informer.onAdd((o) => seen.push(`add ${o.metadata?.name}`));
    informer.onUpdate((old, cur) =>
      seen.push(`update ${cur.metadata?.name} ${old.data === cur.data ? 'same' : 'new'}`),
    );
    informer.onDelete((o) => seen.push(`delete ${o.metadata?.name}`));
    informer.onAdd(() => {
      throw new Error('a failing handler must not stop the others');
    });
    assert.equal(informer.hasSynced, false);
    await informer.start();
    try {
      assert.equal(informer.hasSynced, true);
      assert.deepEqual(seen, ['add before']);
      assert.equal(informer.get('inf', 'before')?.metadata?.name, 'before');
      assert.equal(informer.get('other', 'elsewhere'), undefined);

      await client.create(configmaps, configMap('inf', 'live'));
      await client.patch(configmaps, 'inf', 'live', 'merge', { data: { v: '2' } });
      await client.delete(configmaps, 'inf', 'before');
      await until('three events', () => seen.length === 4);
      assert.deepEqual(seen, ['add before', 'add live', 'update live new', 'delete before']);
      assert.deepEqual(
        informer.list().map((o) => o.metadata?.name),
        ['live'],
      );
      assert.equal((informer.get('inf', 'live')!.data as Record<string, string>).v, '2');

      const rv = Number(informer.resourceVersion);
      await client.create(configmaps, configMap('other', 'moves-rv'));
      await until('a bookmark past the unrelated write', () => Number(informer.resourceVersion) > rv);
    } finally {
      await informer.stop();
    }
  });

  test('a watch too old for the history (410) relists and reports what changed meanwhile', async () => {
    await client.create(configmaps, configMap('inf', 'stays'));
    await client.create(configmaps, configMap('inf', 'goes'));
    const informer = createInformer(client, configmaps, { namespace: 'inf' }, logger);
    const seen: string[] = [];
    await informer.start();
    informer.onAdd((o) => seen.push(`add ${o.metadata?.name}`));
    informer.onUpdate((_, o) => seen.push(`update ${o.metadata?.name}`));
    informer.onDelete((o) => seen.push(`delete ${o.metadata?.name}`));
    const lists = sim.faults.add({ resource: 'configmaps', verb: 'list', latencyMs: 0 });
    try {
      // The next watch waits 400 ms before the server looks at its resourceVersion; meanwhile the history
      // (30 events) moves past it.
      sim.faults.add({ resource: 'configmaps', verb: 'watch', latencyMs: 400, times: 1 });
      await until('the watch to open and be cut', () => sim.faults.dropWatches('configmaps') === 1);
      await client.delete(configmaps, 'inf', 'goes');
      await client.create(configmaps, configMap('inf', 'new'));
      // Filler writes in-process, so they are surely done before the watch comes back.
      const ref = sim.api.lookup('', 'v1', 'configmaps')!;
      for (let i = 0; i < 40; i++) sim.api.create(ref, 'other', configMap('other', `filler-${i}`) as never);
      await until('the relist', () => seen.length >= 2 && lists.hits >= 1);
      assert.deepEqual(seen.sort(), ['add new', 'delete goes']);
      assert.deepEqual(
        informer
          .list()
          .map((o) => o.metadata?.name)
          .sort(),
        ['live', 'new', 'stays'],
      );
      // And it watches again after the relist.
      await client.patch(configmaps, 'inf', 'stays', 'merge', { data: { after: 'relist' } });
      await until('an event after the relist', () => seen.includes('update stays'));
    } finally {
      lists.remove();
      await informer.stop();
    }
  });

  test('a server that ends the watch is watched again from the last version, without a relist', async () => {
    const informer = createInformer(client, configmaps, { namespace: 'inf' }, logger);
    await informer.start();
    const lists = sim.faults.add({ resource: 'configmaps', verb: 'list', latencyMs: 0 });
    const names: string[] = [];
    informer.onAdd((o) => names.push(o.metadata!.name!));
    try {
      await until(
        'the watch to open and end',
        () => sim.faults.dropWatches('configmaps', { graceful: true }) === 1,
      );
      await client.create(configmaps, configMap('inf', 'after-end'));
      await until('the event after the re-watch', () => names.includes('after-end'));
      assert.equal(lists.hits, 0);
    } finally {
      lists.remove();
      await informer.stop();
    }
  });

  test('stop before the first list ends the pending start', async () => {
    const slow = sim.faults.add({ resource: 'configmaps', verb: 'list', latencyMs: 200, times: 1 });
    const informer = createInformer(client, configmaps, {}, logger);
    const started = informer.start();
    await informer.stop();
    await assert.rejects(started, /stopped before it synced/);
    slow.remove();
  });
});
