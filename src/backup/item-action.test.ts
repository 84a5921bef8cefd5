import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { builtinBackupItemActions, crdAction, podAction, pvcAction } from './actions/index.ts';
import { type BackupItemAction, resolveActions } from './item-action.ts';
import { backup, testCatalog } from './test-support.ts';

const catalog = testCatalog();
const r = (name: string) => catalog.resolve(name)!;

describe('item action selectors', () => {
  test('resources by any name, namespaces and a label selector', async () => {
    const action: BackupItemAction = {
      name: 'example.com/a',
      appliesTo: () => ({
        includedResources: ['po', 'deploy'],
        excludedNamespaces: ['kube-*'],
        labelSelector: 'app in (web,api)',
      }),
      execute: async (item) => ({ item }),
    };
    const [resolved] = await resolveActions([action], catalog);
    assert.equal(resolved.appliesToResource(r('pods')), true);
    assert.equal(resolved.appliesToResource(r('deployments.apps')), true);
    assert.equal(resolved.appliesToResource(r('configmaps')), false);
    assert.equal(resolved.appliesToItem('shop', { app: 'web' }), true);
    assert.equal(resolved.appliesToItem('shop', { app: 'db' }), false);
    assert.equal(resolved.appliesToItem('kube-system', { app: 'web' }), false);
    assert.equal(
      resolved.appliesToItem(undefined, { app: 'web' }),
      false,
      'a namespace filter keeps cluster items out',
    );
  });

  test('an empty selector applies to everything', async () => {
    const [all] = await resolveActions(
      [{ name: 'x/y', appliesTo: async () => ({}), execute: async (item) => ({ item }) }],
      catalog,
    );
    assert.equal(all.appliesToResource(r('pv')), true);
    assert.equal(all.appliesToItem(undefined, undefined), true);
  });
});

describe('built-in actions', () => {
  const b = backup('b');

  test('they are sorted by name and the CRD action exists only with CRDs', () => {
    assert.deepEqual(
      builtinBackupItemActions([]).map((a) => a.name),
      ['lifeboat.io/pod', 'lifeboat.io/pv'],
    );
    assert.deepEqual(
      builtinBackupItemActions([{ name: 'gadgets.example.com', group: 'example.com', kind: 'Gadget' }]).map(
        (a) => a.name,
      ),
      ['lifeboat.io/crd', 'lifeboat.io/pod', 'lifeboat.io/pv'],
    );
    assert.equal(crdAction([]), undefined);
  });

  test('a pod names its claims and its priority class', async () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web', namespace: 'shop' },
      spec: {
        priorityClassName: 'high',
        volumes: [
          { name: 'a', persistentVolumeClaim: { claimName: 'data' } },
          { name: 'b', emptyDir: {} },
        ],
      },
    };
    const { additionalItems } = await podAction.execute(pod, b);
    assert.deepEqual(additionalItems, [
      { groupResource: 'persistentvolumeclaims', namespace: 'shop', name: 'data' },
      { groupResource: 'priorityclasses.scheduling.k8s.io', name: 'high' },
    ]);
  });

  test('a bound claim names its volume and loses its data source; a pending one names nothing', async () => {
    const claim = {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'data', namespace: 'shop' },
      spec: {
        volumeName: 'pv-1',
        storageClassName: 'fast',
        selector: { matchLabels: { a: 'b' } },
        dataSource: { kind: 'VolumeSnapshot', name: 's' },
      },
      status: { phase: 'Bound' },
    };
    const bound = await pvcAction.execute(claim, b);
    assert.deepEqual(bound.additionalItems, [{ groupResource: 'persistentvolumes', name: 'pv-1' }]);
    assert.deepEqual(bound.item.spec, { volumeName: 'pv-1', storageClassName: 'fast' });
    assert.ok((claim.spec as Record<string, unknown>).dataSource, 'the input is not changed');
    const staticClaim = {
      ...claim,
      spec: { ...claim.spec, storageClassName: '' },
      status: { phase: 'Pending' },
    };
    const pending = await pvcAction.execute(staticClaim, b);
    assert.equal(pending.additionalItems, undefined);
    assert.deepEqual((pending.item.spec as Record<string, unknown>).selector, { matchLabels: { a: 'b' } });
  });

  test('a custom resource names its CRD', async () => {
    const action = crdAction([{ name: 'gadgets.example.com', group: 'example.com', kind: 'Gadget' }])!;
    assert.deepEqual(await action.appliesTo(), { includedResources: ['gadgets.example.com'] });
    const { additionalItems } = await action.execute(
      { apiVersion: 'example.com/v1', kind: 'Gadget', metadata: { name: 'g' } },
      b,
    );
    assert.deepEqual(additionalItems, [
      { groupResource: 'customresourcedefinitions.apiextensions.k8s.io', name: 'gadgets.example.com' },
    ]);
  });
});
