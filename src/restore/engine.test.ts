import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { LABELS } from '../api/labels.ts';
import type { Results } from '../core/results.ts';
import { restoreKeys } from '../storage/layout.ts';
import { RestoreFixture } from './engine-fixture.ts';

const ns = (name: string, labels: Record<string, string> = {}) => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name, uid: 'u-ns', resourceVersion: '7', labels: { 'kubernetes.io/metadata.name': name, ...labels } },
  spec: { finalizers: ['kubernetes'] },
  status: { phase: 'Active' },
});

const configMap = (namespace: string, name: string, data: Record<string, string>, labels?: Record<string, string>) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: {
    namespace,
    name,
    uid: `u-${name}`,
    resourceVersion: '42',
    creationTimestamp: '2025-01-01T00:00:00Z',
    managedFields: [{ manager: 'kubectl', operation: 'Apply' }],
    ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: 'gone', uid: 'x' }],
    labels,
  },
  data,
});

const service = (namespace: string) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { namespace, name: 'web', uid: 'u-svc', resourceVersion: '3' },
  spec: {
    type: 'NodePort',
    clusterIP: '10.0.0.99',
    clusterIPs: ['10.0.0.99'],
    selector: { app: 'web' },
    ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP', nodePort: 31999 }],
  },
  status: { loadBalancer: {} },
});

const pod = (namespace: string, name: string, phase: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { namespace, name, uid: `u-${name}` },
  spec: { nodeName: 'node-gone', containers: [{ name: 'c', image: 'busybox' }] },
  status: { phase },
});

describe('restore engine against kubesim', () => {
  const fx = new RestoreFixture();
  before(() => fx.start());
  after(() => fx.stop());

  test('restores into a mapped namespace: server fields stripped, labels added, actions applied, outputs uploaded', async () => {
    await fx.writeBackup('b1', [
      { groupResource: 'namespaces', object: ns('shop', { team: 'a' }) },
      { groupResource: 'configmaps', object: configMap('shop', 'settings', { color: 'blue' }) },
      { groupResource: 'services', object: service('shop') },
      { groupResource: 'pods', object: pod('shop', 'running', 'Running') },
      { groupResource: 'pods', object: pod('shop', 'finished', 'Succeeded') },
    ]);
    const { status } = await fx.run('r1', { backupName: 'b1', namespaceMapping: { shop: 'shop-copy' } });
    assert.equal(status.phase, 'Completed', status.failureReason);
    assert.equal(status.errors, 0);

    const namespace = await fx.get('namespaces', undefined, 'shop-copy');
    assert.equal(namespace?.metadata?.labels?.team, 'a');
    assert.equal(namespace?.metadata?.labels?.['kubernetes.io/metadata.name'], 'shop-copy');
    assert.equal(await fx.get('namespaces', undefined, 'shop'), undefined, 'the source namespace is not created');

    const cm = await fx.get('configmaps', 'shop-copy', 'settings');
    assert.deepEqual(cm?.data, { color: 'blue' });
    assert.equal(cm?.metadata?.labels?.[LABELS.backupName], 'b1');
    assert.equal(cm?.metadata?.labels?.[LABELS.restoreName], 'r1');
    assert.notEqual(cm?.metadata?.uid, 'u-settings');
    assert.equal(cm?.metadata?.ownerReferences, undefined);

    const svc = await fx.get('services', 'shop-copy', 'web');
    const spec = svc?.spec as { clusterIP?: string; ports: { nodePort?: number }[] };
    assert.ok(spec.clusterIP && spec.clusterIP !== '10.0.0.99', `cluster IP re-allocated, got ${spec.clusterIP}`);
    assert.notEqual(spec.ports[0].nodePort, 31999);

    const running = await fx.get('pods', 'shop-copy', 'running');
    assert.equal((running?.spec as { nodeName?: string }).nodeName, undefined);
    assert.equal(await fx.get('pods', 'shop-copy', 'finished'), undefined, 'completed pods are skipped');

    const list = await fx.readGzipJson<Record<string, string[]>>(restoreKeys('r1').resourceList);
    assert.deepEqual(list['v1/ConfigMap'], ['shop-copy/settings(created)']);
    assert.deepEqual(list['v1/Pod'], ['shop-copy/finished(skipped)', 'shop-copy/running(created)']);
    assert.deepEqual(list['v1/Namespace'], ['shop-copy(created)']);
    const results = await fx.readGzipJson<Results>(restoreKeys('r1').results);
    assert.deepEqual(results.errors, {});
    const log = gunzipSync(await fx.store.getBuffer(restoreKeys('r1').log)).toString('utf8');
    assert.match(log, /created configmaps shop-copy\/settings/);
    assert.equal(status.progress?.itemsRestored, 5);
    assert.equal(status.progress?.totalItems, 5);
  });
});
