import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../../kube/types.ts';
import { compareSnapshots, differences, normalize, type Snapshot } from './compare.ts';

const live = (overrides: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: {
    namespace: 'shop',
    name: 'web',
    uid: 'u-1',
    resourceVersion: '12',
    creationTimestamp: '2026-01-01T00:00:00Z',
    managedFields: [{ manager: 'x' }],
    labels: { app: 'web' },
  },
  spec: { clusterIP: '10.0.0.7', clusterIPs: ['10.0.0.7'], ports: [{ port: 80, nodePort: 30080 }] },
  status: { loadBalancer: {} },
  ...overrides,
});

test('normalize drops identity, versions, status, assigned addresses and restore labels; maps namespaces', () => {
  const restored = live();
  restored.metadata = {
    ...restored.metadata,
    namespace: 'shop-copy',
    uid: 'u-2',
    resourceVersion: '99',
    labels: { app: 'web', 'lifeboat.io/backup-name': 'b', 'lifeboat.io/restore-name': 'r' },
  };
  (restored.spec as { clusterIP: string }).clusterIP = '10.0.0.9';
  assert.deepEqual(normalize(live(), { shop: 'shop-copy' }), normalize(restored));
  assert.deepEqual(normalize(live()), {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { labels: { app: 'web' }, name: 'web', namespace: 'shop' },
    spec: { ports: [{ port: 80 }] },
  });
});

test('a headless service keeps clusterIP None; a role binding follows the mapping of its subjects', () => {
  const headless = live({ spec: { clusterIP: 'None', ports: [] } });
  assert.equal((normalize(headless).spec as { clusterIP: string }).clusterIP, 'None');
  const binding: KubeObject = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { namespace: 'shop', name: 'reader' },
    subjects: [{ kind: 'ServiceAccount', name: 'shop', namespace: 'shop' }],
  };
  assert.deepEqual(
    (normalize(binding, { shop: 'shop-2' }).subjects as { namespace: string }[])[0].namespace,
    'shop-2',
  );
});

test('differences name the paths that differ; equal values have none', () => {
  assert.deepEqual(differences({ a: 1, b: { c: [1, 2] } }, { a: 1, b: { c: [1, 2] } }), []);
  assert.deepEqual(differences({ a: 1, b: { c: [1, 2] } }, { a: 2, b: { c: [1, 3] } }), ['a', 'b.c.1']);
  assert.deepEqual(differences({ a: 1 }, { a: 1, extra: true }), ['extra']);
});

test('compareSnapshots counts matches, and reports missing and differing objects under a mapping', () => {
  const configMap = (ns: string, name: string, value: string): KubeObject => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { namespace: ns, name },
    data: { value },
  });
  const before: Snapshot = new Map([
    ['configmaps/shop/a', configMap('shop', 'a', '1')],
    ['configmaps/shop/b', configMap('shop', 'b', '2')],
    ['configmaps/shop/c', configMap('shop', 'c', '3')],
    ['namespaces//shop', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } }],
  ]);
  const after: Snapshot = new Map([
    ['configmaps/copy/a', configMap('copy', 'a', '1')],
    ['configmaps/copy/b', configMap('copy', 'b', 'changed')],
    ['configmaps/copy/extra', configMap('copy', 'extra', 'fine')],
    ['namespaces//copy', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'copy' } }],
  ]);
  const result = compareSnapshots(before, after, { shop: 'copy' });
  assert.equal(result.expected, 4);
  assert.equal(result.matched, 2);
  assert.deepEqual(result.missing, [{ key: 'configmaps/shop/c', paths: [] }]);
  assert.deepEqual(result.differing, [{ key: 'configmaps/shop/b', paths: ['data.value'] }]);
  assert.deepEqual(result.byResource, { configmaps: 3, namespaces: 1 });
});
