import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findContainer, selectContainer, terminationGraceMs } from './pod-spec.ts';
import { testPod } from './testing.ts';

test('selectContainer: the requested one, the annotated default, the only one', () => {
  const one = testPod('solo', [{ name: 'main' }]);
  assert.deepEqual(selectContainer(one, undefined), { name: 'main' });
  assert.deepEqual(selectContainer(one, 'main'), { name: 'main' });
  const two = testPod('duo', [{ name: 'a' }, { name: 'b' }], {
    annotations: { 'kubectl.kubernetes.io/default-container': 'b' },
  });
  assert.deepEqual(selectContainer(two, undefined), { name: 'b' });
  assert.deepEqual(selectContainer(two, 'a'), { name: 'a' });
});

test('selectContainer: the API server’s messages when it cannot choose', () => {
  const two = testPod('duo', [{ name: 'a' }, { name: 'b' }], {
    annotations: { 'kubectl.kubernetes.io/default-container': 'gone' },
  });
  assert.deepEqual(selectContainer(two, undefined), {
    error: 'a container name must be specified for pod duo, choose one of: [a b]',
  });
  (two.spec as { initContainers: unknown[] }).initContainers = [{ name: 'i1' }, { name: 'i2' }];
  assert.deepEqual(selectContainer(two, undefined), {
    error:
      'a container name must be specified for pod duo, choose one of: [a b] or one of the init containers: [i1 i2]',
  });
  assert.deepEqual(selectContainer(two, 'i2'), { name: 'i2' });
  assert.deepEqual(selectContainer(two, 'zzz'), { error: 'container zzz is not valid for pod duo' });
  assert.deepEqual(selectContainer(testPod('none', []), undefined), {
    error: 'a container name must be specified for pod none',
  });
});

test('findContainer tells the kind; grace period defaults to 30 s', () => {
  const pod = testPod('p', [{ name: 'main' }]);
  (pod.spec as { initContainers: unknown[] }).initContainers = [{ name: 'init' }];
  assert.equal(findContainer(pod, 'init')?.kind, 'init');
  assert.equal(findContainer(pod, 'main')?.kind, 'regular');
  assert.equal(findContainer(pod, 'x'), undefined);
  assert.equal(terminationGraceMs(pod), 1000);
  delete (pod.spec as { terminationGracePeriodSeconds?: number }).terminationGracePeriodSeconds;
  assert.equal(terminationGraceMs(pod), 30_000);
});
