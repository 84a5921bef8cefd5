/**
 * The subresources that write another shape than the object: scale, and a namespace's finalize (with the
 * namespace lifecycle it ends).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { KubeObject } from '../../registry/types.ts';
import { deployment, errorCode, setupService } from '../testing.ts';

describe('subresources', () => {
  test('scale reads and writes replicas as autoscaling/v1 Scale', () => {
    const { api, deploy } = setupService();
    api.create(deploy, 'default', deployment('web', 2));
    const scale = api.getScale(deploy, 'default', 'web');
    assert.equal(scale.kind, 'Scale');
    assert.equal(scale.apiVersion, 'autoscaling/v1');
    assert.deepEqual(scale.spec, { replicas: 2 });
    assert.deepEqual(scale.status, { replicas: 0, selector: 'app=web' });
    const after = api.writeScale(deploy, 'default', 'web', {
      patchType: 'merge',
      patch: { spec: { replicas: 5 } },
    });
    assert.deepEqual(after.spec, { replicas: 5 });
    const d = api.get(deploy, 'default', 'web');
    assert.equal((d.spec as { replicas: number }).replicas, 5);
    assert.equal(d.metadata.generation, 2);
  });

  test('namespaces: defaults, protected names, Terminating, finalize', () => {
    const { api, ns } = setupService();
    const created = api.create(ns, undefined, { metadata: { name: 'team' } });
    assert.equal(created.metadata.labels?.['kubernetes.io/metadata.name'], 'team');
    assert.deepEqual(created.spec, { finalizers: ['kubernetes'] });
    assert.deepEqual(created.status, { phase: 'Active' });
    for (const name of ['default', 'kube-system', 'kube-public'])
      assert.equal(
        errorCode(() => api.delete(ns, undefined, name)),
        403,
      );
    const terminating = api.delete(ns, undefined, 'team') as KubeObject;
    assert.equal((terminating.status as { phase: string }).phase, 'Terminating');
    assert.ok(terminating.metadata.deletionTimestamp);
    assert.deepEqual(
      api.list(ns, { fieldSelector: 'status.phase=Terminating' }).items.map((n) => n.metadata.name),
      ['team'],
    );
    const current = api.get(ns, undefined, 'team');
    api.update(ns, undefined, 'team', { ...current, spec: { finalizers: [] } }, { subresource: 'finalize' });
    assert.equal(
      errorCode(() => api.get(ns, undefined, 'team')),
      404,
    );
  });
});
