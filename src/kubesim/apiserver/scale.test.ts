import assert from 'node:assert/strict';
import { test } from 'node:test';
import { replicasOf, selectorString, toScale } from './scale.ts';
import { ApiError } from './types.ts';

test('selectors print as the Scale status carries them', () => {
  assert.equal(selectorString({ matchLabels: { b: '2', a: '1' } }), 'a=1,b=2');
  assert.equal(
    selectorString({
      matchLabels: { app: 'web' },
      matchExpressions: [
        { key: 'tier', operator: 'In', values: ['fe', 'be'] },
        { key: 'legacy', operator: 'DoesNotExist' },
      ],
    }),
    '!legacy,app=web,tier in (be,fe)',
  );
  assert.equal(selectorString({ app: 'rc' }), 'app=rc', 'a ReplicationController selector is a plain map');
  assert.equal(selectorString('x=y'), 'x=y');
  assert.equal(selectorString(undefined), undefined);
});

test('toScale reads replicas at the declared paths', () => {
  const scale = toScale(
    {
      apiVersion: 'example.com/v1',
      kind: 'Widget',
      metadata: { name: 'w', namespace: 'ns', uid: 'u', resourceVersion: '7' },
      spec: { size: { replicas: 3 } },
      status: { count: 2, selector: 'app=w' },
    },
    {
      specReplicasPath: '.spec.size.replicas',
      statusReplicasPath: '.status.count',
      labelSelectorPath: '.status.selector',
    },
  );
  assert.deepEqual(scale, {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name: 'w', namespace: 'ns', uid: 'u', resourceVersion: '7' },
    spec: { replicas: 3 },
    status: { replicas: 2, selector: 'app=w' },
  });
});

test('negative replicas are 422', () => {
  assert.equal(replicasOf({ metadata: {}, spec: { replicas: 4 } }), 4);
  assert.throws(
    () => replicasOf({ metadata: { name: 'web' }, spec: { replicas: -1 } }),
    (err: unknown) => err instanceof ApiError && err.code === 422 && /spec\.replicas/.test(err.message),
  );
});
