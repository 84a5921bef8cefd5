import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { isLifeboatError, LifeboatError } from '../core/errors.ts';
import { type Kubesim, startKubesim } from '../kubesim/index.ts';
import { writeKubeconfig } from '../kubesim/kubeconfig.ts';
import type { DiscoveredCatalog } from './catalog.ts';
import { connect, type KubeConnection } from './client.ts';
import { discoverResources } from './discovery.ts';
import { createDynamicClient, isMetadataDigest, listedItemJson } from './dynamic-client.ts';
import { configMap, widgetCrd } from './testing.ts';
import { transportFor } from './transport.ts';
import type { ApiResourceInfo, DynamicClient, KubeObject, WatchEventType } from './types.ts';

const fastRetry = { baseDelayMs: 1, maxDelayMs: 5, maxRetryAfterMs: 50 };

async function rejection(p: Promise<unknown>): Promise<LifeboatError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof LifeboatError, `not a LifeboatError: ${err}`);
    return err;
  }
  assert.fail('expected a rejection');
}

describe('createDynamicClient against kubesim', () => {
  let sim: Kubesim;
  let conn: KubeConnection;
  let client: DynamicClient;
  let catalog: DiscoveredCatalog;
  let configmaps: ApiResourceInfo;
  let widgets: ApiResourceInfo;

  before(async () => {
    sim = await startKubesim({ cluster: false, watchHistory: 40, bookmarkIntervalMs: 20 });
    conn = connect(sim.kubeconfigPath);
    client = createDynamicClient(conn, { retry: fastRetry });
    catalog = await discoverResources(conn);
    await client.create(catalog.resolve('crd')!, widgetCrd());
    catalog = await discoverResources(conn);
    configmaps = catalog.resolve('cm')!;
    widgets = catalog.resolve('widgets.example.com')!;
    await client.create(catalog.resolve('ns')!, {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'a' },
    });
    await client.create(catalog.resolve('ns')!, {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'b' },
    });
  });
  after(async () => {
    sim.faults.clear();
    transportFor(conn.config).close();
    await sim?.stop();
  });

  test('create, get, update, patch (merge, json, strategic, apply), status, delete', async () => {
    const created = await client.create(configmaps, configMap('a', 'crud'));
    assert.ok(created.metadata?.uid);
    const got = await client.get(configmaps, 'a', 'crud');
    assert.equal(got?.metadata?.resourceVersion, created.metadata?.resourceVersion);
    assert.equal(await client.get(configmaps, 'a', 'absent'), undefined);

    const updated = await client.update(configmaps, { ...got!, data: { k: 'v' } });
    assert.deepEqual(updated.data, { k: 'v' });
    const merged = await client.patch(configmaps, 'a', 'crud', 'merge', { data: { m: '1' } });
    assert.deepEqual(merged.data, { k: 'v', m: '1' });
    const jsonPatched = await client.patch(configmaps, 'a', 'crud', 'json', [
      { op: 'remove', path: '/data/k' },
    ]);
    assert.deepEqual(jsonPatched.data, { m: '1' });
    const strategic = await client.patch(configmaps, 'a', 'crud', 'strategic', {
      metadata: { labels: { s: 'y' } },
    });
    assert.equal(strategic.metadata?.labels?.s, 'y');
    const applied = await client.patch(
      configmaps,
      'a',
      'applied',
      'apply',
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'applied', namespace: 'a' },
        data: { x: '1' },
      },
      { fieldManager: 'test', force: true },
    );
    assert.deepEqual(applied.data, { x: '1' });

    const dry = await client.create(configmaps, configMap('a', 'dry'), { dryRun: true });
    assert.equal(dry.metadata?.name, 'dry');
    assert.equal(await client.get(configmaps, 'a', 'dry'), undefined);

    const widget = await client.create(widgets, {
      apiVersion: 'example.com/v1',
      kind: 'Widget',
      metadata: { name: 'w1', namespace: 'a' },
      spec: { size: 3 },
    });
    const withStatus = await client.patch(
      widgets,
      'a',
      'w1',
      'merge',
      { status: { phase: 'Ready' } },
      {
        subresource: 'status',
      },
    );
    assert.deepEqual(withStatus.status, { phase: 'Ready' });
    const viaPut = await client.updateStatus(widgets, {
      ...withStatus,
      status: { phase: 'Done' },
      spec: { size: 9 },
    });
    assert.deepEqual(viaPut.status, { phase: 'Done' });
    assert.deepEqual(viaPut.spec, { size: 3 }, 'the status subresource ignores spec');
    assert.notEqual(viaPut.metadata?.resourceVersion, widget.metadata?.resourceVersion);

    await client.delete(configmaps, 'a', 'crud');
    assert.equal(await client.get(configmaps, 'a', 'crud'), undefined);
    assert.equal((await rejection(client.delete(configmaps, 'a', 'crud'))).code, 'NotFound');
  });

  test('API errors become LifeboatError codes with the server message', async () => {
    await client.create(configmaps, configMap('a', 'dup'));
    const exists = await rejection(client.create(configmaps, configMap('a', 'dup')));
    assert.equal(exists.code, 'AlreadyExists');
    assert.match(exists.message, /"dup" already exists/);

    const current = (await client.get(configmaps, 'a', 'dup'))!;
    await client.patch(configmaps, 'a', 'dup', 'merge', { data: { bump: '1' } });
    const conflict = await rejection(client.update(configmaps, current));
    assert.equal(conflict.code, 'Conflict');

    const invalid = await rejection(
      client.create(widgets, {
        apiVersion: 'example.com/v1',
        kind: 'Widget',
        metadata: { name: 'bad', namespace: 'a' },
        spec: { size: -1 },
      }),
    );
    assert.equal(invalid.code, 'Invalid');
    assert.match(invalid.message, /spec\.size/);
    assert.equal(invalid.field, 'spec.size');

    // A namespace being deleted refuses new objects with 403 Forbidden.
    const namespaces = catalog.resolve('ns')!;
    await client.create(namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'closing' } });
    await client.delete(namespaces, undefined, 'closing');
    const forbidden = await rejection(client.create(configmaps, configMap('closing', 'late')));
    assert.equal(forbidden.code, 'PermissionDenied');
    assert.match(forbidden.message, /terminat/);

    const badName = await rejection(client.create(configmaps, configMap('a', 'Not_A_Name')));
    assert.equal(badName.code, 'Invalid');

    const badSelector = await rejection(
      (async () => {
        for await (const _ of client.listPages(configmaps, { labelSelector: 'a in (' })) {
          // never reached
        }
      })(),
    );
    assert.equal(badSelector.code, 'Invalid');
    assert.equal(badSelector.retryable, false);
  });

  test('listPages walks every page of a CRD-defined resource and of all namespaces', async () => {
    for (let i = 0; i < 25; i++) {
      await client.create(widgets, {
        apiVersion: 'example.com/v1',
        kind: 'Widget',
        metadata: { name: `p-${String(i).padStart(2, '0')}`, namespace: i % 2 ? 'a' : 'b' },
        spec: { size: i },
      });
    }
    const pages: KubeObject[][] = [];
    let withBytes = 0;
    for await (const page of client.listPages(widgets, { limit: 7, labelSelector: '' })) {
      pages.push(page.items);
      assert.ok(page.resourceVersion);
      for (const [i, o] of page.items.entries()) {
        const json = listedItemJson(page, i);
        assert.ok(json, 'every listed item has its bytes');
        assert.deepEqual(JSON.parse(json.toString('utf8')), o);
        withBytes++;
      }
    }
    const names = pages.flat().map((o) => `${o.metadata?.namespace}/${o.metadata?.name}`);
    assert.ok(pages.length >= 4);
    assert.equal(names.filter((n) => n.includes('/p-')).length, 25);
    assert.equal(new Set(names).size, names.length);
    assert.ok(pages.flat().every((o) => o.kind === 'Widget' && o.apiVersion === 'example.com/v1'));
    assert.equal(withBytes, names.length);

    const inA: string[] = [];
    for await (const page of client.listPages(widgets, { namespace: 'a', limit: 5 })) {
      inA.push(...page.items.map((o) => o.metadata!.name!));
    }
    assert.equal(inA.filter((n) => n.startsWith('p-')).length, 12);
  });

  test('an expired continue token restarts the list without repeating objects', async () => {
    for (let i = 0; i < 30; i++)
      await client.create(configmaps, configMap('b', `exp-${String(i).padStart(2, '0')}`));
    const lists = sim.faults.add({ resource: 'configmaps', verb: 'list', latencyMs: 0 });
    const seen: string[] = [];
    let token: string | undefined;
    for await (const page of client.listPages(configmaps, { namespace: 'b', limit: 10 })) {
      seen.push(...page.items.map((o) => o.metadata!.name!));
      if (token === undefined) {
        token = page.continue!;
        // More writes than the history keeps: the token's snapshot is compacted away (410 Expired).
        for (let i = 0; i < 45; i++) {
          await client.patch(configmaps, 'b', 'exp-29', 'merge', { data: { n: String(i) } });
        }
      }
    }
    lists.remove();
    assert.ok(lists.hits > 3, `the list restarted (${lists.hits} list requests for 3 pages)`);
    const raw = await transportFor(conn.config).request({
      method: 'GET',
      path: `/api/v1/namespaces/b/configmaps?limit=10&continue=${token}`,
    });
    assert.equal(raw.status, 410, 'the first token must have expired for this test to mean anything');
    assert.equal(seen.length, 30);
    assert.equal(new Set(seen).size, 30);
    assert.deepEqual(seen, [...seen].sort());
  });

  test('429 (with Retry-After) and 500 are retried; a persistent 503 surfaces as Unavailable', async () => {
    const tooMany = sim.faults.add({
      resource: 'configmaps',
      verb: 'get',
      error: 429,
      retryAfterSeconds: 0,
      times: 2,
    });
    const serverError = sim.faults.add({ resource: 'configmaps', verb: 'create', error: 500, times: 2 });
    await client.create(configmaps, configMap('a', 'after-500'));
    assert.equal(serverError.hits, 2);
    assert.equal((await client.get(configmaps, 'a', 'after-500'))?.metadata?.name, 'after-500');
    assert.equal(tooMany.hits, 2);

    const down = sim.faults.add({ resource: 'configmaps', verb: 'list', error: 503, retryAfterSeconds: 0 });
    try {
      const err = await rejection(
        (async () => {
          for await (const _ of client.listPages(configmaps)) {
            // never reached
          }
        })(),
      );
      assert.equal(err.code, 'Unavailable');
      assert.equal(err.retryable, true);
      assert.equal(down.hits, 6);
    } finally {
      down.remove();
    }
  });

  test('watch delivers events in order with bookmarks, ends on the server timeout, and fails Gone on 410', async () => {
    const start = (await client.get(configmaps, 'a', 'after-500'))!.metadata!.resourceVersion!;
    const events: [WatchEventType, string][] = [];
    const abort = new AbortController();
    const watching = client.watch(
      configmaps,
      { namespace: 'a', resourceVersion: start, allowBookmarks: true },
      (type, object) => {
        events.push([type, object.metadata?.name ?? '']);
        if (type === 'DELETED') abort.abort();
      },
      abort.signal,
    );
    await client.create(configmaps, configMap('a', 'w-1'));
    await client.patch(configmaps, 'a', 'w-1', 'merge', { data: { y: '2' } });
    await new Promise((r) => setTimeout(r, 60));
    await client.delete(configmaps, 'a', 'w-1');
    await watching;
    const real = events.filter(([t]) => t !== 'BOOKMARK');
    assert.deepEqual(real, [
      ['ADDED', 'w-1'],
      ['MODIFIED', 'w-1'],
      ['DELETED', 'w-1'],
    ]);
    assert.ok(events.some(([t]) => t === 'BOOKMARK'));

    const ended = client.watch(
      configmaps,
      { namespace: 'a', resourceVersion: start, timeoutSeconds: 1 },
      () => {},
      new AbortController().signal,
    );
    await ended; // resolves (no error) when the server closes it

    const gone = await rejection(
      client.watch(configmaps, { resourceVersion: '1' }, () => {}, new AbortController().signal),
    );
    assert.equal(gone.code, 'Gone');
    assert.ok(isLifeboatError(gone, 'Gone'));
  });
});

describe('listed items keep their JSON bytes', () => {
  test('items without kind and apiVersion, escapes, brackets in strings and pretty-printed lists', async () => {
    const items = [
      { metadata: { name: 'a', namespace: 'x' }, data: { q: 'say "hi" \\', b: '}]{[', u: 'é\u2028' } },
      {},
      {
        metadata: { name: 'c', namespace: 'x', labels: { 'k"': 'v\\"' } },
        data: { nested: '[{"items":[1]}]' },
      },
    ];
    const bodies = [
      JSON.stringify({ kind: 'ConfigMapList', apiVersion: 'v1', metadata: { resourceVersion: '5' }, items }),
      JSON.stringify({ items, metadata: { resourceVersion: '5' }, kind: 'ConfigMapList' }, null, 2),
    ];
    let served = 0;
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(bodies[served++ % bodies.length]);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const dir = mkdtempSync(join(tmpdir(), 'kube-raw-'));
    const conn = connect(writeTestKubeconfig(dir, server));
    try {
      const client = createDynamicClient(conn, { retry: fastRetry });
      const cm = hand('configmaps', 'ConfigMap');
      for (let round = 0; round < bodies.length; round++) {
        let listed = 0;
        for await (const page of client.listPages(cm)) {
          for (const [i, o] of page.items.entries()) {
            assert.deepEqual(o, { ...items[i], apiVersion: 'v1', kind: 'ConfigMap' });
            const json = listedItemJson(page, i);
            assert.ok(json, `item ${i} of body ${round} has its bytes`);
            assert.deepEqual(JSON.parse(json.toString('utf8')), o);
            listed++;
          }
          assert.equal(listedItemJson(page, page.items.length), undefined);
        }
        assert.equal(listed, 3);
        // The same answers read as metadata digests: the metadata fields a digest keeps, the same bytes.
        let digests = 0;
        for await (const page of client.listPages(cm, { metadataDigest: true })) {
          for (const [i, o] of page.items.entries()) {
            const { name, namespace, labels } =
              (items[i] as { metadata?: KubeObject['metadata'] }).metadata ?? {};
            const metadata = JSON.parse(JSON.stringify({ name, namespace, labels }));
            assert.deepEqual({ ...o }, { apiVersion: 'v1', kind: 'ConfigMap', metadata });
            assert.ok(isMetadataDigest(o));
            const json = listedItemJson(page, i);
            assert.deepEqual(JSON.parse(String(json)), { ...items[i], apiVersion: 'v1', kind: 'ConfigMap' });
            digests++;
          }
        }
        assert.equal(digests, 3);
      }
      assert.equal(listedItemJson({ items: [{}], resourceVersion: '1' }, 0), undefined);
    } finally {
      transportFor(conn.config).close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('transient connection failures', () => {
  test('a connection reset before the answer is retried on a new connection', async () => {
    let requests = 0;
    const server = createServer((req, res) => {
      requests++;
      if (requests === 1) {
        req.socket.destroy();
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(
        JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'a' } }),
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const dir = mkdtempSync(join(tmpdir(), 'kube-reset-'));
    const conn = connect(writeTestKubeconfig(dir, server));
    try {
      const client = createDynamicClient(conn, { retry: fastRetry });
      const cm = hand('configmaps', 'ConfigMap');
      const got = await client.get(cm, 'a', 'x');
      assert.equal(got?.metadata?.name, 'x');
      assert.equal(requests, 2);
    } finally {
      transportFor(conn.config).close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

function writeTestKubeconfig(dir: string, server: Server): string {
  const { port } = server.address() as AddressInfo;
  const path = join(dir, 'kubeconfig');
  writeKubeconfig(path, `http://127.0.0.1:${port}`);
  return path;
}

function hand(resource: string, kind: string): ApiResourceInfo {
  return {
    group: '',
    version: 'v1',
    groupVersion: 'v1',
    resource,
    singular: kind.toLowerCase(),
    kind,
    namespaced: true,
    shortNames: [],
    verbs: [],
    categories: [],
    preferredVersion: 'v1',
    groupResource: resource,
  };
}
