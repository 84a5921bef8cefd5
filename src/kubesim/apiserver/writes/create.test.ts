/**
 * Creating objects through the object service: server-set metadata, generated names, the refusals (taken
 * names, missing or terminating namespaces) and dry run.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { apiErrorOf, configMap, deployment, errorCode, setupService } from '../testing.ts';

describe('create', () => {
  test('sets uid, second-precision creationTimestamp, resourceVersion and generation; drops status', () => {
    const { api, deploy } = setupService();
    const d = api.create(deploy, 'default', deployment('web'));
    assert.match(d.metadata.uid ?? '', /^[0-9a-f-]{36}$/);
    assert.equal(d.metadata.creationTimestamp, '2026-03-01T10:00:00Z');
    assert.equal(d.metadata.resourceVersion, api.currentResourceVersion());
    assert.equal(d.metadata.generation, 1);
    assert.equal(d.status, undefined, 'status is dropped when the kind has a status subresource');
    assert.equal(d.metadata.namespace, 'default');
    assert.equal(api.get(deploy, 'default', 'web').metadata.uid, d.metadata.uid);
  });

  test('generateName appends five characters of the real alphabet', () => {
    const { api, cm } = setupService();
    const c = api.create(cm, 'default', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { generateName: 'gen-' },
    });
    assert.equal(c.metadata.name, 'gen-bbbbb');
    const err = apiErrorOf(() => api.create(cm, 'default', { metadata: {} }));
    assert.equal(err.code, 422);
    assert.match(err.message, /metadata\.name: Required value: name or generateName is required/);
  });

  test('refuses duplicates, missing or terminating namespaces, bad names and namespace mismatches', () => {
    const { api, cm, ns } = setupService();
    api.create(cm, 'default', configMap('x'));
    const dup = apiErrorOf(() => api.create(cm, 'default', configMap('x')));
    assert.equal(dup.code, 409);
    assert.equal(dup.status.reason, 'AlreadyExists');
    assert.equal(dup.message, 'configmaps "x" already exists');
    const missing = apiErrorOf(() => api.create(cm, 'nope', configMap('x')));
    assert.equal(missing.code, 404);
    assert.equal(missing.message, 'namespaces "nope" not found');
    assert.equal(
      errorCode(() => api.create(cm, 'default', configMap('Bad_Name'))),
      422,
    );
    const mismatch = apiErrorOf(() =>
      api.create(cm, 'default', configMap('y', { metadata: { name: 'y', namespace: 'other' } })),
    );
    assert.equal(mismatch.code, 400);
    assert.match(mismatch.message, /does not match the namespace sent on the request/);
    api.create(ns, undefined, { metadata: { name: 'going' } });
    api.delete(ns, undefined, 'going');
    const terminating = apiErrorOf(() => api.create(cm, 'going', configMap('z')));
    assert.equal(terminating.code, 403);
    assert.match(
      terminating.message,
      /unable to create new content in namespace going because it is being terminated/,
    );
    assert.equal(terminating.status.details?.causes?.[0].reason, 'NamespaceTerminating');
    assert.equal(
      errorCode(() =>
        api.create(cm, 'default', configMap('rv', { metadata: { name: 'rv', resourceVersion: '5' } })),
      ),
      500,
    );
  });

  test('dryRun returns the object without storing it or assigning a resourceVersion', () => {
    const { api, cm } = setupService();
    const before = api.currentResourceVersion();
    const d = api.create(cm, 'default', configMap('dry'), { dryRun: true });
    assert.equal(d.metadata.name, 'dry');
    assert.equal(d.metadata.resourceVersion, undefined);
    assert.equal(api.currentResourceVersion(), before);
    assert.equal(
      errorCode(() => api.get(cm, 'default', 'dry')),
      404,
    );
  });
});
