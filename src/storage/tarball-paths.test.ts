import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isLifeboatError } from '../core/errors.ts';
import { itemPath, parseItemPath } from './tarball-paths.ts';

test('item paths: legacy, preferred-version copy and other versions, namespaced and cluster-scoped', () => {
  assert.equal(
    itemPath({ groupResource: 'pods', namespace: 'ns1', name: 'p' }),
    'resources/pods/namespaces/ns1/p.json',
  );
  assert.equal(
    itemPath({ groupResource: 'pods', version: 'v1', preferred: true, namespace: 'ns1', name: 'p' }),
    'resources/pods/v1-preferredversion/namespaces/ns1/p.json',
  );
  assert.equal(
    itemPath({ groupResource: 'namespaces', name: 'ns1' }),
    'resources/namespaces/cluster/ns1.json',
  );
  assert.equal(
    itemPath({ groupResource: 'widgets.example.io', version: 'v2beta1', name: 'w' }),
    'resources/widgets.example.io/v2beta1/cluster/w.json',
  );
});

test('parsing inverts building', () => {
  for (const parts of [
    { groupResource: 'deployments.apps', namespace: 'shop', name: 'web' },
    { groupResource: 'deployments.apps', version: 'v1', preferred: true, namespace: 'shop', name: 'web' },
    { groupResource: 'widgets.example.io', version: 'v2', preferred: false, name: 'w' },
  ]) {
    const parsed = parseItemPath(itemPath(parts));
    assert.ok(parsed);
    assert.equal(parsed.groupResource, parts.groupResource);
    assert.equal(parsed.version, parts.version);
    assert.equal(parsed.preferred ?? false, parts.preferred ?? false);
    assert.equal(parsed.namespace, parts.namespace);
    assert.equal(parsed.name, parts.name);
  }
  assert.equal(parseItemPath('metadata/version'), undefined);
  assert.equal(parseItemPath('resources/pods/namespaces/ns1/extra/p.json'), undefined);
});

test('unsafe entry paths are refused as corrupt', () => {
  for (const path of [
    '/etc/passwd',
    'resources/../../x.json',
    'resources/pods/cluster//x.json',
    'a\\b',
    '',
  ]) {
    assert.throws(
      () => parseItemPath(path),
      (err) => isLifeboatError(err, 'Corrupt') && err.message.includes('not a safe relative path'),
    );
  }
});
