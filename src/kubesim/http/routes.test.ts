import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsePath } from './routes.ts';

test('core, group, namespaced and cluster paths', () => {
  assert.deepEqual(parsePath('/api/v1/namespaces'), {
    kind: 'resource',
    group: '',
    version: 'v1',
    resource: 'namespaces',
  });
  assert.deepEqual(parsePath('/api/v1/namespaces/demo'), {
    kind: 'resource',
    group: '',
    version: 'v1',
    resource: 'namespaces',
    name: 'demo',
  });
  assert.deepEqual(parsePath('/api/v1/namespaces/demo/pods'), {
    kind: 'resource',
    group: '',
    version: 'v1',
    resource: 'pods',
    namespace: 'demo',
  });
  assert.deepEqual(parsePath('/apis/apps/v1/namespaces/demo/deployments/web/scale'), {
    kind: 'resource',
    group: 'apps',
    version: 'v1',
    resource: 'deployments',
    namespace: 'demo',
    name: 'web',
    subresource: 'scale',
  });
  assert.deepEqual(parsePath('/apis/apps/v1/deployments'), {
    kind: 'resource',
    group: 'apps',
    version: 'v1',
    resource: 'deployments',
  });
  assert.deepEqual(parsePath('/api/v1/nodes/n1/status'), {
    kind: 'resource',
    group: '',
    version: 'v1',
    resource: 'nodes',
    name: 'n1',
    subresource: 'status',
  });
});

test('namespaces/{x}/status and /finalize are subresources of namespace x', () => {
  for (const sub of ['status', 'finalize']) {
    assert.deepEqual(parsePath(`/api/v1/namespaces/x/${sub}`), {
      kind: 'resource',
      group: '',
      version: 'v1',
      resource: 'namespaces',
      name: 'x',
      subresource: sub,
    });
  }
  assert.deepEqual(parsePath('/api/v1/namespaces/x/secrets'), {
    kind: 'resource',
    group: '',
    version: 'v1',
    resource: 'secrets',
    namespace: 'x',
  });
});

test('discovery, openapi, version, health and unknown paths', () => {
  assert.deepEqual(parsePath('/api'), { kind: 'discovery-root', legacy: true });
  assert.deepEqual(parsePath('/apis/'), { kind: 'discovery-root', legacy: false });
  assert.deepEqual(parsePath('/apis/apps'), { kind: 'discovery-group', group: 'apps' });
  assert.deepEqual(parsePath('/api/v1'), { kind: 'discovery-resources', group: '', version: 'v1' });
  assert.deepEqual(parsePath('/apis/apps/v1'), { kind: 'discovery-resources', group: 'apps', version: 'v1' });
  assert.deepEqual(parsePath('/openapi/v3'), { kind: 'openapi-index' });
  assert.deepEqual(parsePath('/openapi/v3/apis/apps/v1'), { kind: 'openapi-doc', path: 'apis/apps/v1' });
  assert.deepEqual(parsePath('/openapi/v2'), { kind: 'openapi-v2' });
  assert.deepEqual(parsePath('/version'), { kind: 'version' });
  assert.deepEqual(parsePath('/readyz'), { kind: 'health', check: 'readyz' });
  assert.deepEqual(parsePath('/nope'), { kind: 'unknown' });
  assert.deepEqual(parsePath('/api/v1/namespaces/a/pods/b/log/extra'), { kind: 'unknown' });
  assert.deepEqual(parsePath('/api/v1/pods/%E0%A4%A'), { kind: 'unknown' });
});
