/**
 * PUT and PATCH through the object service: optimistic concurrency, generation and the status subresource,
 * no-op writes, the patch types, server-side apply and field management.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { apiErrorOf, configMap, deployment, errorCode, setupService } from '../testing.ts';
import type { WatchEvent } from '../types.ts';

describe('update and patch', () => {
  test('409 on a stale resourceVersion; unconditional update of built-ins', () => {
    const { api, cm } = setupService();
    const c = api.create(cm, 'default', configMap('x'));
    api.update(cm, 'default', 'x', { ...c, data: { a: '2' } });
    const stale = apiErrorOf(() => api.update(cm, 'default', 'x', { ...c, data: { a: '3' } }));
    assert.equal(stale.code, 409);
    assert.equal(stale.status.reason, 'Conflict');
    assert.match(stale.message, /the object has been modified/);
    const noRv = api.update(cm, 'default', 'x', { ...configMap('x'), data: { a: '4' } });
    assert.deepEqual(noRv.data, { a: '4' });
    assert.equal(noRv.metadata.uid, c.metadata.uid, 'uid is kept');
  });

  test('generation moves with spec only; the status subresource splits writes', () => {
    const { api, deploy } = setupService();
    const d = api.create(deploy, 'default', deployment('web'));
    const withLabel = api.patch(deploy, 'default', 'web', 'merge', {
      metadata: { labels: { x: 'y' } },
    }).object;
    assert.equal(withLabel.metadata.generation, 1);
    const scaled = api.patch(deploy, 'default', 'web', 'merge', {
      spec: { replicas: 3 },
      status: { replicas: 5 },
    }).object;
    assert.equal(scaled.metadata.generation, 2);
    assert.equal(scaled.status, undefined, 'the main resource ignores status');
    const status = api.patch(
      deploy,
      'default',
      'web',
      'merge',
      { spec: { replicas: 7 }, status: { replicas: 3 } },
      { subresource: 'status' },
    ).object;
    assert.deepEqual(status.status, { replicas: 3 });
    assert.equal((status.spec as { replicas: number }).replicas, 3, 'status ignores spec');
    assert.equal(status.metadata.generation, 2);
    assert.equal(d.metadata.uid, status.metadata.uid);
  });

  test('a no-op write keeps the resourceVersion and emits no event', () => {
    const { api, cm } = setupService();
    const c = api.create(cm, 'default', configMap('x'));
    const events: WatchEvent[] = [];
    const w = api.watch(cm, { resourceVersion: c.metadata.resourceVersion }, (e) => events.push(e));
    const same = api.patch(cm, 'default', 'x', 'merge', { data: { a: '1' } }).object;
    const put = api.update(cm, 'default', 'x', c);
    w.stop();
    assert.equal(same.metadata.resourceVersion, c.metadata.resourceVersion);
    assert.equal(put.metadata.resourceVersion, c.metadata.resourceVersion);
    assert.deepEqual(events, []);
  });

  test('JSON patch; a failed test op is 422; conditional patches check resourceVersion', () => {
    const { api, cm } = setupService();
    const c = api.create(cm, 'default', configMap('x'));
    const p = api.patch(cm, 'default', 'x', 'json', [{ op: 'add', path: '/data/b', value: '2' }]).object;
    assert.deepEqual(p.data, { a: '1', b: '2' });
    assert.equal(
      errorCode(() => api.patch(cm, 'default', 'x', 'json', [{ op: 'test', path: '/data/a', value: 'no' }])),
      422,
    );
    assert.equal(
      errorCode(() =>
        api.patch(cm, 'default', 'x', 'merge', { metadata: { resourceVersion: c.metadata.resourceVersion } }),
      ),
      409,
    );
    assert.equal(
      errorCode(() => api.patch(cm, 'default', 'missing', 'merge', {})),
      404,
    );
  });

  test('apply creates when missing (created: true) and needs a field manager', () => {
    const { api, cm } = setupService();
    assert.equal(
      errorCode(() => api.patch(cm, 'default', 'ssa', 'apply', configMap('ssa'))),
      400,
    );
    const first = api.patch(cm, 'default', 'ssa', 'apply', configMap('ssa'), { fieldManager: 'me' });
    assert.equal(first.created, true);
    const second = api.patch(
      cm,
      'default',
      'ssa',
      'apply',
      { ...configMap('ssa'), data: { a: '2' } },
      { fieldManager: 'me' },
    );
    assert.equal(second.created, false);
    assert.deepEqual(second.object.data, { a: '2' });
  });

  test('ConfigMaps marked immutable refuse data changes with 422', () => {
    const { api, cm } = setupService();
    api.create(cm, 'default', configMap('frozen', { immutable: true }));
    const err = apiErrorOf(() => api.patch(cm, 'default', 'frozen', 'merge', { data: { a: '2' } }));
    assert.equal(err.code, 422);
    assert.match(err.message, /field is immutable when `immutable` is set/);
  });
});

describe('field management', () => {
  test('creates and updates record managedFields per manager; apply conflicts are 409 unless forced', () => {
    const { api, cm } = setupService();
    const c = api.create(cm, 'default', configMap('owned'), { fieldManager: 'creator' });
    assert.equal((c.metadata.managedFields as { manager: string }[])[0].manager, 'creator');
    const updated = api.patch(
      cm,
      'default',
      'owned',
      'merge',
      { data: { b: '2' } },
      { fieldManager: 'editor' },
    ).object;
    const managers = (updated.metadata.managedFields as { manager: string; operation: string }[]).map(
      (m) => `${m.manager}/${m.operation}`,
    );
    assert.deepEqual(managers.sort(), ['creator/Update', 'editor/Update']);
    const same = api.patch(
      cm,
      'default',
      'owned',
      'merge',
      { data: { b: '2' } },
      { fieldManager: 'someone' },
    ).object;
    assert.equal(same.metadata.resourceVersion, updated.metadata.resourceVersion, 'a no-op stays a no-op');
    const applied = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'owned' }, data: { b: '3' } };
    const err = apiErrorOf(() =>
      api.patch(cm, 'default', 'owned', 'apply', applied, { fieldManager: 'applier' }),
    );
    assert.equal(err.code, 409);
    assert.match(err.message, /conflict with "editor"/);
    const forced = api.patch(cm, 'default', 'owned', 'apply', applied, {
      fieldManager: 'applier',
      force: true,
    }).object;
    assert.deepEqual(forced.data, { a: '1', b: '3' });
  });
});
