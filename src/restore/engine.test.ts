import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { LABELS } from '../api/labels.ts';
import type { Results } from '../core/results.ts';
import { widgetCrd } from '../kube/testing.ts';
import { restoreKeys } from '../storage/layout.ts';
import { RestoreFixture } from './engine-fixture.ts';
import { formatPlan } from './plan.ts';
import { CHANGE_STORAGE_CLASS_LABEL, PLUGIN_CONFIG_LABEL } from './plugin-config.ts';
import { rawTarball } from './test-support.ts';
import type { RestorePlan } from './types.ts';

const ns = (name: string, labels: Record<string, string> = {}) => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: {
    name,
    uid: 'u-ns',
    resourceVersion: '7',
    labels: { 'kubernetes.io/metadata.name': name, ...labels },
  },
  spec: { finalizers: ['kubernetes'] },
  status: { phase: 'Active' },
});

const configMap = (
  namespace: string,
  name: string,
  data: Record<string, string>,
  labels?: Record<string, string>,
) => ({
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

/** An object as a user would create it (no server-set fields). */
const plain = (
  namespace: string,
  name: string,
  data: Record<string, string>,
  labels?: Record<string, string>,
) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { namespace, name, labels },
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
    assert.equal(
      await fx.get('namespaces', undefined, 'shop'),
      undefined,
      'the source namespace is not created',
    );

    const cm = await fx.get('configmaps', 'shop-copy', 'settings');
    assert.deepEqual(cm?.data, { color: 'blue' });
    assert.equal(cm?.metadata?.labels?.[LABELS.backupName], 'b1');
    assert.equal(cm?.metadata?.labels?.[LABELS.restoreName], 'r1');
    assert.notEqual(cm?.metadata?.uid, 'u-settings');
    assert.equal(cm?.metadata?.ownerReferences, undefined);

    const svc = await fx.get('services', 'shop-copy', 'web');
    const spec = svc?.spec as { clusterIP?: string; ports: { nodePort?: number }[] };
    assert.ok(
      spec.clusterIP && spec.clusterIP !== '10.0.0.99',
      `cluster IP re-allocated, got ${spec.clusterIP}`,
    );
    assert.notEqual(spec.ports[0].nodePort, 31999);

    const running = await fx.get('pods', 'shop-copy', 'running');
    assert.equal((running?.spec as { nodeName?: string } | undefined)?.nodeName, undefined);
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

  test('existing objects: unchanged ones are skipped silently, different ones warned about (none) or patched (update)', async () => {
    await fx.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'clash' } });
    await fx.create('configmaps', plain('clash', 'same', { a: '1' }));
    await fx.create('configmaps', plain('clash', 'differs', { a: '1', extra: 'live' }));
    await fx.writeBackup('b2', [
      { groupResource: 'configmaps', object: configMap('clash', 'same', { a: '1' }) },
      { groupResource: 'configmaps', object: configMap('clash', 'differs', { a: '2' }) },
      { groupResource: 'configmaps', object: configMap('clash', 'new', { a: '3' }) },
    ]);

    const none = await fx.run('r2-none', { backupName: 'b2' });
    assert.equal(none.status.phase, 'Completed');
    assert.equal(none.status.warnings, 1);
    const results = await fx.readGzipJson<Results>(restoreKeys('r2-none').results);
    const warning = results.warnings.namespaces?.clash?.[0] ?? '';
    assert.match(warning, /configmaps clash\/differs: it already exists and differs/);
    assert.match(warning, /data\.a: "1" in the cluster, "2" in the backup/);
    assert.match(warning, /data\.extra only in the cluster/);
    assert.deepEqual(
      (await fx.get('configmaps', 'clash', 'differs'))?.data,
      { a: '1', extra: 'live' },
      'none leaves it',
    );
    const list = await fx.readGzipJson<Record<string, string[]>>(restoreKeys('r2-none').resourceList);
    assert.deepEqual(list['v1/ConfigMap'], [
      'clash/differs(skipped)',
      'clash/new(created)',
      'clash/same(skipped)',
    ]);

    const update = await fx.run('r2-update', { backupName: 'b2', existingResourcePolicy: 'update' });
    assert.equal(update.status.phase, 'Completed');
    assert.equal(update.status.warnings, 0);
    const patched = await fx.get('configmaps', 'clash', 'differs');
    assert.deepEqual(patched?.data, { a: '2' });
    assert.equal(patched?.metadata?.labels?.[LABELS.restoreName], 'r2-update');
    const list2 = await fx.readGzipJson<Record<string, string[]>>(restoreKeys('r2-update').resourceList);
    assert.deepEqual(list2['v1/ConfigMap'], [
      'clash/differs(updated)',
      'clash/new(skipped)',
      'clash/same(skipped)',
    ]);
  });

  test('a CRD and its custom resources restore into a cluster that lacks the CRD', async () => {
    const crd = widgetCrd();
    await fx.writeBackup('b3', [
      {
        groupResource: 'customresourcedefinitions.apiextensions.k8s.io',
        object: { ...crd, status: { conditions: [] } },
      },
      { groupResource: 'namespaces', object: ns('crs') },
      {
        groupResource: 'widgets.example.com',
        object: {
          apiVersion: 'example.com/v1',
          kind: 'Widget',
          metadata: { namespace: 'crs', name: 'w1', uid: 'u' },
          spec: { size: 3 },
        },
      },
    ]);
    assert.equal(fx.catalog.resolve('widgets.example.com'), undefined, 'the target lacks the CRD');
    const { status } = await fx.run('r3', { backupName: 'b3' });
    assert.equal(status.phase, 'Completed', status.failureReason);
    const widget = await fx.get('widgets.example.com', 'crs', 'w1');
    assert.deepEqual(widget?.spec, { size: 3 });
    const list = await fx.readGzipJson<Record<string, string[]>>(restoreKeys('r3').resourceList);
    assert.deepEqual(list['example.com/v1/Widget'], ['crs/w1(created)']);
  });

  test('resource modifiers: JSON patch, merge patch and strategic merge patch, with conditions', async () => {
    await fx
      .create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'lifeboat' } })
      .catch(() => undefined);
    await fx.create('configmaps', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { namespace: 'lifeboat', name: 'mods' },
      data: {
        'rules.yaml': [
          'version: v1',
          'resourceModifierRules:',
          '- conditions: {groupResource: deployments.apps, resourceNameRegex: "^web"}',
          '  patches:',
          '  - {operation: replace, path: /spec/replicas, value: "5"}',
          '- conditions: {groupResource: configmaps, labelSelector: {matchLabels: {tier: front}}}',
          '  mergePatches:',
          '  - patchData: \'{"data": {"added": "yes", "drop": null}}\'',
          '- conditions: {groupResource: deployments.apps, namespaces: [mods]}',
          '  strategicPatches:',
          '  - patchData: |',
          '      spec:',
          '        template:',
          '          spec:',
          '            containers:',
          '            - name: app',
          '              image: nginx:2',
        ].join('\n'),
      },
    });
    const deployment = (name: string) => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { namespace: 'mods', name },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name } },
          spec: {
            containers: [
              { name: 'app', image: 'nginx:1' },
              { name: 'side', image: 'busybox' },
            ],
          },
        },
      },
    });
    await fx.writeBackup('b4', [
      { groupResource: 'deployments.apps', object: deployment('web') },
      { groupResource: 'deployments.apps', object: deployment('db') },
      {
        groupResource: 'configmaps',
        object: configMap('mods', 'front', { drop: 'x', keep: 'y' }, { tier: 'front' }),
      },
      { groupResource: 'configmaps', object: configMap('mods', 'back', { drop: 'x' }, { tier: 'back' }) },
    ]);
    const { status } = await fx.run('r4', {
      backupName: 'b4',
      resourceModifier: { kind: 'ConfigMap', name: 'mods' },
    });
    assert.equal(status.phase, 'Completed', status.failureReason);
    const web = await fx.get('deployments.apps', 'mods', 'web');
    const db = await fx.get('deployments.apps', 'mods', 'db');
    assert.equal((web?.spec as { replicas: number } | undefined)?.replicas, 5);
    assert.equal(
      (db?.spec as { replicas: number } | undefined)?.replicas,
      1,
      'the name regex leaves db alone',
    );
    const containers =
      (db?.spec as { template: { spec: { containers: { name: string; image: string }[] } } } | undefined)
        ?.template.spec.containers ?? [];
    assert.deepEqual(
      containers.map((c) => [c.name, c.image]),
      [
        ['app', 'nginx:2'],
        ['side', 'busybox'],
      ],
    );
    assert.deepEqual((await fx.get('configmaps', 'mods', 'front'))?.data, { keep: 'y', added: 'yes' });
    assert.deepEqual((await fx.get('configmaps', 'mods', 'back'))?.data, { drop: 'x' });
  });

  test('dry run: a plan per object, counts in the status, nothing written to the cluster', async () => {
    await fx.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'plan' } });
    await fx.create('configmaps', plain('plan', 'same', { a: '1' }));
    await fx.create('configmaps', plain('plan', 'differs', { a: 'live' }));
    await fx.create('secrets', {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { namespace: 'plan', name: 's' },
      data: { pw: 'bGl2ZQ==' },
    });
    await fx.writeBackup('b5', [
      { groupResource: 'namespaces', object: ns('plan') },
      { groupResource: 'configmaps', object: configMap('plan', 'same', { a: '1' }) },
      { groupResource: 'configmaps', object: configMap('plan', 'differs', { a: 'backup' }) },
      { groupResource: 'configmaps', object: configMap('plan', 'fresh', { a: '1' }) },
      {
        groupResource: 'secrets',
        object: {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { namespace: 'plan', name: 's' },
          data: { pw: 'c2VjcmV0' },
        },
      },
      { groupResource: 'pods', object: pod('plan', 'done', 'Failed') },
      { groupResource: 'configmaps', object: configMap('elsewhere', 'x', { a: '1' }) },
    ]);
    const before = (await fx.list('configmaps', 'plan')).length;
    const { status } = await fx.run('r5', { backupName: 'b5', dryRun: true, excludedNamespaces: ['else*'] });
    assert.equal(status.phase, 'Completed', status.failureReason);
    assert.deepEqual(status.dryRunSummary, { create: 1, update: 0, skip: 3, conflict: 2 });
    assert.equal((await fx.list('configmaps', 'plan')).length, before, 'nothing created');
    assert.equal(await fx.get('configmaps', 'plan', 'fresh'), undefined);
    assert.deepEqual((await fx.get('configmaps', 'plan', 'differs'))?.data, { a: 'live' });
    assert.equal(await fx.store.exists(restoreKeys('r5').resourceList), false);

    const plan = await fx.readGzipJson<RestorePlan>(restoreKeys('r5').dryRunPlan);
    const entry = (name: string) => plan.entries.find((e) => e.name === name);
    assert.equal(entry('fresh')?.action, 'create');
    assert.equal(entry('same')?.action, 'skip');
    assert.equal(entry('done')?.action, 'skip');
    assert.equal(entry('differs')?.action, 'conflict');
    assert.deepEqual(entry('differs')?.diff, [
      { path: 'data.a', change: 'changed', live: '"live"', desired: '"backup"' },
    ]);
    assert.deepEqual(entry('s')?.diff, [
      { path: 'data.pw', change: 'changed', live: '(hidden)', desired: '(hidden)' },
    ]);
    assert.equal(plan.excluded, 1);
    const text = formatPlan(plan);
    assert.match(text, /1 to create, 0 to update, 2 in conflict, 3 to skip, 1 left out by the filters/);
    assert.match(text, /Namespace plan:\n/);
    assert.match(text, /! conflict +v1\/ConfigMap differs/);
    assert.match(text, /~ data\.a: "live" → "backup"/);
    assert.doesNotMatch(text, /c2VjcmV0|bGl2ZQ/, 'Secret data never printed');

    const update = await fx.run('r5u', { backupName: 'b5', dryRun: true, existingResourcePolicy: 'update' });
    assert.equal(update.status.dryRunSummary?.update, 2);
  });

  test('a hostile tarball fails the restore with a clear message before anything is created', async () => {
    const tarball = await rawTarball([
      { name: 'resources/namespaces/cluster/evil.json', body: JSON.stringify(ns('evil')) },
      {
        name: 'resources/configmaps/namespaces/evil/ok.json',
        body: JSON.stringify(configMap('evil', 'ok', {})),
      },
      { name: 'resources/configmaps/namespaces/evil/../../../../etc/x.json', body: '{}' },
    ]);
    await fx.writeBackup('b6', [], tarball);
    const { status } = await fx.run('r6', { backupName: 'b6' });
    assert.equal(status.phase, 'Failed');
    assert.match(status.failureReason ?? '', /not a safe relative path/);
    assert.equal(await fx.get('namespaces', undefined, 'evil'), undefined);
    const log = gunzipSync(await fx.store.getBuffer(restoreKeys('r6').log)).toString('utf8');
    assert.match(log, /restore failed/);

    await fx.writeBackup('b7', [], Buffer.from('garbage'));
    const garbage = await fx.run('r7', { backupName: 'b7' });
    assert.equal(garbage.status.phase, 'Failed');
    assert.match(garbage.status.failureReason ?? '', /not a valid gzip tar/);

    const missing = await fx.run('r8', { backupName: 'nope' });
    assert.equal(missing.status.phase, 'Failed');
    assert.match(missing.status.failureReason ?? '', /backup nope not found/);
  });

  test('filters: namespace globs, resources, label selectors, cluster-scoped resources', async () => {
    await fx.writeBackup('b9', [
      { groupResource: 'namespaces', object: ns('f-a') },
      { groupResource: 'namespaces', object: ns('f-b') },
      { groupResource: 'namespaces', object: ns('g-c') },
      { groupResource: 'configmaps', object: configMap('f-a', 'one', {}, { pick: 'yes' }) },
      { groupResource: 'configmaps', object: configMap('f-a', 'two', {}, { pick: 'no' }) },
      { groupResource: 'configmaps', object: configMap('f-b', 'three', {}, { pick: 'yes' }) },
      { groupResource: 'configmaps', object: configMap('g-c', 'four', {}, { pick: 'yes' }) },
      {
        groupResource: 'secrets',
        object: {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { namespace: 'f-a', name: 's', labels: { pick: 'yes' } },
        },
      },
      {
        groupResource: 'clusterroles.rbac.authorization.k8s.io',
        object: {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'ClusterRole',
          metadata: { name: 'f-role', labels: { pick: 'yes' } },
          rules: [],
        },
      },
    ]);
    const { status } = await fx.run('r9', {
      backupName: 'b9',
      includedNamespaces: ['f-*'],
      excludedNamespaces: ['f-b'],
      excludedResources: ['secrets'],
      labelSelector: { matchLabels: { pick: 'yes' } },
    });
    assert.equal(status.phase, 'Completed', status.failureReason);
    assert.ok(await fx.get('configmaps', 'f-a', 'one'));
    assert.equal(await fx.get('configmaps', 'f-a', 'two'), undefined, 'label selector');
    assert.equal(await fx.get('configmaps', 'f-b', 'three'), undefined, 'excluded namespace');
    assert.equal(await fx.get('configmaps', 'g-c', 'four'), undefined, 'not included');
    assert.equal(await fx.get('secrets', 'f-a', 's'), undefined, 'excluded resource');
    assert.equal(
      await fx.get('clusterroles', undefined, 'f-role'),
      undefined,
      'cluster-scoped: auto means no when namespaces are filtered',
    );

    const all = await fx.run('r9b', {
      backupName: 'b9',
      includedNamespaces: ['f-a'],
      includeClusterResources: true,
      orLabelSelectors: [{ matchLabels: { pick: 'yes' } }],
    });
    assert.equal(all.status.phase, 'Completed');
    assert.ok(await fx.get('clusterroles', undefined, 'f-role'), 'includeClusterResources true');
  });

  test('PV/PVC pairs rebind by name under namespace mapping; change-storage-class from its plugin ConfigMap', async () => {
    await fx
      .create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'lifeboat' } })
      .catch(() => undefined);
    await fx.create('configmaps', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        namespace: 'lifeboat',
        name: 'storage-classes',
        labels: { [PLUGIN_CONFIG_LABEL]: 'true', [CHANGE_STORAGE_CLASS_LABEL]: 'RestoreItemAction' },
      },
      data: { slow: 'fast' },
    });
    const pv = (name: string, policy: string) => ({
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name, uid: `u-${name}`, annotations: { 'pv.kubernetes.io/bound-by-controller': 'yes' } },
      spec: {
        capacity: { storage: '1Gi' },
        accessModes: ['ReadWriteOnce'],
        persistentVolumeReclaimPolicy: policy,
        storageClassName: 'slow',
        hostPath: { path: `/tmp/${name}` },
        claimRef: {
          kind: 'PersistentVolumeClaim',
          apiVersion: 'v1',
          namespace: 'vol',
          name: `claim-${name}`,
          uid: 'old-uid',
          resourceVersion: '5',
        },
      },
      status: { phase: 'Bound' },
    });
    const pvc = (name: string, volume: string) => ({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { namespace: 'vol', name, annotations: { 'pv.kubernetes.io/bind-completed': 'yes' } },
      spec: {
        accessModes: ['ReadWriteOnce'],
        resources: { requests: { storage: '1Gi' } },
        storageClassName: 'slow',
        volumeName: volume,
      },
      status: { phase: 'Bound' },
    });
    await fx.writeBackup('b10', [
      { groupResource: 'persistentvolumes', object: pv('pv-keep', 'Retain') },
      { groupResource: 'persistentvolumes', object: pv('pv-gone', 'Delete') },
      { groupResource: 'persistentvolumeclaims', object: pvc('claim-pv-keep', 'pv-keep') },
      { groupResource: 'persistentvolumeclaims', object: pvc('claim-pv-gone', 'pv-gone') },
    ]);
    const { status } = await fx.run('r10', { backupName: 'b10', namespaceMapping: { vol: 'vol2' } });
    assert.equal(status.phase, 'Completed', status.failureReason);
    const restoredPv = await fx.get('persistentvolumes', undefined, 'pv-keep');
    type PvSpec = { claimRef: Record<string, string>; storageClassName: string };
    const pvSpec = restoredPv?.spec as PvSpec | undefined;
    assert.equal(pvSpec?.claimRef.namespace, 'vol2');
    assert.equal(pvSpec?.claimRef.uid, undefined);
    assert.equal(pvSpec?.storageClassName, 'fast');
    assert.equal(
      await fx.get('persistentvolumes', undefined, 'pv-gone'),
      undefined,
      'Delete-policy PVs are provisioned anew',
    );
    const kept = await fx.get('persistentvolumeclaims', 'vol2', 'claim-pv-keep');
    const keptSpec = kept?.spec as { volumeName?: string; storageClassName?: string } | undefined;
    assert.equal(keptSpec?.volumeName, 'pv-keep');
    assert.equal(keptSpec?.storageClassName, 'fast');
    assert.equal(kept?.metadata?.annotations?.['pv.kubernetes.io/bind-completed'], undefined);
    const fresh = await fx.get('persistentvolumeclaims', 'vol2', 'claim-pv-gone');
    assert.ok(fresh, 'the claim is restored');
    assert.equal((fresh?.spec as { volumeName?: string } | undefined)?.volumeName, undefined);
  });

  test('status restored when asked; items the cluster refuses make the restore PartiallyFailed with per-namespace errors', async () => {
    const crd = widgetCrd();
    await fx.writeBackup('b11', [
      { groupResource: 'customresourcedefinitions.apiextensions.k8s.io', object: crd },
      {
        groupResource: 'widgets.example.com',
        object: {
          apiVersion: 'example.com/v1',
          kind: 'Widget',
          metadata: { namespace: 'st', name: 'w' },
          spec: { size: 1 },
          status: { phase: 'Ready' },
        },
      },
      {
        groupResource: 'widgets.example.com',
        object: {
          apiVersion: 'example.com/v1',
          kind: 'Widget',
          metadata: { namespace: 'st', name: 'bad' },
          spec: { size: -4 },
        },
      },
    ]);
    const { status } = await fx.run('r11', {
      backupName: 'b11',
      restoreStatus: { includedResources: ['widgets.example.com'] },
    });
    assert.equal(status.phase, 'PartiallyFailed');
    assert.equal(status.errors, 1);
    const widget = await fx.get('widgets.example.com', 'st', 'w');
    assert.deepEqual(widget?.status, { phase: 'Ready' });
    const results = await fx.readGzipJson<Results>(restoreKeys('r11').results);
    assert.match(results.errors.namespaces?.st?.[0] ?? '', /widgets\.example\.com st\/bad: .*size/);
    const list = await fx.readGzipJson<Record<string, string[]>>(restoreKeys('r11').resourceList);
    assert.deepEqual(list['example.com/v1/Widget'], ['st/bad(failed)', 'st/w(created)']);
  });

  test('scheduleName restores the latest Completed backup of that schedule', async () => {
    const item = (v: string) => [{ groupResource: 'configmaps', object: configMap('sched', 'c', { v }) }];
    await fx.writeBackup('nightly-1', item('old'));
    await fx.writeBackup('nightly-2', item('new'));
    const meta = (name: string, start: string, phase: string) =>
      JSON.stringify({
        kind: 'Backup',
        metadata: { name, labels: { [LABELS.scheduleName]: 'nightly' } },
        status: { phase, startTimestamp: start },
      });
    await fx.store.put(
      'backups/nightly-1/velero-backup.json',
      meta('nightly-1', '2026-01-01T00:00:00Z', 'Completed'),
    );
    await fx.store.put(
      'backups/nightly-2/velero-backup.json',
      meta('nightly-2', '2026-01-02T00:00:00Z', 'Completed'),
    );
    await fx.writeBackup('nightly-3', item('failed'));
    await fx.store.put(
      'backups/nightly-3/velero-backup.json',
      meta('nightly-3', '2026-01-03T00:00:00Z', 'Failed'),
    );
    const { status } = await fx.run('r12', { scheduleName: 'nightly' });
    assert.equal(status.phase, 'Completed', status.failureReason);
    const cm = await fx.get('configmaps', 'sched', 'c');
    assert.deepEqual(cm?.data, { v: 'new' });
    assert.equal(cm?.metadata?.labels?.[LABELS.backupName], 'nightly-2');
  });

  test('with a namespace filter and includeClusterResources unset, the CRDs of restored custom resources come too', async () => {
    const crd = widgetCrd();
    const spec = crd.spec as { group: string; names: Record<string, unknown> };
    const gadgets = {
      ...crd,
      metadata: { name: 'gadgets.example.com' },
      spec: {
        ...spec,
        names: { plural: 'gadgets', singular: 'gadget', kind: 'Gadget', listKind: 'GadgetList' },
      },
    };
    const other = {
      ...gadgets,
      metadata: { name: 'others.example.com' },
      spec: {
        ...gadgets.spec,
        names: { plural: 'others', singular: 'other', kind: 'Other', listKind: 'OtherList' },
      },
    };
    await fx.writeBackup('b13', [
      { groupResource: 'customresourcedefinitions.apiextensions.k8s.io', object: gadgets },
      { groupResource: 'customresourcedefinitions.apiextensions.k8s.io', object: other },
      {
        groupResource: 'gadgets.example.com',
        object: {
          apiVersion: 'example.com/v1',
          kind: 'Gadget',
          metadata: { namespace: 'g1', name: 'g' },
          spec: { size: 1 },
        },
      },
      {
        groupResource: 'others.example.com',
        object: {
          apiVersion: 'example.com/v1',
          kind: 'Other',
          metadata: { namespace: 'g2', name: 'o' },
          spec: { size: 1 },
        },
      },
    ]);
    const { status } = await fx.run('r13', { backupName: 'b13', includedNamespaces: ['g1'] });
    assert.equal(status.phase, 'Completed', status.failureReason);
    assert.ok(await fx.get('crd', undefined, 'gadgets.example.com'));
    assert.equal(
      await fx.get('crd', undefined, 'others.example.com'),
      undefined,
      'only the CRDs that are needed',
    );
    assert.ok(await fx.get('gadgets.example.com', 'g1', 'g'));
  });

  test('jobs and service accounts restore into a fresh namespace without their generated fields', async () => {
    const uid = 'a1b2c3d4-0000-0000-0000-000000000001';
    await fx.writeBackup('b14', [
      {
        groupResource: 'jobs.batch',
        object: {
          apiVersion: 'batch/v1',
          kind: 'Job',
          metadata: {
            namespace: 'jobs',
            name: 'migrate',
            uid,
            labels: { 'batch.kubernetes.io/controller-uid': uid },
          },
          spec: {
            selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } },
            template: {
              metadata: {
                labels: {
                  'batch.kubernetes.io/controller-uid': uid,
                  'controller-uid': uid,
                  'job-name': 'migrate',
                },
              },
              spec: { restartPolicy: 'Never', containers: [{ name: 'm', image: 'busybox' }] },
            },
          },
          status: { active: 1 },
        },
      },
      {
        groupResource: 'serviceaccounts',
        object: {
          apiVersion: 'v1',
          kind: 'ServiceAccount',
          metadata: { namespace: 'jobs', name: 'runner' },
          secrets: [{ name: 'runner-token-abcde' }],
        },
      },
    ]);
    const { status } = await fx.run('r14', { backupName: 'b14' });
    assert.equal(status.phase, 'Completed', status.failureReason);
    const job = await fx.get('jobs.batch', 'jobs', 'migrate');
    const labels = (job?.spec as { template: { metadata: { labels: Record<string, string> } } } | undefined)
      ?.template.metadata.labels;
    assert.notEqual(labels?.['batch.kubernetes.io/controller-uid'], uid, 'the old controller uid is gone');
    const sa = await fx.get('serviceaccounts', 'jobs', 'runner');
    assert.equal(sa?.secrets, undefined);
  });
});
