import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { BackupSpec } from '../api/resources/backup.ts';
import { IncludesExcludes } from './glob.ts';
import { buildResourceFilter, filterStylesUsed } from './resource-filter.ts';
import { testCatalog } from './test-support.ts';

const catalog = testCatalog();
const r = (name: string) => {
  const info = catalog.resolve(name);
  assert.ok(info, name);
  return info;
};
const everyNs = new IncludesExcludes();
const someNs = new IncludesExcludes(['shop']);

function collected(spec: BackupSpec, namespaces = everyNs): string[] {
  const filter = buildResourceFilter(spec, catalog, namespaces);
  return catalog
    .preferred()
    .filter((info) => filter.collects(info))
    .map((info) => info.groupResource)
    .sort();
}

describe('resource filter, old style', () => {
  test('unset includeClusterResources: cluster types only when every namespace is backed up', () => {
    assert.deepEqual(collected({}), [
      'clusterroles.rbac.authorization.k8s.io',
      'configmaps',
      'deployments.apps',
      'gadgets.example.com',
      'persistentvolumeclaims',
      'persistentvolumes',
      'pods',
      'secrets',
      'storageclasses.storage.k8s.io',
    ]);
    assert.deepEqual(collected({}, someNs), [
      'configmaps',
      'deployments.apps',
      'gadgets.example.com',
      'persistentvolumeclaims',
      'pods',
      'secrets',
    ]);
    const filter = buildResourceFilter({}, catalog, someNs);
    assert.equal(filter.admitsRelated(r('pv')), true, 'a PVC still brings its PV');
    assert.equal(filter.namespaceObjects, 'all');
  });

  test('true includes cluster types subject to the resource filter; false drops them, related ones too', () => {
    assert.deepEqual(collected({ includeClusterResources: true, includedResources: ['sc', 'cm'] }, someNs), [
      'configmaps',
      'storageclasses.storage.k8s.io',
    ]);
    const off = buildResourceFilter({ includeClusterResources: false }, catalog, everyNs);
    assert.equal(off.collects(r('storageclasses')), false);
    assert.equal(off.admitsRelated(r('pv')), false);
    assert.equal(off.admitsRelated(r('pvc')), true);
  });

  test('names resolve as users write them; excludes win; globs match resource.group', () => {
    assert.deepEqual(collected({ includedResources: ['deploy', 'Pod', 'gadgets.example.com'] }, someNs), [
      'deployments.apps',
      'gadgets.example.com',
      'pods',
    ]);
    assert.deepEqual(
      collected({ includedResources: ['*.apps', 'po'], excludedResources: ['pods'] }, someNs),
      ['deployments.apps'],
    );
    const filter = buildResourceFilter({ includedResources: ['pods'] }, catalog, someNs);
    assert.equal(filter.admitsRelated(r('pvc')), false, 'a namespaced related type must be included');
    assert.equal(filter.admitsRelated(r('pv')), true, 'a cluster related type only if not excluded');
    assert.equal(filter.namespaceObjects, 'related');
    const noNs = buildResourceFilter({ excludedResources: ['namespaces'] }, catalog, everyNs);
    assert.equal(noNs.namespaceObjects, 'none');
  });

  test('snapshot objects are never listed', () => {
    assert.ok(!collected({}).includes('volumesnapshots.snapshot.storage.k8s.io'));
  });
});

describe('resource filter, scoped (new) style', () => {
  test('cluster types follow their own lists; with both empty, only for a whole-cluster backup', () => {
    const spec = { includedNamespaceScopedResources: ['configmaps'] };
    assert.deepEqual(collected(spec), ['configmaps']);
    assert.deepEqual(collected({ excludedNamespaceScopedResources: ['secrets'] }), [
      'configmaps',
      'deployments.apps',
      'gadgets.example.com',
      'persistentvolumeclaims',
      'pods',
    ]);
    assert.deepEqual(
      collected(
        { includedNamespaceScopedResources: ['*'], includedClusterScopedResources: ['storageclasses'] },
        someNs,
      ).filter((n) => !n.includes('.') || n.startsWith('storage')),
      ['configmaps', 'persistentvolumeclaims', 'pods', 'secrets', 'storageclasses.storage.k8s.io'],
    );
    const star = buildResourceFilter(
      { includedClusterScopedResources: ['*'], excludedClusterScopedResources: ['pv'] },
      catalog,
      someNs,
    );
    assert.equal(star.collects(r('clusterroles')), true);
    assert.equal(star.collects(r('pv')), false);
    assert.equal(star.admitsRelated(r('pv')), false);
    const none = buildResourceFilter({ excludedClusterScopedResources: ['*'] }, catalog, everyNs);
    assert.equal(none.collects(r('sc')), false);
    assert.equal(none.namespaceObjects, 'none');
  });

  test('which styles a spec uses', () => {
    assert.deepEqual(
      filterStylesUsed({ includeClusterResources: false, includedClusterScopedResources: ['sc'] }),
      {
        old: ['includeClusterResources'],
        new: ['includedClusterScopedResources'],
      },
    );
    assert.deepEqual(filterStylesUsed({ includedResources: [], includeClusterResources: null }), {
      old: [],
      new: [],
    });
  });
});
