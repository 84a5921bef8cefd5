import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  KubernetesObjectApi,
  makeInformer,
  PatchStrategy,
  type V1ConfigMap,
  Watch,
} from '@kubernetes/client-node';
import { type Kubesim, startKubesim } from '../index.ts';

/** @kubernetes/client-node 1.4.0 against the API server alone (no simulated cluster needed). */

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function codeOf(err: unknown): number | undefined {
  return (err as { code?: number }).code;
}

describe('@kubernetes/client-node against the kubesim API server', () => {
  let sim: Kubesim;
  let kc: KubeConfig;
  let core: CoreV1Api;
  const ns = 'cn';

  before(async () => {
    sim = await startKubesim({ cluster: false });
    kc = new KubeConfig();
    kc.loadFromFile(sim.kubeconfigPath);
    core = kc.makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: ns } } });
  });
  after(async () => {
    await sim.stop();
  });

  test('typed API: create, 409 duplicate, replace, 409 stale, JSON patch, delete', async () => {
    const created = await core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'settings' }, data: { a: '1' } },
    });
    assert.match(created.metadata?.resourceVersion ?? '', /^\d+$/);
    await assert.rejects(
      core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'settings' } } }),
      (err) => codeOf(err) === 409,
    );
    const replaced = await core.replaceNamespacedConfigMap({
      namespace: ns,
      name: 'settings',
      body: { ...created, data: { a: '2' } } as V1ConfigMap,
    });
    assert.deepEqual(replaced.data, { a: '2' });
    await assert.rejects(
      core.replaceNamespacedConfigMap({
        namespace: ns,
        name: 'settings',
        body: { ...created, data: { a: '3' } },
      }),
      (err) => codeOf(err) === 409,
    );
    const patched = await core.patchNamespacedConfigMap({
      namespace: ns,
      name: 'settings',
      body: [{ op: 'add', path: '/data/b', value: '3' }],
    });
    assert.deepEqual(patched.data, { a: '2', b: '3' });
    await core.deleteNamespacedConfigMap({ namespace: ns, name: 'settings' });
    await assert.rejects(
      core.readNamespacedConfigMap({ namespace: ns, name: 'settings' }),
      (err) => codeOf(err) === 404,
    );
  });

  test('pagination with a label selector', async () => {
    for (let i = 0; i < 5; i++) {
      await core.createNamespacedSecret({
        namespace: ns,
        body: {
          metadata: { name: `p${i}`, labels: { paged: i % 2 === 0 ? 'yes' : 'no' } },
          stringData: { k: 'v' },
        },
      });
    }
    const names: string[] = [];
    let token: string | undefined;
    do {
      const page = await core.listNamespacedSecret({
        namespace: ns,
        labelSelector: 'paged=yes',
        limit: 2,
        _continue: token,
      });
      names.push(...page.items.map((s) => s.metadata?.name ?? ''));
      token = page.metadata?._continue;
    } while (token);
    assert.deepEqual(names, ['p0', 'p2', 'p4']);
    const secret = await core.readNamespacedSecret({ namespace: ns, name: 'p0' });
    assert.equal(
      Buffer.from(secret.data?.k ?? '', 'base64').toString(),
      'v',
      'stringData is folded into data',
    );
  });

  test('generic object API: create, strategic merge, server-side apply, list, custom resources', async () => {
    const objects = KubernetesObjectApi.makeApiClient(kc);
    await objects.create({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'api', namespace: ns },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'api' } },
        template: {
          metadata: { labels: { app: 'api' } },
          spec: { containers: [{ name: 'api', image: 'api:1', ports: [{ containerPort: 80 }] }] },
        },
      },
    });
    await objects.patch(
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'api', namespace: ns },
        spec: { replicas: 2, template: { spec: { containers: [{ name: 'api', image: 'api:2' }] } } },
      },
      undefined,
      undefined,
      undefined,
      undefined,
      PatchStrategy.StrategicMergePatch,
    );
    const dep = await kc.makeApiClient(AppsV1Api).readNamespacedDeployment({ namespace: ns, name: 'api' });
    assert.equal(dep.spec?.replicas, 2);
    assert.equal(dep.spec?.template.spec?.containers.length, 1);
    assert.equal(dep.spec?.template.spec?.containers[0].image, 'api:2');
    assert.equal(
      dep.spec?.template.spec?.containers[0].ports?.[0].containerPort,
      80,
      'merged by name, not replaced',
    );
    assert.equal(dep.metadata?.generation, 2);

    const applied = await objects.patch(
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ssa', namespace: ns }, data: { k: 'v' } },
      undefined,
      undefined,
      'tester',
      true,
      PatchStrategy.ServerSideApply,
    );
    assert.equal((applied as V1ConfigMap).data?.k, 'v');
    const listed = await objects.list('apps/v1', 'Deployment', ns);
    assert.deepEqual(
      listed.items.map((d) => d.metadata?.name),
      ['api'],
    );

    await objects.create({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'gadgets.example.com' },
      spec: {
        group: 'example.com',
        scope: 'Namespaced',
        names: { plural: 'gadgets', singular: 'gadget', kind: 'Gadget' },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
          },
        ],
      },
    } as never);
    const custom = kc.makeApiClient(CustomObjectsApi);
    await custom.createNamespacedCustomObject({
      group: 'example.com',
      version: 'v1',
      namespace: ns,
      plural: 'gadgets',
      body: { apiVersion: 'example.com/v1', kind: 'Gadget', metadata: { name: 'g1' }, spec: { size: 1 } },
    });
    // The object API caches discovery per group version; a fresh one sees the new group.
    const fresh = KubernetesObjectApi.makeApiClient(kc);
    const gadgets = await fresh.list('example.com/v1', 'Gadget', ns);
    assert.deepEqual(
      gadgets.items.map((g) => g.metadata?.name),
      ['g1'],
    );
    await assert.rejects(
      fresh.patch(
        { apiVersion: 'example.com/v1', kind: 'Gadget', metadata: { name: 'g1', namespace: ns } },
        undefined,
        undefined,
        undefined,
        undefined,
        PatchStrategy.StrategicMergePatch,
      ),
      (err) => codeOf(err) === 415,
    );
  });

  test('Watch delivers ADDED, MODIFIED, DELETED in order', async () => {
    const events: string[] = [];
    const req = await new Watch(kc).watch(
      `/api/v1/namespaces/${ns}/configmaps`,
      { allowWatchBookmarks: true, fieldSelector: 'metadata.name=watched' },
      (type, obj) => {
        if (type !== 'BOOKMARK') events.push(`${type} ${obj.data?.v ?? ''}`);
      },
      () => {},
    );
    await core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'watched' }, data: { v: '1' } },
    });
    await core.patchNamespacedConfigMap({
      namespace: ns,
      name: 'watched',
      body: [{ op: 'replace', path: '/data/v', value: '2' }],
    });
    await core.deleteNamespacedConfigMap({ namespace: ns, name: 'watched' });
    await until('three events', () => (events.length >= 3 ? true : undefined));
    req.abort();
    assert.deepEqual(events, ['ADDED 1', 'MODIFIED 2', 'DELETED 2']);
  });

  test('an informer lists, watches, and relists after the watch is dropped', async () => {
    const informer = makeInformer(kc, `/api/v1/namespaces/${ns}/services`, () =>
      core.listNamespacedService({ namespace: ns }),
    );
    const seen: string[] = [];
    informer.on('add', (s) => seen.push(`add ${s.metadata?.name}`));
    informer.on('update', (s) => seen.push(`update ${s.metadata?.name}`));
    informer.on('delete', (s) => seen.push(`delete ${s.metadata?.name}`));
    // As applications do: client-node's informer stops on a connection error and is restarted by its owner.
    let stopped = false;
    informer.on('error', () => {
      if (!stopped) setTimeout(() => informer.start().catch(() => {}), 20);
    });
    await informer.start();
    await core.createNamespacedService({
      namespace: ns,
      body: { metadata: { name: 'one' }, spec: { ports: [{ port: 80 }] } },
    });
    await until('add one', () => (seen.includes('add one') ? true : undefined));
    assert.equal(sim.faults.dropWatches('services'), 1);
    await core.createNamespacedService({
      namespace: ns,
      body: { metadata: { name: 'two' }, spec: { ports: [{ port: 80 }] } },
    });
    await core.patchNamespacedService({
      namespace: ns,
      name: 'one',
      body: [{ op: 'add', path: '/metadata/labels', value: { x: 'y' } }],
    });
    await core.deleteNamespacedService({ namespace: ns, name: 'one' });
    // A graceful end (like a server-side timeout) makes the informer re-watch from its last resourceVersion.
    await until('the informer to watch again', () =>
      sim.faults.dropWatches('services', { graceful: true }) === 1 ? true : undefined,
    );
    await core.createNamespacedService({
      namespace: ns,
      body: { metadata: { name: 'three' }, spec: { ports: [{ port: 80 }] } },
    });
    await until(
      'informer events',
      () =>
        seen.includes('delete one') && seen.includes('add two') && seen.includes('add three')
          ? true
          : undefined,
      10_000,
    );
    stopped = true;
    await informer.stop();
    assert.ok(seen.indexOf('add one') < seen.indexOf('update one'));
    assert.ok(seen.indexOf('update one') < seen.indexOf('delete one'));
  });
});
