/**
 * The proof for kubesim through @kubernetes/client-node 1.4.0: typed APIs, the generic object API,
 * watch, an informer, exec and logs, all over HTTP exactly as against a real cluster.
 */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import {
  AppsV1Api,
  CoreV1Api,
  Exec,
  KubeConfig,
  KubernetesObjectApi,
  Log,
  makeInformer,
  PatchStrategy,
  type V1ConfigMap,
  type V1Status,
  Watch,
} from '@kubernetes/client-node';
import { startKubesim } from '../../src/kubesim/index.ts';

type Sim = Awaited<ReturnType<typeof startKubesim>>;
const ns = 'cn';

async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('@kubernetes/client-node against kubesim', () => {
  let sim: Sim;
  let kc: KubeConfig;
  let core: CoreV1Api;
  let apps: AppsV1Api;

  before(async () => {
    sim = await startKubesim({ nodes: 2 });
    kc = new KubeConfig();
    kc.loadFromFile(sim.kubeconfigPath);
    core = kc.makeApiClient(CoreV1Api);
    apps = kc.makeApiClient(AppsV1Api);
    await core.createNamespace({ body: { metadata: { name: ns } } });
  });
  after(async () => {
    await sim?.stop();
  });

  test('create, read, 409 on duplicates and on stale updates', async () => {
    const created = await core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'settings', labels: { app: 'x' } }, data: { a: '1' } },
    });
    assert.ok(created.metadata?.uid);
    await assert.rejects(
      core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'settings' } } }),
      (err: { code?: number }) => err.code === 409,
    );
    const stale: V1ConfigMap = { ...created, data: { a: '2' } };
    await core.replaceNamespacedConfigMap({ namespace: ns, name: 'settings', body: stale });
    await assert.rejects(
      core.replaceNamespacedConfigMap({
        namespace: ns,
        name: 'settings',
        body: { ...created, data: { a: '3' } },
      }),
      (err: { code?: number }) => err.code === 409,
    );
    const read = await core.readNamespacedConfigMap({ namespace: ns, name: 'settings' });
    assert.deepEqual(read.data, { a: '2' });
  });

  test('list with a label selector and pagination', async () => {
    for (let i = 0; i < 7; i++) {
      await core.createNamespacedConfigMap({
        namespace: ns,
        body: { metadata: { name: `page-${i}`, labels: { paged: 'yes' } } },
      });
    }
    const names: string[] = [];
    let token: string | undefined;
    do {
      const page = await core.listNamespacedConfigMap({
        namespace: ns,
        labelSelector: 'paged=yes',
        limit: 3,
        _continue: token,
      });
      names.push(...page.items.map((i) => i.metadata?.name ?? ''));
      token = page.metadata?._continue;
    } while (token);
    assert.deepEqual(
      names,
      [0, 1, 2, 3, 4, 5, 6].map((i) => `page-${i}`),
    );
  });

  test('the generic object API with strategic merge and server-side apply', async () => {
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
          spec: { containers: [{ name: 'api', image: 'api:1' }] },
        },
      },
    });
    await objects.patch(
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'api', namespace: ns },
        spec: { replicas: 2 },
      },
      undefined,
      undefined,
      undefined,
      undefined,
      PatchStrategy.StrategicMergePatch,
    );
    const applied = await objects.patch(
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ssa', namespace: ns }, data: { k: 'v' } },
      undefined,
      undefined,
      'tester',
      true,
      PatchStrategy.ServerSideApply,
    );
    assert.equal((applied as V1ConfigMap).data?.k, 'v');
    const dep = await apps.readNamespacedDeployment({ namespace: ns, name: 'api' });
    assert.equal(dep.spec?.replicas, 2);
    assert.equal(dep.spec?.template.spec?.containers[0].image, 'api:1');
    await eventually('the api deployment to be available', async () => {
      const d = await apps.readNamespacedDeployment({ namespace: ns, name: 'api' });
      return d.status?.availableReplicas === 2 ? d : undefined;
    });
  });

  test('watch delivers ADDED, MODIFIED and DELETED in order', async () => {
    const events: string[] = [];
    const watch = new Watch(kc);
    const req = await watch.watch(
      `/api/v1/namespaces/${ns}/configmaps`,
      { allowWatchBookmarks: true, fieldSelector: 'metadata.name=watched' },
      (type, obj) => {
        if (type !== 'BOOKMARK') events.push(`${type} ${obj.metadata?.name} ${obj.data?.v ?? ''}`.trim());
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
    await eventually('three events', async () => (events.length >= 3 ? true : undefined), 10_000);
    req.abort();
    assert.deepEqual(events, ['ADDED watched 1', 'MODIFIED watched 2', 'DELETED watched 2']);
  });

  test('an informer sees adds, updates and deletes', async () => {
    const path = `/api/v1/namespaces/${ns}/secrets`;
    const informer = makeInformer(kc, path, () => core.listNamespacedSecret({ namespace: ns }));
    const seen: string[] = [];
    informer.on('add', (s) => seen.push(`add ${s.metadata?.name}`));
    informer.on('update', (s) => seen.push(`update ${s.metadata?.name}`));
    informer.on('delete', (s) => seen.push(`delete ${s.metadata?.name}`));
    await informer.start();
    await core.createNamespacedSecret({
      namespace: ns,
      body: { metadata: { name: 'inf' }, stringData: { x: 'y' } },
    });
    await core.patchNamespacedSecret({
      namespace: ns,
      name: 'inf',
      body: [{ op: 'add', path: '/metadata/labels', value: { touched: 'yes' } }],
    });
    await core.deleteNamespacedSecret({ namespace: ns, name: 'inf' });
    await eventually('informer events', async () => (seen.includes('delete inf') ? true : undefined), 10_000);
    await informer.stop();
    assert.deepEqual(
      seen.filter((s) => s.endsWith(' inf')),
      ['add inf', 'update inf', 'delete inf'],
    );
  });

  test('exec and logs in a running pod', async () => {
    const pod = await eventually('a running api pod', async () => {
      const pods = await core.listNamespacedPod({ namespace: ns, labelSelector: 'app=api' });
      return pods.items.find((p) => p.status?.phase === 'Running');
    });
    const stdout = new PassThrough();
    let out = '';
    stdout.on('data', (d) => {
      out += d;
    });
    const status = await new Promise<V1Status>((resolve, reject) => {
      new Exec(kc)
        .exec(
          ns,
          pod.metadata?.name ?? '',
          'api',
          ['sh', '-c', 'echo hello from $HOSTNAME'],
          stdout,
          null,
          null,
          false,
          resolve,
        )
        .catch(reject);
    });
    assert.equal(status.status, 'Success');
    await eventually('exec output', async () => (out.includes('hello') ? true : undefined), 5000);
    assert.equal(out, `hello from ${pod.metadata?.name}\n`);

    const logStream = new PassThrough();
    let logs = '';
    logStream.on('data', (d) => {
      logs += d;
    });
    await new Log(kc).log(ns, pod.metadata?.name ?? '', 'api', logStream, { tailLines: 5 });
    await eventually('log lines', async () => (logs.includes('api:1') ? true : undefined), 5000);
  });

  test('deleting the namespace removes its content', async () => {
    await core.deleteNamespace({ name: ns });
    await eventually('namespace gone', async () => {
      try {
        await core.readNamespace({ name: ns });
        return undefined;
      } catch (err) {
        return (err as { code?: number }).code === 404 ? true : undefined;
      }
    });
    const left = await core.listConfigMapForAllNamespaces({ fieldSelector: `metadata.namespace=${ns}` });
    assert.equal(left.items.length, 0);
  });
});
