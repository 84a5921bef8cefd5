import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError } from '../apiserver/types.ts';
import { applyStrategicMergePatch } from './strategic-merge-patch.ts';

type Obj = Record<string, unknown>;

function deployment(containers: Obj[], extra: Obj = {}): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'demo', labels: { app: 'web' } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers, ...extra } },
    },
  };
}

function podSpecOf(obj: Obj): Obj {
  return ((obj.spec as Obj).template as Obj).spec as Obj;
}

function errorOf(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ApiError, String(err));
    return err;
  }
  assert.fail('expected an ApiError');
}

test('kubectl apply patch: containers merge by name, $setElementOrder keeps the order', () => {
  const live = deployment([
    { name: 'nginx', image: 'nginx:1.25', ports: [{ containerPort: 80 }] },
    { name: 'sidecar', image: 'busybox' },
  ]);
  const patch = {
    spec: {
      replicas: 3,
      template: {
        spec: {
          '$setElementOrder/containers': [{ name: 'nginx' }, { name: 'sidecar' }],
          containers: [{ image: 'nginx:1.26', name: 'nginx' }],
        },
      },
    },
  };
  const out = applyStrategicMergePatch(live, patch, 'Deployment');
  assert.equal((out.spec as Obj).replicas, 3);
  assert.deepEqual(podSpecOf(out).containers, [
    { name: 'nginx', image: 'nginx:1.26', ports: [{ containerPort: 80 }] },
    { name: 'sidecar', image: 'busybox' },
  ]);
  assert.equal(
    Object.keys(podSpecOf(out)).some((k) => k.startsWith('$')),
    false,
    'no directive is stored',
  );
  assert.equal((podSpecOf(live).containers as Obj[])[0].image, 'nginx:1.25', 'the input is not modified');
});

test('$setElementOrder reorders and interleaves server-only items at their live positions', () => {
  const live = deployment([{ name: 'a' }, { name: 'b' }, { name: 'c' }]);
  const out = applyStrategicMergePatch(
    live,
    {
      spec: {
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'c' }, { name: 'a' }],
            containers: [{ name: 'c', image: 'x' }],
          },
        },
      },
    },
    'Deployment',
  );
  assert.deepEqual(
    (podSpecOf(out).containers as Obj[]).map((c) => c.name),
    ['b', 'c', 'a'],
  );
  assert.equal((podSpecOf(out).containers as Obj[])[1].image, 'x');
});

test('new merge-list items come before server-only ones (the real order); $patch: delete removes by key', () => {
  const live = deployment([
    { name: 'a', image: '1' },
    { name: 'b', image: '2' },
  ]);
  const out = applyStrategicMergePatch(
    live,
    {
      spec: {
        template: {
          spec: {
            containers: [
              { name: 'b', $patch: 'delete' },
              { name: 'c', image: '3' },
            ],
          },
        },
      },
    },
    'Deployment',
  );
  assert.deepEqual(podSpecOf(out).containers, [
    { name: 'c', image: '3' },
    { name: 'a', image: '1' },
  ]);
});

test('$patch: replace replaces a merge list or a map', () => {
  const live = deployment([{ name: 'a' }, { name: 'b' }]);
  const out = applyStrategicMergePatch(
    live,
    { spec: { template: { spec: { containers: [{ name: 'z', image: 'q' }, { $patch: 'replace' }] } } } },
    'Deployment',
  );
  assert.deepEqual(podSpecOf(out).containers, [{ name: 'z', image: 'q' }]);
  const labels = applyStrategicMergePatch(
    live,
    { metadata: { labels: { $patch: 'replace', x: '1' } } },
    'Deployment',
  );
  assert.deepEqual((labels.metadata as Obj).labels, { x: '1' });
  const deleted = applyStrategicMergePatch(
    live,
    { metadata: { labels: { $patch: 'delete' } } },
    'Deployment',
  );
  assert.deepEqual((deleted.metadata as Obj).labels, {});
});

test('env merges by name, ports by containerPort, volumeMounts by mountPath, args are replaced', () => {
  const live = deployment([
    {
      name: 'app',
      args: ['--a', '--b'],
      env: [
        { name: 'A', value: '1' },
        { name: 'B', value: '2' },
      ],
      ports: [{ containerPort: 80, name: 'http' }],
      volumeMounts: [{ mountPath: '/data', name: 'data' }],
    },
  ]);
  const out = applyStrategicMergePatch(
    live,
    {
      spec: {
        template: {
          spec: {
            containers: [
              {
                name: 'app',
                args: ['--c'],
                env: [
                  { name: 'B', value: 'two' },
                  { name: 'C', value: '3' },
                ],
                ports: [{ containerPort: 443, name: 'https' }],
                volumeMounts: [{ mountPath: '/data', readOnly: true }],
              },
            ],
          },
        },
      },
    },
    'Deployment',
  );
  const c = (podSpecOf(out).containers as Obj[])[0];
  assert.deepEqual(c.args, ['--c']);
  assert.deepEqual(c.env, [
    { name: 'A', value: '1' },
    { name: 'B', value: 'two' },
    { name: 'C', value: '3' },
  ]);
  assert.deepEqual(c.ports, [
    { containerPort: 443, name: 'https' },
    { containerPort: 80, name: 'http' },
  ]);
  assert.deepEqual(c.volumeMounts, [{ mountPath: '/data', name: 'data', readOnly: true }]);
});

test('tolerations are atomic: a patch replaces the whole list', () => {
  const live = deployment([{ name: 'a' }], { tolerations: [{ key: 'x', operator: 'Exists' }] });
  const out = applyStrategicMergePatch(
    live,
    { spec: { template: { spec: { tolerations: [{ key: 'y', operator: 'Exists' }] } } } },
    'Deployment',
  );
  assert.deepEqual(podSpecOf(out).tolerations, [{ key: 'y', operator: 'Exists' }]);
});

test('$retainKeys clears fields of a union (Deployment strategy)', () => {
  const live = deployment([{ name: 'a' }]);
  (live.spec as Obj).strategy = {
    type: 'RollingUpdate',
    rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' },
  };
  const out = applyStrategicMergePatch(
    live,
    { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } },
    'Deployment',
  );
  assert.deepEqual((out.spec as Obj).strategy, { type: 'Recreate' });
  const err = errorOf(() =>
    applyStrategicMergePatch(
      live,
      { spec: { strategy: { $retainKeys: ['type'], rollingUpdate: {} } } },
      'Deployment',
    ),
  );
  assert.equal(err.code, 400);
  assert.equal(err.status.message, 'invalid patch format of retainKeys');
});

test('finalizers merge as a set; $deleteFromPrimitiveList removes values', () => {
  const live = { kind: 'ConfigMap', metadata: { name: 'c', finalizers: ['a', 'b'] } };
  const merged = applyStrategicMergePatch(live, { metadata: { finalizers: ['b', 'c'] } }, 'ConfigMap');
  assert.deepEqual(merged.metadata.finalizers, ['a', 'b', 'c']);
  const removed = applyStrategicMergePatch(
    live,
    { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] } },
    'ConfigMap',
  );
  assert.deepEqual(removed.metadata.finalizers, ['b']);
  const ordered = applyStrategicMergePatch(
    live,
    { metadata: { '$setElementOrder/finalizers': ['c', 'b', 'a'], finalizers: ['c'] } },
    'ConfigMap',
  );
  assert.deepEqual(ordered.metadata.finalizers, ['c', 'b', 'a']);
});

test('ownerReferences merge by uid (new ones first, as the real algorithm orders them)', () => {
  const live = {
    metadata: { name: 'x', ownerReferences: [{ uid: '1', name: 'a', kind: 'K', apiVersion: 'v1' }] },
  };
  const out = applyStrategicMergePatch(
    live,
    { metadata: { ownerReferences: [{ uid: '2', name: 'b', kind: 'K', apiVersion: 'v1' }] } },
    'Pod',
  );
  assert.deepEqual(
    out.metadata.ownerReferences.map((o) => o.uid),
    ['2', '1'],
  );
});

test('Service ports merge by port; null deletes fields', () => {
  const live = {
    kind: 'Service',
    metadata: { name: 's' },
    spec: { type: 'ClusterIP', ports: [{ port: 80, targetPort: 8080 }], selector: { app: 'a' } },
  };
  const out = applyStrategicMergePatch(
    live,
    { spec: { ports: [{ port: 80, targetPort: 9090 }, { port: 443 }], type: null } },
    'Service',
  );
  assert.deepEqual(out.spec, {
    ports: [{ port: 80, targetPort: 9090 }, { port: 443 }],
    selector: { app: 'a' },
  });
});

test('CronJob containers are reached through spec.jobTemplate.spec.template.spec', () => {
  const live = {
    kind: 'CronJob',
    metadata: { name: 'c' },
    spec: {
      schedule: '* * * * *',
      jobTemplate: {
        spec: {
          template: {
            spec: {
              containers: [
                { name: 'a', image: '1' },
                { name: 'b', image: '2' },
              ],
            },
          },
        },
      },
    },
  };
  const out = applyStrategicMergePatch(
    live,
    { spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: 'b', image: '3' }] } } } } } },
    'CronJob',
  );
  const containers = (((out.spec.jobTemplate as Obj).spec as Obj).template as Obj).spec as Obj;
  assert.deepEqual(containers.containers, [
    { name: 'a', image: '1' },
    { name: 'b', image: '3' },
  ]);
});

test('kinds without a schema replace every list and merge every map', () => {
  const live = { kind: 'Widget', metadata: { name: 'w' }, spec: { items: [1, 2], config: { a: 1, b: 2 } } };
  const out = applyStrategicMergePatch(live, { spec: { items: [3], config: { b: null, c: 3 } } }, 'Widget');
  assert.deepEqual(out.spec, { items: [3], config: { a: 1, c: 3 } });
});

test('kubectl rollout restart and set image patches', () => {
  const live = deployment([{ name: 'web', image: 'nginx:1' }]);
  const restarted = applyStrategicMergePatch(
    live,
    {
      spec: {
        template: {
          metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-01-01T00:00:00Z' } },
        },
      },
    },
    'Deployment',
  );
  assert.deepEqual(((restarted.spec as Obj).template as Obj).metadata, {
    labels: { app: 'web' },
    annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-01-01T00:00:00Z' },
  });
  const image = applyStrategicMergePatch(
    live,
    { spec: { template: { spec: { containers: [{ name: 'web', image: 'nginx:2' }] } } } },
    'Deployment',
  );
  assert.deepEqual(podSpecOf(image).containers, [{ name: 'web', image: 'nginx:2' }]);
});

test('malformed patches are rejected with the real messages', () => {
  const live = deployment([{ name: 'a' }]);
  let err = errorOf(() =>
    applyStrategicMergePatch(
      live,
      { spec: { template: { spec: { containers: [{ image: 'x' }] } } } },
      'Deployment',
    ),
  );
  assert.equal(err.code, 400);
  assert.match(err.status.message ?? '', /does not contain declared merge key: name/);
  err = errorOf(() => applyStrategicMergePatch(live, { spec: { $patch: 'explode' } }, 'Deployment'));
  assert.match(err.status.message ?? '', /^unknown patch type: explode in map/);
  err = errorOf(() => applyStrategicMergePatch(live, [1], 'Deployment'));
  assert.equal(err.code, 400);
  err = errorOf(() =>
    applyStrategicMergePatch(
      { metadata: { finalizers: [['x']] } },
      { metadata: { finalizers: [['y']] } },
      'ConfigMap',
    ),
  );
  assert.equal(err.code, 422);
  err = errorOf(() =>
    applyStrategicMergePatch(
      live,
      {
        spec: {
          template: {
            spec: {
              '$setElementOrder/containers': [{ name: 'a' }],
              containers: [{ name: 'b' }, { name: 'a' }],
            },
          },
        },
      },
      'Deployment',
    ),
  );
  assert.match(err.status.message ?? '', /doesn't match \$setElementOrder list/);
});
