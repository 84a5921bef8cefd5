import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { backupResources, chooseVersion } from './backup-contents.ts';
import { diffObjects, mergePatchFor } from './compare.ts';
import { globMatcher, NamespaceFilter } from './filters.ts';
import { compileRules, dottedGlob, patchValue } from './modifiers.ts';
import { applyMergePatch, applyStrategicMergePatch } from './patches.ts';
import { formatPlan } from './plan.ts';
import { DEFAULT_RESTORE_PRIORITIES, orderResources, parseResourcePriorities } from './priorities.ts';
import { labelValue } from './restore-labels.ts';
import { summarizeDiff } from './restore-run.ts';
import { stripServerFields } from './strip.ts';
import { DEFAULT_TARBALL_LIMITS, readTarball } from './tarball-reader.ts';
import { rawTarball, streamOf } from './test-support.ts';
import type { RestorePlan } from './types.ts';

describe('priorities', () => {
  test('default order: CRDs, namespaces, …, services; the rest alphabetically; then the low list', () => {
    const order = orderResources(
      [
        'services',
        'widgets.example.com',
        'clusters.cluster.x-k8s.io',
        'deployments.apps',
        'namespaces',
        'volumesnapshotclasses.snapshot.storage.k8s.io',
        'customresourcedefinitions.apiextensions.k8s.io',
        'configmaps',
        'persistentvolumes',
      ],
      DEFAULT_RESTORE_PRIORITIES,
    );
    assert.deepEqual(order, [
      'customresourcedefinitions.apiextensions.k8s.io',
      'namespaces',
      'volumesnapshotclasses.snapshot.storage.k8s.io',
      'persistentvolumes',
      'configmaps',
      'services',
      'deployments.apps',
      'widgets.example.com',
      'clusters.cluster.x-k8s.io',
    ]);
  });

  test('the server flag format, and CRDs first whatever it says', () => {
    const p = parseResourcePriorities('namespaces, configmaps,-,secrets');
    assert.deepEqual(p, { high: ['namespaces', 'configmaps'], low: ['secrets'] });
    assert.deepEqual(
      orderResources(['secrets', 'pods', 'configmaps', 'customresourcedefinitions.apiextensions.k8s.io'], p),
      ['customresourcedefinitions.apiextensions.k8s.io', 'configmaps', 'pods', 'secrets'],
    );
    assert.throws(() => parseResourcePriorities('a,-,b,-,c'), /more than one "-"/);
    assert.throws(() => parseResourcePriorities('a,b,a'), /twice/);
  });
});

describe('versions', () => {
  test('target preferred when backed up, then another served one, then the source preferred', () => {
    assert.equal(
      chooseVersion({ backedUp: ['v1', 'v2'], sourcePreferred: 'v1', targetServed: ['v2', 'v1'] }),
      'v2',
    );
    assert.equal(
      chooseVersion({ backedUp: ['v1beta1', 'v1'], sourcePreferred: 'v1beta1', targetServed: ['v2', 'v1'] }),
      'v1',
    );
    assert.equal(chooseVersion({ backedUp: ['v1'], sourcePreferred: 'v1', targetServed: [] }), 'v1');
    assert.equal(chooseVersion({ backedUp: [], targetServed: ['v1'] }), undefined);
  });
});

describe('filters', () => {
  test('namespace globs and excludes', () => {
    assert.ok(globMatcher('app-*')('app-1'));
    assert.ok(!globMatcher('app-*')('xapp-1'));
    assert.ok(globMatcher('a?c')('abc'));
    assert.ok(!globMatcher('a.c')('abc'), 'dots are literal');
    const f = new NamespaceFilter(['team-*', 'ops'], ['team-x']);
    assert.deepEqual(
      ['team-a', 'team-x', 'ops', 'dev'].map((n) => f.matches(n)),
      [true, false, true, false],
    );
    assert.equal(f.all, false);
    assert.equal(new NamespaceFilter(['*'], []).all, true);
  });
});

describe('strip and compare', () => {
  const live = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: 's',
      namespace: 'n',
      uid: 'u',
      resourceVersion: '9',
      labels: { app: 'a', 'lifeboat.io/restore-name': 'old' },
    },
    spec: {
      clusterIP: '10.0.0.1',
      ports: [{ port: 80, nodePort: 30001, protocol: 'TCP' }],
      selector: { app: 'a' },
    },
    status: { loadBalancer: {} },
  };

  test('strip removes identity, versions, owners, managed fields and status', () => {
    const s = stripServerFields(
      { ...live, metadata: { ...live.metadata, managedFields: [], ownerReferences: [], finalizers: ['f'] } },
      false,
    );
    assert.deepEqual(Object.keys(s.metadata ?? {}).sort(), ['finalizers', 'labels', 'name', 'namespace']);
    assert.equal(s.status, undefined);
    assert.equal(live.metadata.uid, 'u', 'input untouched');
  });

  test('server-filled fields and restore labels do not count as differences; content maps do', () => {
    const desired = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 's', namespace: 'n', labels: { app: 'a', 'lifeboat.io/restore-name': 'new' } },
      spec: { ports: [{ port: 80, protocol: 'TCP' }], selector: { app: 'a' } },
    };
    assert.deepEqual(diffObjects(desired, stripServerFields(live, false)), []);
    const changed = {
      ...desired,
      metadata: { ...desired.metadata, labels: { tier: 'x' } },
      spec: { ...desired.spec, selector: { app: 'b' } },
    };
    const diff = diffObjects(changed, stripServerFields(live, false));
    assert.deepEqual(diff, [
      { path: 'metadata.labels.tier', change: 'added', desired: '"x"' },
      { path: 'metadata.labels.app', change: 'removed', live: '"a"' },
      { path: 'spec.selector.app', change: 'changed', live: '"a"', desired: '"b"' },
    ]);
    assert.match(
      summarizeDiff(diff, 2),
      /metadata\.labels\.tier only in the backup; metadata\.labels\.app only in the cluster; and 1 more/,
    );
  });

  test('the update patch sets what differs, removes extra content keys, leaves server fields', () => {
    const liveCm = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c', labels: { a: '1', gone: 'x' } },
      data: { k: 'old', extra: 'e' },
    };
    const desired = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c', labels: { a: '1' } },
      data: { k: 'new' },
    };
    assert.deepEqual(mergePatchFor(desired, liveCm), {
      metadata: { labels: { gone: null } },
      data: { k: 'new', extra: null },
    });
    assert.deepEqual(mergePatchFor(desired, desired), {});
  });

  test('Secret values never appear in a diff', () => {
    const diff = diffObjects(
      { kind: 'Secret', data: { pw: 'bmV3' } },
      { kind: 'Secret', data: { pw: 'b2xk', more: 'eA==' } },
      { secret: true },
    );
    assert.ok(
      diff.every((d) => (d.live ?? '(hidden)') === '(hidden)' && (d.desired ?? '(hidden)') === '(hidden)'),
    );
    assert.equal(diff.length, 2);
  });
});

describe('patches', () => {
  test('merge patch (RFC 7386)', () => {
    assert.deepEqual(
      applyMergePatch({ a: 1, b: { c: 2, d: 3 }, l: [1] }, { b: { c: null, e: 4 }, l: [2], n: 'x' }),
      {
        a: 1,
        b: { d: 3, e: 4 },
        l: [2],
        n: 'x',
      },
    );
  });

  test('strategic merge patch: lists by merge key, $patch delete/replace, primitives removed', () => {
    const pod = {
      spec: {
        containers: [
          { name: 'a', image: 'a:1', env: [{ name: 'X', value: '1' }], ports: [{ containerPort: 80 }] },
          { name: 'b', image: 'b:1' },
        ],
        volumes: [{ name: 'v1' }, { name: 'v2' }],
        tolerations: [{ key: 't1' }],
        finalizers: ['a', 'b'],
      },
    };
    const patched = applyStrategicMergePatch(pod, {
      spec: {
        containers: [
          { name: 'a', image: 'a:2', env: [{ name: 'Y', value: '2' }] },
          { name: 'b', $patch: 'delete' },
          { name: 'c', image: 'c:1' },
        ],
        volumes: [{ name: 'v2', $patch: 'delete' }],
        tolerations: [{ key: 't2' }],
        '$deleteFromPrimitiveList/finalizers': ['a'],
        $setElementOrder: {},
      },
    }) as typeof pod;
    assert.deepEqual(patched.spec.containers, [
      {
        name: 'a',
        image: 'a:2',
        env: [
          { name: 'X', value: '1' },
          { name: 'Y', value: '2' },
        ],
        ports: [{ containerPort: 80 }],
      },
      { name: 'c', image: 'c:1' },
    ]);
    assert.deepEqual(patched.spec.volumes, [{ name: 'v1' }]);
    assert.deepEqual(patched.spec.tolerations, [{ key: 't2' }], 'lists without a merge key are replaced');
    assert.deepEqual(patched.spec.finalizers, ['b']);
    const replaced = applyStrategicMergePatch(
      { spec: { a: 1, b: 2 } },
      { spec: { $patch: 'replace', c: 3 } },
    );
    assert.deepEqual(replaced, { spec: { c: 3 } });
    assert.deepEqual(applyStrategicMergePatch({ l: [{ name: 'x', v: 1 }] }, { l: [{ name: 'x' }] }, true), {
      l: [{ name: 'x' }],
    });
  });
});

describe('resource modifiers', () => {
  test('values as Velero reads them, and globs on resource.group', () => {
    assert.equal(patchValue('3'), 3);
    assert.equal(patchValue('true'), true);
    assert.equal(patchValue('null'), null);
    assert.deepEqual(patchValue('{"a":1}'), { a: 1 });
    assert.equal(patchValue('"3"'), '3');
    assert.equal(patchValue('nginx:1'), 'nginx:1');
    assert.ok(dottedGlob('*.apps')('deployments.apps'));
    assert.ok(!dottedGlob('*')('deployments.apps'));
    assert.ok(dottedGlob('**')('deployments.apps'));
  });

  test('conditions are judged on the object before any rule ran; patches accumulate; a failed test leaves it', () => {
    const mods = compileRules([
      {
        conditions: { groupResource: 'configmaps', matches: [{ path: '/data/mode', value: 'a' }] },
        patches: [{ operation: 'replace', path: '/data/mode', value: 'b' }],
      },
      {
        conditions: { groupResource: 'configmaps', matches: [{ path: '/data/mode', value: 'b' }] },
        patches: [{ operation: 'add', path: '/data/second', value: 'yes' }],
      },
      {
        conditions: { groupResource: 'configmaps', namespaces: ['n1'] },
        patches: [
          { operation: 'test', path: '/data/mode', value: 'zzz' },
          { operation: 'add', path: '/data/t', value: 'no' },
        ],
      },
    ]);
    const object = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c', namespace: 'n1' },
      data: { mode: 'a' },
    };
    const out = mods.apply(object, 'configmaps', false);
    assert.deepEqual(out.object.data, { mode: 'b' });
    assert.equal(out.applied, 2);
    assert.deepEqual(object.data, { mode: 'a' }, 'input untouched');
    assert.throws(
      () => compileRules([{ conditions: { groupResource: 'x', resourceNameRegex: '(' } }]),
      /resourceNameRegex/,
    );
  });
});

test('long label values are shortened as Velero does', () => {
  const long = 'x'.repeat(80);
  const v = labelValue(long);
  assert.equal(v.length, 63);
  assert.ok(v.startsWith('x'.repeat(57)));
  assert.equal(labelValue('short'), 'short');
});

test('formatPlan groups by namespace, cluster-scoped first, with diff excerpts', () => {
  const plan: RestorePlan = {
    restoreName: 'r',
    backupName: 'b',
    generatedAt: '2026-01-01T00:00:00Z',
    existingResourcePolicy: 'update',
    summary: { create: 1, update: 1, skip: 1, conflict: 0 },
    excluded: 0,
    entries: [
      {
        gvk: 'v1/ConfigMap',
        groupResource: 'configmaps',
        namespace: 'b-ns',
        name: 'c',
        action: 'update',
        diff: [
          { path: 'data.k', change: 'changed', live: '"1"', desired: '"2"' },
          { path: 'data.x', change: 'removed', live: '"x"' },
        ],
        diffCount: 9,
      },
      { gvk: 'v1/Namespace', groupResource: 'namespaces', name: 'b-ns', action: 'create' },
      {
        gvk: 'v1/Pod',
        groupResource: 'pods',
        namespace: 'a-ns',
        name: 'p',
        action: 'skip',
        reason: 'pod is Succeeded',
      },
    ],
    warnings: [],
    errors: [],
  };
  const text = formatPlan(plan, { maxDiffLines: 1 });
  const lines = text.split('\n');
  assert.ok(lines.indexOf('Cluster-scoped:') < lines.indexOf('Namespace a-ns:'));
  assert.ok(lines.indexOf('Namespace a-ns:') < lines.indexOf('Namespace b-ns:'));
  assert.match(text, /~ update +v1\/ConfigMap c\n +~ data\.k: "1" → "2"\n +… 8 more differences/);
  assert.match(text, /= skip +v1\/Pod p +\(pod is Succeeded\)/);
  assert.doesNotMatch(formatPlan(plan, { showSkipped: false }), /v1\/Pod/);
});

test('the same item twice at the same path is refused before anything is restored', async () => {
  const body = JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' } });
  const index = await readTarball(
    streamOf(
      await rawTarball([
        { name: 'resources/pods/cluster/x.json', body },
        { name: 'resources/pods/cluster/x.json', body: `${body} ` },
      ]),
    ),
    DEFAULT_TARBALL_LIMITS,
  );
  const catalog = {
    preferred: () => [],
    versionsOf: () => [],
    resolve: () => undefined,
    forKind: () => undefined,
  };
  try {
    assert.throws(() => backupResources(index, catalog), /holds pods x twice at the same path/);
  } finally {
    await index.close();
  }
});
