import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { BackupSpec } from '../api/resources/backup.ts';
import { backup, testCatalog } from './test-support.ts';
import { validateBackup } from './validate.ts';

const ctx = { catalog: testCatalog(), locationExists: (name: string) => name === 'default' };
const check = (spec: BackupSpec) => validateBackup(backup('b', spec), ctx);

describe('validateBackup', () => {
  test('a plain spec is valid', () => {
    assert.deepEqual(check({}), []);
    assert.deepEqual(
      check({
        storageLocation: 'default',
        includedNamespaces: ['shop', 'blog-*'],
        excludedNamespaces: ['blog-old'],
        includedResources: ['deploy', 'cm', 'gadgets.example.com', '*.apps'],
        excludedResources: ['not-installed.example.io'],
        labelSelector: { matchLabels: { app: 'shop' } },
        orderedResources: { pods: 'shop/web-0,shop/web-1' },
      }),
      [],
    );
  });

  test('each problem names its field', () => {
    assert.deepEqual(check({ storageLocation: 'elsewhere' }), [
      'spec.storageLocation: backup storage location "elsewhere" does not exist',
    ]);
    assert.deepEqual(check({ includedNamespaces: ['shop'], excludedNamespaces: ['shop'] }), [
      'spec.excludedNamespaces[0]: namespace "shop" is both included and excluded',
    ]);
    assert.deepEqual(check({ includedResources: ['pods'], excludedResources: ['po'] }), [
      'spec.excludedResources[0]: resource "po" is both included and excluded',
    ]);
    assert.deepEqual(check({ excludedNamespaces: ['*'] }), [
      'spec.excludedNamespaces[0]: "*" is not allowed in excludes',
    ]);
    assert.deepEqual(check({ includedResources: ['pods', 'widgets'] }), [
      'spec.includedResources[1]: resource "widgets" is not known to the cluster',
    ]);
    assert.deepEqual(check({ includedNamespaceScopedResources: ['nope'] }), [
      'spec.includedNamespaceScopedResources[0]: resource "nope" is not known to the cluster',
    ]);
    assert.deepEqual(check({ orderedResources: { nope: 'a/b' } }), [
      'spec.orderedResources.nope: resource "nope" is not known to the cluster',
    ]);
  });

  test('old and new resource filters cannot be mixed', () => {
    const errors = check({ includedResources: ['pods'], includedClusterScopedResources: ['storageclasses'] });
    assert.equal(errors.length, 1);
    assert.match(errors[0], /^spec\.includedClusterScopedResources: .*cannot be combined.*includedResources/);
  });

  test('label selectors: bad ones and both kinds at once', () => {
    const bad = check({ labelSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: [] }] } });
    assert.equal(bad.length, 1);
    assert.match(bad[0], /^spec\.labelSelector: /);
    const badKey = check({
      orLabelSelectors: [{ matchLabels: { ok: 'x' } }, { matchLabels: { 'bad key!': 'x' } }],
    });
    assert.equal(badKey.length, 1);
    assert.match(badKey[0], /^spec\.orLabelSelectors\[1\]: /);
    assert.deepEqual(
      check({ labelSelector: { matchLabels: { a: 'b' } }, orLabelSelectors: [{ matchLabels: { c: 'd' } }] }),
      ['spec.orLabelSelectors: cannot be combined with spec.labelSelector; use one or the other'],
    );
  });
});
