import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Kubesim, startKubesim } from '../kubesim/index.ts';
import { buildCatalog } from './catalog.ts';
import { connect, type KubeConnection } from './client.ts';
import { discoverResources } from './discovery.ts';
import { createDynamicClient } from './dynamic-client.ts';
import { widgetCrd } from './testing.ts';
import { transportFor } from './transport.ts';

describe('discoverResources against kubesim', () => {
  let sim: Kubesim;
  let conn: KubeConnection;

  before(async () => {
    sim = await startKubesim({ cluster: false });
    conn = connect(sim.kubeconfigPath);
    const client = createDynamicClient(conn);
    const catalog = await discoverResources(conn);
    await client.create(catalog.resolve('crd')!, widgetCrd());
  });
  after(async () => {
    transportFor(conn.config).close();
    await sim?.stop();
  });

  for (const legacyOnly of [false, true]) {
    test(`${legacyOnly ? 'legacy' : 'aggregated'} discovery finds built-ins and the CRD, preferred versions first`, async () => {
      const catalog = await discoverResources(conn, { legacyOnly });
      assert.deepEqual(catalog.failures, []);
      const deploy = catalog.resolve('deploy');
      assert.equal(deploy?.groupResource, 'deployments.apps');
      assert.equal(deploy?.groupVersion, 'apps/v1');
      assert.equal(deploy?.namespaced, true);
      assert.equal(deploy?.kind, 'Deployment');
      assert.ok(deploy?.subresources?.includes('scale'));
      const widget = catalog.resolve('wd');
      assert.equal(widget?.groupResource, 'widgets.example.com');
      assert.equal(widget?.singular, 'widget');
      assert.deepEqual(widget?.subresources, ['status']);
      for (const name of ['widgets', 'Widget', 'widget', 'WIDGETS.example.com', 'widget.v1.example.com']) {
        assert.equal(catalog.resolve(name)?.groupResource, 'widgets.example.com', name);
      }
      assert.equal(catalog.resolve('pods')?.groupResource, 'pods');
      assert.equal(catalog.resolve('namespaces')?.namespaced, false);
      assert.equal(catalog.resolve('nothing-like-this'), undefined);
      assert.equal(catalog.resolve('deployments.example.com'), undefined);
      // events exist in core and in events.k8s.io: core wins, as with kubectl.
      assert.equal(catalog.resolve('events')?.group, '');
      assert.equal(catalog.resolve('events.events.k8s.io')?.group, 'events.k8s.io');
      assert.equal(catalog.forKind('apps', 'Deployment')?.resource, 'deployments');
      assert.equal(catalog.forApiVersionKind('example.com/v1', 'Widget')?.resource, 'widgets');
      const preferred = catalog.preferred();
      assert.equal(new Set(preferred.map((r) => r.groupResource)).size, preferred.length);
      assert.ok(preferred.every((r) => !r.resource.includes('/')));
      const hpa = catalog.versionsOf('horizontalpodautoscalers.autoscaling');
      assert.ok(hpa.length >= 1);
      assert.equal(hpa[0].version, hpa[0].preferredVersion);
    });
  }

  test('a closed transport is replaced for later clients of the same kubeconfig', async () => {
    const first = transportFor(conn.config);
    first.close();
    await assert.rejects(first.request({ method: 'GET', path: '/api' }), /closed/);
    assert.notEqual(transportFor(conn.config), first);
    assert.ok((await discoverResources(conn)).resolve('pods'));
  });

  test('both forms agree on every resource', async () => {
    const [aggregated, legacy] = await Promise.all([
      discoverResources(conn),
      discoverResources(conn, { legacyOnly: true }),
    ]);
    const shape = (c: typeof aggregated) =>
      c
        .all()
        .map((r) => `${r.groupVersion} ${r.resource} ${r.kind} ${r.namespaced} ${r.shortNames.join(',')}`)
        .sort();
    assert.deepEqual(shape(aggregated), shape(legacy));
  });
});

describe('buildCatalog', () => {
  const resource = (name: string, kind: string, shortNames: string[] = []) => ({
    resource: name,
    singular: name.replace(/s$/, ''),
    kind,
    namespaced: true,
    shortNames,
    verbs: ['get', 'list'],
    categories: [],
    subresources: [],
  });

  test('a resource only served at an older version is still listed, at that version', () => {
    const catalog = buildCatalog([
      {
        name: 'example.com',
        versions: [
          { version: 'v2', resources: [resource('things', 'Thing')] },
          { version: 'v1', resources: [resource('things', 'Thing'), resource('olds', 'Old')] },
        ],
      },
    ]);
    assert.deepEqual(
      catalog.preferred().map((r) => `${r.resource}@${r.version}`),
      ['things@v2', 'olds@v1'],
    );
    assert.deepEqual(
      catalog.versionsOf('things.example.com').map((r) => r.version),
      ['v2', 'v1'],
    );
    assert.equal(catalog.resolve('olds')?.preferredVersion, 'v2');
  });

  test('a custom group never shadows a well-known one; names as typed beat short names, which beat kinds', () => {
    const catalog = buildCatalog([
      {
        name: 'zz.example.com',
        versions: [{ version: 'v1', resources: [resource('deployments', 'Deployment')] }],
      },
      {
        name: 'apps',
        versions: [{ version: 'v1', resources: [resource('deployments', 'Deployment', ['deploy'])] }],
      },
      { name: 'other.io', versions: [{ version: 'v1', resources: [resource('deploys', 'Deploy')] }] },
      {
        name: 'third.io',
        versions: [{ version: 'v1', resources: [resource('things', 'Gadget', ['gadget'])] }],
      },
      { name: 'fourth.io', versions: [{ version: 'v1', resources: [resource('gadgets', 'Other')] }] },
    ]);
    assert.equal(catalog.resolve('gadget')?.group, 'fourth.io');
    assert.equal(catalog.resolve('Gadget')?.group, 'fourth.io');
    assert.equal(catalog.resolve('deployments')?.group, 'apps');
    assert.equal(catalog.resolve('deploy')?.group, 'other.io');
    assert.equal(catalog.resolve('deployments.zz.example.com')?.group, 'zz.example.com');
  });
});
