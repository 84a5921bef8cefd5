import assert from 'node:assert/strict';
import { test } from 'node:test';
import { builtinResourceTypes } from './builtin.ts';
import { subresourcesOf } from './subresources.ts';
import { groupResource, type KubeObject, type ResourceType } from './types.ts';

const types = builtinResourceTypes();

function type(group: string, resource: string): ResourceType {
  const found = types.find((t) => t.group === group && t.resource === resource);
  assert.ok(found, `${resource}.${group} is built in`);
  return found;
}

test('every resource of the issue is built in, once', () => {
  const expected = [
    'namespaces pods services endpoints configmaps secrets serviceaccounts persistentvolumes persistentvolumeclaims nodes events limitranges resourcequotas replicationcontrollers podtemplates',
    'deployments.apps replicasets.apps statefulsets.apps daemonsets.apps controllerrevisions.apps',
    'jobs.batch cronjobs.batch',
    'ingresses.networking.k8s.io ingressclasses.networking.k8s.io networkpolicies.networking.k8s.io',
    'roles.rbac.authorization.k8s.io rolebindings.rbac.authorization.k8s.io clusterroles.rbac.authorization.k8s.io clusterrolebindings.rbac.authorization.k8s.io',
    'storageclasses.storage.k8s.io csidrivers.storage.k8s.io csinodes.storage.k8s.io volumeattachments.storage.k8s.io',
    'volumesnapshots.snapshot.storage.k8s.io volumesnapshotcontents.snapshot.storage.k8s.io volumesnapshotclasses.snapshot.storage.k8s.io',
    'customresourcedefinitions.apiextensions.k8s.io leases.coordination.k8s.io poddisruptionbudgets.policy',
    'horizontalpodautoscalers.autoscaling priorityclasses.scheduling.k8s.io events.events.k8s.io',
    'selfsubjectaccessreviews.authorization.k8s.io selfsubjectreviews.authentication.k8s.io tokenreviews.authentication.k8s.io',
  ]
    .join(' ')
    .split(' ')
    .sort();
  assert.deepEqual(types.map(groupResource).sort(), expected);
});

test('short names match kubectl api-resources on 1.32', () => {
  const expected: Record<string, string[]> = {
    pods: ['po'],
    services: ['svc'],
    'deployments.apps': ['deploy'],
    configmaps: ['cm'],
    namespaces: ['ns'],
    persistentvolumeclaims: ['pvc'],
    persistentvolumes: ['pv'],
    'statefulsets.apps': ['sts'],
    'daemonsets.apps': ['ds'],
    'replicasets.apps': ['rs'],
    serviceaccounts: ['sa'],
    endpoints: ['ep'],
    nodes: ['no'],
    events: ['ev'],
    'events.events.k8s.io': ['ev'],
    'customresourcedefinitions.apiextensions.k8s.io': ['crd', 'crds'],
    'horizontalpodautoscalers.autoscaling': ['hpa'],
    'poddisruptionbudgets.policy': ['pdb'],
    'priorityclasses.scheduling.k8s.io': ['pc'],
    'storageclasses.storage.k8s.io': ['sc'],
    'ingresses.networking.k8s.io': ['ing'],
    'networkpolicies.networking.k8s.io': ['netpol'],
    'cronjobs.batch': ['cj'],
    replicationcontrollers: ['rc'],
    limitranges: ['limits'],
    resourcequotas: ['quota'],
    'volumesnapshots.snapshot.storage.k8s.io': ['vs'],
    'volumesnapshotcontents.snapshot.storage.k8s.io': ['vsc', 'vscs'],
    'volumesnapshotclasses.snapshot.storage.k8s.io': ['vsclass', 'vsclasses'],
  };
  for (const t of types) {
    assert.deepEqual(t.shortNames, expected[groupResource(t)] ?? [], groupResource(t));
  }
});

test('kubectl get all covers exactly the "all" category', () => {
  const all = types
    .filter((t) => t.categories.includes('all'))
    .map(groupResource)
    .sort();
  assert.deepEqual(all, [
    'cronjobs.batch',
    'daemonsets.apps',
    'deployments.apps',
    'horizontalpodautoscalers.autoscaling',
    'jobs.batch',
    'pods',
    'replicasets.apps',
    'replicationcontrollers',
    'services',
    'statefulsets.apps',
  ]);
  assert.deepEqual(type('apiextensions.k8s.io', 'customresourcedefinitions').categories, ['api-extensions']);
});

test('scope, verbs and singular names', () => {
  assert.equal(type('', 'namespaces').namespaced, false);
  assert.equal(type('', 'nodes').namespaced, false);
  assert.equal(type('', 'pods').namespaced, true);
  assert.equal(type('snapshot.storage.k8s.io', 'volumesnapshotcontents').namespaced, false);
  assert.deepEqual(type('', 'namespaces').verbs, [
    'create',
    'delete',
    'get',
    'list',
    'patch',
    'update',
    'watch',
  ]);
  assert.deepEqual(type('', 'pods').verbs, [
    'create',
    'delete',
    'deletecollection',
    'get',
    'list',
    'patch',
    'update',
    'watch',
  ]);
  assert.deepEqual(type('authorization.k8s.io', 'selfsubjectaccessreviews').verbs, ['create']);
  assert.equal(type('', 'endpoints').singular, 'endpoints');
  assert.equal(type('apps', 'deployments').singular, 'deployment');
  assert.equal(type('apps', 'deployments').listKind, 'DeploymentList');
});

test('pod subresources carry the kinds and verbs discovery reports', () => {
  const subs = subresourcesOf(type('', 'pods'));
  assert.deepEqual(
    subs.map((s) => s.name),
    ['attach', 'binding', 'ephemeralcontainers', 'eviction', 'exec', 'log', 'portforward', 'status'],
  );
  const byName = Object.fromEntries(subs.map((s) => [s.name, s]));
  assert.deepEqual(byName.exec, { name: 'exec', kind: 'PodExecOptions', verbs: ['create', 'get'] });
  assert.deepEqual(byName.log, { name: 'log', kind: 'Pod', verbs: ['get'] });
  assert.deepEqual(byName.eviction, {
    name: 'eviction',
    kind: 'Eviction',
    group: 'policy',
    version: 'v1',
    verbs: ['create'],
  });
  assert.deepEqual(byName.binding.verbs, ['create']);
  const svc = subresourcesOf(type('', 'services')).find((s) => s.name === 'proxy');
  assert.deepEqual(svc, {
    name: 'proxy',
    kind: 'ServiceProxyOptions',
    verbs: ['create', 'delete', 'get', 'patch', 'update'],
  });
  const token = subresourcesOf(type('', 'serviceaccounts'))[0];
  assert.deepEqual(token, {
    name: 'token',
    kind: 'TokenRequest',
    group: 'authentication.k8s.io',
    version: 'v1',
    verbs: ['create'],
  });
  const scale = subresourcesOf(type('apps', 'statefulsets')).find((s) => s.name === 'scale');
  assert.deepEqual(scale, {
    name: 'scale',
    kind: 'Scale',
    group: 'autoscaling',
    version: 'v1',
    verbs: ['get', 'patch', 'update'],
  });
  assert.deepEqual(
    subresourcesOf(type('', 'namespaces')).map((s) => `${s.name}:${s.verbs.join(',')}`),
    ['finalize:update', 'status:get,patch,update'],
  );
});

test('write semantics flags', () => {
  assert.equal(type('apps', 'deployments').tracksGeneration, true);
  assert.equal(type('', 'configmaps').tracksGeneration, false);
  assert.equal(type('', 'pods').tracksGeneration, false);
  assert.equal(type('', 'pods').returnDeletedObject, true);
  assert.equal(type('', 'configmaps').returnDeletedObject, undefined);
  assert.equal(type('', 'configmaps').allowUnconditionalUpdate, true);
  assert.equal(type('apiextensions.k8s.io', 'customresourcedefinitions').allowUnconditionalUpdate, false);
  const vs = type('snapshot.storage.k8s.io', 'volumesnapshots');
  assert.equal(vs.strategicMerge, false);
  assert.equal(vs.allowUnconditionalUpdate, false);
  assert.deepEqual(vs.verbs, [
    'delete',
    'deletecollection',
    'get',
    'list',
    'patch',
    'create',
    'update',
    'watch',
  ]);
  assert.equal(type('', 'pods').strategicMerge, true);
});

test('field selectors of §c.5 read the right fields', () => {
  const pod: KubeObject = {
    metadata: { name: 'p' },
    spec: { nodeName: 'node-1', restartPolicy: 'Always', serviceAccountName: 'default' },
    status: { phase: 'Running', podIPs: [{ ip: '10.0.0.5' }] },
  };
  const f = type('', 'pods').fieldSelectors ?? {};
  assert.equal(f['spec.nodeName']?.(pod), 'node-1');
  assert.equal(f['spec.host']?.(pod), 'node-1');
  assert.equal(f['status.phase']?.(pod), 'Running');
  assert.equal(f['status.podIP']?.(pod), '10.0.0.5');
  assert.equal(f['spec.hostNetwork']?.(pod), 'false');
  const event: KubeObject = {
    metadata: { name: 'e' },
    involvedObject: { kind: 'Pod', name: 'p', namespace: 'd', uid: 'u' },
    source: { component: 'kubelet' },
    type: 'Normal',
  };
  const ef = type('', 'events').fieldSelectors ?? {};
  assert.equal(ef['involvedObject.uid']?.(event), 'u');
  assert.equal(ef.source?.(event), 'kubelet');
  assert.equal(
    type('', 'namespaces').fieldSelectors?.['status.phase']?.({ metadata: {}, status: { phase: 'Active' } }),
    'Active',
  );
  assert.equal(
    type('', 'nodes').fieldSelectors?.['spec.unschedulable']?.({
      metadata: {},
      spec: { unschedulable: true },
    }),
    'true',
  );
  assert.equal(type('', 'secrets').fieldSelectors?.type?.({ metadata: {}, type: 'Opaque' }), 'Opaque');
  assert.equal(
    type('', 'services').fieldSelectors?.['spec.type']?.({ metadata: {}, spec: { type: 'NodePort' } }),
    'NodePort',
  );
  assert.equal(
    type('batch', 'jobs').fieldSelectors?.['status.successful']?.({ metadata: {}, status: {} }),
    '0',
  );
  assert.equal(
    type('apps', 'replicasets').fieldSelectors?.['status.replicas']?.({
      metadata: {},
      status: { replicas: 3 },
    }),
    '3',
  );
  assert.equal(
    type('events.k8s.io', 'events').fieldSelectors?.['regarding.name']?.({
      metadata: {},
      regarding: { name: 'x' },
    }),
    'x',
  );
  assert.equal(type('', 'configmaps').fieldSelectors, undefined);
});
