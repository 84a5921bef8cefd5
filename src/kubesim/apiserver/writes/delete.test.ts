/**
 * Deleting through the object service: finalizers, propagation policies, preconditions, what a DELETE
 * answers, dry run, and graceful deletion of pods bound to a node.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { KubeObject } from '../../registry/types.ts';
import { apiErrorOf, configMap, deployment, errorCode, setupService } from '../testing.ts';
import type { Status } from '../types.ts';

describe('delete', () => {
  test('finalizers hold the object with a deletionTimestamp; removing the last one deletes it', () => {
    const { api, cm, clock } = setupService();
    api.create(
      cm,
      'default',
      configMap('held', { metadata: { name: 'held', finalizers: ['example.com/hold'] } }),
    );
    clock.advance(2000);
    const marked = api.delete(cm, 'default', 'held') as KubeObject;
    assert.equal(marked.metadata.deletionTimestamp, '2026-03-01T10:00:02Z');
    assert.equal(marked.metadata.deletionGracePeriodSeconds, 0);
    clock.advance(5000);
    const again = api.delete(cm, 'default', 'held') as KubeObject;
    assert.equal(
      again.metadata.deletionTimestamp,
      '2026-03-01T10:00:02Z',
      'a repeated delete changes nothing',
    );
    const addFinalizer = apiErrorOf(() =>
      api.patch(cm, 'default', 'held', 'merge', { metadata: { finalizers: ['example.com/hold', 'more'] } }),
    );
    assert.equal(addFinalizer.code, 422);
    const events: string[] = [];
    const w = api.watch(cm, { resourceVersion: api.currentResourceVersion() }, (e) => events.push(e.type));
    api.patch(cm, 'default', 'held', 'merge', { metadata: { finalizers: null } });
    w.stop();
    assert.deepEqual(events, ['DELETED']);
    assert.equal(
      errorCode(() => api.get(cm, 'default', 'held')),
      404,
    );
  });

  test('propagation policies add their finalizers; preconditions are checked', () => {
    const { api, deploy } = setupService();
    const d = api.create(deploy, 'default', deployment('fg'));
    api.create(deploy, 'default', deployment('or'));
    assert.equal(
      errorCode(() => api.delete(deploy, 'default', 'fg', { preconditions: { uid: 'other' } })),
      409,
    );
    const fg = api.delete(deploy, 'default', 'fg', {
      propagationPolicy: 'Foreground',
      preconditions: { uid: d.metadata.uid },
    }) as KubeObject;
    assert.deepEqual(fg.metadata.finalizers, ['foregroundDeletion']);
    const or = api.delete(deploy, 'default', 'or', { propagationPolicy: 'Orphan' }) as KubeObject;
    assert.deepEqual(or.metadata.finalizers, ['orphan']);
  });

  test('most kinds answer a Success Status, pods the object; dryRun keeps it', () => {
    const { api, cm, pods } = setupService();
    const c = api.create(cm, 'default', configMap('x'));
    api.delete(cm, 'default', 'x', { dryRun: true });
    assert.ok(api.get(cm, 'default', 'x'));
    const status = api.delete(cm, 'default', 'x') as Status;
    assert.equal(status.kind, 'Status');
    assert.equal(status.status, 'Success');
    assert.deepEqual(status.details, { name: 'x', kind: 'configmaps', uid: c.metadata.uid });
    api.create(pods, 'default', {
      metadata: { name: 'p' },
      spec: { containers: [{ name: 'c', image: 'i' }] },
    });
    const pod = api.delete(pods, 'default', 'p') as KubeObject;
    assert.equal(pod.kind, 'Pod');
    assert.equal(
      errorCode(() => api.get(pods, 'default', 'p')),
      404,
    );
  });

  test('a pod bound to a node terminates gracefully until a grace-0 delete', () => {
    const { api, pods } = setupService();
    api.create(pods, 'default', {
      metadata: { name: 'bound' },
      spec: {
        nodeName: 'node-1',
        terminationGracePeriodSeconds: 10,
        containers: [{ name: 'c', image: 'i' }],
      },
    });
    const marked = api.delete(pods, 'default', 'bound') as KubeObject;
    assert.equal(marked.metadata.deletionGracePeriodSeconds, 10);
    assert.equal(marked.metadata.deletionTimestamp, '2026-03-01T10:00:10Z');
    api.delete(pods, 'default', 'bound', { gracePeriodSeconds: 0 });
    assert.equal(
      errorCode(() => api.get(pods, 'default', 'bound')),
      404,
    );
  });
});
