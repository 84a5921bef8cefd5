import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resourceTypesFromCrd } from '../registry/crd.ts';
import { createBuiltinRegistry } from '../registry/registry.ts';
import type { KubeObject } from '../registry/types.ts';
import { AGGREGATED_DISCOVERY_CONTENT_TYPE, aggregatedDiscovery } from './aggregated.ts';
import { apiResourceList, legacyApiGroup, legacyApiGroupList, legacyApiVersions } from './legacy.ts';
import { storageVersionHash } from './storage-version-hash.ts';

const crd: KubeObject = {
  metadata: { name: 'widgets.example.com' },
  spec: {
    group: 'example.com',
    scope: 'Namespaced',
    names: { plural: 'widgets', kind: 'Widget', shortNames: ['wd'], categories: ['all'] },
    versions: [
      { name: 'v1alpha1', served: true, storage: false, schema: { openAPIV3Schema: { type: 'object' } } },
      {
        name: 'v1',
        served: true,
        storage: true,
        schema: { openAPIV3Schema: { type: 'object' } },
        subresources: {
          status: {},
          scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas' },
        },
      },
    ],
  },
};

test('storageVersionHash matches the real server for pods', () => {
  assert.equal(storageVersionHash('', 'v1', 'Pod'), 'xPOwRZ+Yhw8=');
});

test('the aggregated content type is the one kubectl accepts', () => {
  assert.equal(
    AGGREGATED_DISCOVERY_CONTENT_TYPE,
    'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList',
  );
});

test('aggregated /api has one unnamed group with the core resources', () => {
  const list = aggregatedDiscovery(createBuiltinRegistry(), 'core');
  assert.equal(list.kind, 'APIGroupDiscoveryList');
  assert.equal(list.apiVersion, 'apidiscovery.k8s.io/v2');
  assert.equal(list.items.length, 1);
  assert.deepEqual(list.items[0].metadata, { creationTimestamp: null });
  const [v1] = list.items[0].versions;
  assert.equal(v1.version, 'v1');
  assert.equal(v1.freshness, 'Current');
  const pods = v1.resources.find((r) => r.resource === 'pods');
  assert.deepEqual(pods && { ...pods, subresources: pods.subresources?.map((s) => s.subresource) }, {
    resource: 'pods',
    responseKind: { group: '', version: '', kind: 'Pod' },
    scope: 'Namespaced',
    singularResource: 'pod',
    verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
    shortNames: ['po'],
    categories: ['all'],
    subresources: [
      'attach',
      'binding',
      'ephemeralcontainers',
      'eviction',
      'exec',
      'log',
      'portforward',
      'status',
    ],
  });
  const eviction = pods?.subresources?.find((s) => s.subresource === 'eviction');
  assert.deepEqual(eviction, {
    subresource: 'eviction',
    responseKind: { group: 'policy', version: 'v1', kind: 'Eviction' },
    verbs: ['create'],
  });
  const ns = v1.resources.find((r) => r.resource === 'namespaces');
  assert.equal(ns?.scope, 'Cluster');
  assert.equal(v1.resources.find((r) => r.resource === 'secrets')?.shortNames, undefined);
});

test('aggregated /apis lists groups in order with preferred versions first, CRDs included', () => {
  const registry = createBuiltinRegistry();
  registry.add(resourceTypesFromCrd(crd));
  const list = aggregatedDiscovery(registry, 'apis');
  const names = list.items.map((i) => i.metadata.name);
  assert.equal(names[0], 'apps');
  assert.ok(!names.includes(undefined));
  assert.deepEqual(names.slice(-2), ['example.com', 'snapshot.storage.k8s.io']);
  const autoscaling = list.items.find((i) => i.metadata.name === 'autoscaling');
  assert.deepEqual(
    autoscaling?.versions.map((v) => v.version),
    ['v2', 'v1'],
  );
  const deployments = list.items
    .find((i) => i.metadata.name === 'apps')
    ?.versions[0].resources.find((r) => r.resource === 'deployments');
  assert.deepEqual(deployments?.subresources, [
    {
      subresource: 'scale',
      responseKind: { group: 'autoscaling', version: 'v1', kind: 'Scale' },
      verbs: ['get', 'patch', 'update'],
    },
    {
      subresource: 'status',
      responseKind: { group: '', version: '', kind: 'Deployment' },
      verbs: ['get', 'patch', 'update'],
    },
  ]);
  const example = list.items.find((i) => i.metadata.name === 'example.com');
  assert.deepEqual(
    example?.versions.map((v) => v.version),
    ['v1', 'v1alpha1'],
  );
  const widgets = example?.versions[1].resources[0];
  assert.deepEqual(widgets?.responseKind, { group: 'example.com', version: 'v1alpha1', kind: 'Widget' });
  assert.deepEqual(widgets?.verbs, [
    'delete',
    'deletecollection',
    'get',
    'list',
    'patch',
    'create',
    'update',
    'watch',
  ]);
  assert.deepEqual(widgets?.subresources?.[1], {
    subresource: 'status',
    responseKind: { group: 'example.com', version: 'v1alpha1', kind: 'Widget' },
    verbs: ['get', 'patch', 'update'],
  });
  assert.equal(aggregatedDiscovery(registry, 'apis', 'v2beta1').apiVersion, 'apidiscovery.k8s.io/v2beta1');
});

test('legacy /api, /apis and /apis/{group}', () => {
  assert.deepEqual(legacyApiVersions('127.0.0.1:6443'), {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1:6443' }],
  });
  const registry = createBuiltinRegistry();
  const groups = legacyApiGroupList(registry);
  assert.equal(groups.kind, 'APIGroupList');
  assert.equal(groups.apiVersion, 'v1');
  assert.equal(groups.groups[0].name, 'apps');
  assert.ok(!groups.groups.some((g) => g.name === ''));
  assert.deepEqual(legacyApiGroup(registry, 'autoscaling'), {
    kind: 'APIGroup',
    apiVersion: 'v1',
    name: 'autoscaling',
    versions: [
      { groupVersion: 'autoscaling/v2', version: 'v2' },
      { groupVersion: 'autoscaling/v1', version: 'v1' },
    ],
    preferredVersion: { groupVersion: 'autoscaling/v2', version: 'v2' },
  });
  assert.equal(legacyApiGroup(registry, 'nope.example.com'), undefined);
});

test('APIResourceList puts each resource before its subresources', () => {
  const registry = createBuiltinRegistry();
  const core = apiResourceList(registry, '', 'v1');
  assert.ok(core);
  assert.equal(core.apiVersion, undefined);
  assert.equal(core.groupVersion, 'v1');
  const names = core.resources.map((r) => r.name);
  assert.ok(names.indexOf('pods') < names.indexOf('pods/status'));
  assert.ok(names.indexOf('pods/status') < names.indexOf('podtemplates'));
  assert.deepEqual(
    core.resources.find((r) => r.name === 'pods'),
    {
      name: 'pods',
      singularName: 'pod',
      namespaced: true,
      kind: 'Pod',
      verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
      shortNames: ['po'],
      categories: ['all'],
      storageVersionHash: 'xPOwRZ+Yhw8=',
    },
  );
  assert.deepEqual(
    core.resources.find((r) => r.name === 'pods/log'),
    {
      name: 'pods/log',
      singularName: '',
      namespaced: true,
      kind: 'Pod',
      verbs: ['get'],
    },
  );
  const apps = apiResourceList(registry, 'apps', 'v1');
  assert.equal(apps?.apiVersion, 'v1');
  assert.deepEqual(
    apps?.resources.find((r) => r.name === 'deployments/scale'),
    {
      name: 'deployments/scale',
      singularName: '',
      namespaced: true,
      kind: 'Scale',
      verbs: ['get', 'patch', 'update'],
      group: 'autoscaling',
      version: 'v1',
    },
  );
  // client-node maps kind → resource by the first entry with that kind.
  assert.equal(apps?.resources.find((r) => r.kind === 'Deployment')?.name, 'deployments');
  assert.equal(apiResourceList(registry, 'apps', 'v1beta1'), undefined);
});

test('the storage version hash is the same at every served version', () => {
  const registry = createBuiltinRegistry();
  const v1 = apiResourceList(registry, 'autoscaling', 'v1')?.resources[0];
  const v2 = apiResourceList(registry, 'autoscaling', 'v2')?.resources[0];
  assert.equal(v1?.storageVersionHash, storageVersionHash('autoscaling', 'v2', 'HorizontalPodAutoscaler'));
  assert.equal(v1?.storageVersionHash, v2?.storageVersionHash);
});
