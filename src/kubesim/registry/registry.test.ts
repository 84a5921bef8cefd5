import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareVersions } from './ordering.ts';
import { createBuiltinRegistry, ResourceRegistry } from './registry.ts';
import { preferredVersion, type ResourceType, storageVersion } from './types.ts';

function widget(overrides: Partial<ResourceType> = {}): ResourceType {
  return {
    group: 'example.com',
    versions: [{ name: 'v1', served: true, storage: true }],
    resource: 'widgets',
    singular: 'widget',
    kind: 'Widget',
    listKind: 'WidgetList',
    namespaced: true,
    shortNames: [],
    categories: [],
    verbs: ['get'],
    subresources: {},
    tracksGeneration: true,
    allowUnconditionalUpdate: false,
    strategicMerge: false,
    crdName: 'widgets.example.com',
    ...overrides,
  };
}

test('lookup resolves plurals at served versions only', () => {
  const registry = createBuiltinRegistry();
  assert.equal(registry.lookup('', 'v1', 'pods')?.type.kind, 'Pod');
  assert.equal(registry.lookup('apps', 'v1', 'deployments')?.version, 'v1');
  assert.equal(registry.lookup('', 'v1', 'pod'), undefined);
  assert.equal(registry.lookup('', 'v1', 'po'), undefined);
  assert.equal(registry.lookup('apps', 'v1beta1', 'deployments'), undefined);
  registry.add(
    widget({
      versions: [
        { name: 'v1', served: true, storage: true },
        { name: 'v1alpha1', served: false, storage: false },
      ],
    }),
  );
  assert.ok(registry.lookup('example.com', 'v1', 'widgets'));
  assert.equal(registry.lookup('example.com', 'v1alpha1', 'widgets'), undefined);
});

test('autoscaling serves v2 (preferred, stored) and v1', () => {
  const registry = createBuiltinRegistry();
  const hpa = registry.find('autoscaling', 'horizontalpodautoscalers');
  assert.ok(hpa);
  assert.equal(preferredVersion(hpa), 'v2');
  assert.equal(storageVersion(hpa), 'v2');
  assert.equal(registry.lookup('autoscaling', 'v1', 'horizontalpodautoscalers')?.version, 'v1');
  assert.deepEqual(registry.groups().find((g) => g.name === 'autoscaling')?.versions, ['v2', 'v1']);
});

test('groups come in the real server order: core, built-ins by priority, then the rest alphabetically', () => {
  const registry = createBuiltinRegistry();
  registry.add(widget({ group: 'zeta.example.com', resource: 'zs', kind: 'Z' }));
  registry.add(widget({ group: 'alpha.example.com', resource: 'as', kind: 'A' }));
  assert.deepEqual(
    registry.groups().map((g) => g.name),
    [
      '',
      'apps',
      'events.k8s.io',
      'authentication.k8s.io',
      'authorization.k8s.io',
      'autoscaling',
      'batch',
      'networking.k8s.io',
      'policy',
      'rbac.authorization.k8s.io',
      'storage.k8s.io',
      'apiextensions.k8s.io',
      'scheduling.k8s.io',
      'coordination.k8s.io',
      'alpha.example.com',
      'snapshot.storage.k8s.io',
      'zeta.example.com',
    ],
  );
});

test('versions sort kube-aware: GA, beta, alpha, then others', () => {
  const sorted = [
    'foo10',
    'v1',
    'v11alpha2',
    'v10beta3',
    'v2',
    'foo1',
    'v12alpha1',
    'v3beta1',
    'v11beta2',
    'v10',
  ];
  assert.deepEqual(sorted.sort(compareVersions), [
    'v10',
    'v2',
    'v1',
    'v11beta2',
    'v10beta3',
    'v3beta1',
    'v12alpha1',
    'v11alpha2',
    'foo1',
    'foo10',
  ]);
});

test('a CRD group lists its versions preferred first', () => {
  const registry = new ResourceRegistry();
  registry.add(
    widget({
      versions: [
        { name: 'v1beta1', served: true, storage: false },
        { name: 'v1', served: true, storage: true },
        { name: 'v2alpha1', served: true, storage: false },
      ],
    }),
  );
  assert.deepEqual(registry.groups(), [{ name: 'example.com', versions: ['v1', 'v1beta1', 'v2alpha1'] }]);
});

test('add, remove and byKind keep generation and listeners in step', () => {
  const registry = new ResourceRegistry();
  let calls = 0;
  const unsubscribe = registry.onChange(() => calls++);
  const g0 = registry.generation;
  registry.add(widget());
  assert.equal(registry.generation, g0 + 1);
  assert.equal(registry.byKind('example.com', 'Widget')?.resource, 'widgets');
  assert.equal(registry.remove('example.com', 'widgets'), true);
  assert.equal(registry.remove('example.com', 'widgets'), false);
  assert.equal(registry.byKind('example.com', 'Widget'), undefined);
  assert.equal(registry.generation, g0 + 2);
  assert.equal(calls, 2);
  unsubscribe();
  registry.add(widget());
  assert.equal(calls, 2);
});

test('a throwing listener does not stop the others', () => {
  const registry = new ResourceRegistry();
  let second = 0;
  registry.onChange(() => {
    throw new Error('boom');
  });
  registry.onChange(() => second++);
  assert.throws(() => registry.add(widget()), /boom/);
  assert.equal(second, 1);
  assert.ok(registry.find('example.com', 'widgets'));
});

test('a type without exactly one storage version is refused', () => {
  const registry = new ResourceRegistry();
  assert.throws(
    () => registry.add(widget({ versions: [{ name: 'v1', served: true, storage: false }] })),
    /exactly one storage version/,
  );
  assert.throws(() => registry.add(widget({ versions: [] })), /no versions/);
});

test('builtin registries are independent', () => {
  const a = createBuiltinRegistry();
  const b = createBuiltinRegistry();
  a.add(widget());
  assert.equal(b.find('example.com', 'widgets'), undefined);
  assert.notEqual(a.find('', 'pods'), b.find('', 'pods'));
});

test('servedAt lists one group version sorted by resource', () => {
  const registry = createBuiltinRegistry();
  assert.deepEqual(
    registry.servedAt('apps', 'v1').map((t) => t.resource),
    ['controllerrevisions', 'daemonsets', 'deployments', 'replicasets', 'statefulsets'],
  );
  assert.deepEqual(
    registry.servedAt('autoscaling', 'v1').map((t) => t.resource),
    ['horizontalpodautoscalers'],
  );
});
