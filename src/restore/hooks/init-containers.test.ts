import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Restore } from '../../api/resources/restore.ts';
import type { KubeObject } from '../../kube/types.ts';
import { addInitContainerHooks } from './init-containers.ts';
import { resolveRestoreExecHooks } from './resolve.ts';

function restore(hooks?: NonNullable<Restore['spec']>['hooks']): Restore {
  return {
    apiVersion: 'lifeboat.io/v1',
    kind: 'Restore',
    metadata: { name: 'r1', namespace: 'lifeboat' },
    spec: { backupName: 'b1', hooks },
  } as Restore;
}

function pod(annotations: Record<string, string> = {}, initContainers?: { name: string }[]): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { namespace: 'shop-copy', name: 'db-0', annotations, labels: { app: 'db' } },
    spec: { initContainers, containers: [{ name: 'db', image: 'postgres' }] },
  };
}

const specHooks = restore({
  resources: [
    {
      name: 'seed',
      includedNamespaces: ['shop-copy'],
      labelSelector: { matchLabels: { app: 'db' } },
      postHooks: [
        {
          init: { initContainers: [{ name: 'seed', image: 'busybox', command: ['sh', '-c', 'echo seed'] }] },
        },
        {
          exec: {
            command: ['psql', '-c', 'select 1'],
            execTimeout: '1m',
            waitTimeout: '5m',
            waitForReady: true,
          },
        },
        { init: { initContainers: [{ name: 'migrate', image: 'busybox', command: ['true'] }] } },
      ],
    },
    { name: 'elsewhere', includedNamespaces: ['shop'], postHooks: [{ exec: { command: ['no'] } }] },
  ],
});

describe('addInitContainerHooks', () => {
  test('spec init containers go after restore-wait and before the pod’s own, in order', () => {
    const before = pod({}, [{ name: 'restore-wait' }, { name: 'own-init' }]);
    const after = addInitContainerHooks(before, specHooks);
    assert.deepEqual(
      (after.spec as { initContainers: { name: string }[] }).initContainers.map((c) => c.name),
      ['restore-wait', 'seed', 'migrate', 'own-init'],
    );
    assert.deepEqual(
      (before.spec as { initContainers: { name: string }[] }).initContainers.map((c) => c.name),
      ['restore-wait', 'own-init'],
      'the input is not changed',
    );
    assert.equal(addInitContainerHooks(after, specHooks).spec, after.spec, 'not added twice');
  });

  test('annotations win; the name defaults; pods the spec does not match are left alone', () => {
    const annotated = pod({
      'init.hook.restore.lifeboat.io/container-image': 'alpine',
      'init.hook.restore.lifeboat.io/command': '["sh","-c","echo hi"]',
    });
    const after = addInitContainerHooks(annotated, specHooks);
    assert.deepEqual((after.spec as { initContainers: unknown[] }).initContainers, [
      { name: 'lifeboat-restore-init', image: 'alpine', command: ['sh', '-c', 'echo hi'] },
    ]);
    const other = { ...pod(), metadata: { namespace: 'bank', name: 'x' } };
    assert.equal(addInitContainerHooks(other, specHooks), other);
  });
});

describe('resolveRestoreExecHooks', () => {
  test('spec exec hooks with their timeouts, matched on the restored namespace', () => {
    const { hooks, problems } = resolveRestoreExecHooks(pod(), specHooks);
    assert.deepEqual(problems, []);
    assert.deepEqual(hooks, [
      {
        name: 'seed',
        source: 'spec',
        container: undefined,
        command: ['psql', '-c', 'select 1'],
        onError: 'Continue',
        execTimeoutMs: 60_000,
        waitTimeoutMs: 300_000,
        waitForReady: true,
      },
    ]);
  });

  test('annotation exec hooks win, with every field', () => {
    const { hooks, problems } = resolveRestoreExecHooks(
      pod({
        'post.hook.restore.lifeboat.io/command': '["sh","-c","echo done"]',
        'post.hook.restore.lifeboat.io/container': 'db',
        'post.hook.restore.lifeboat.io/on-error': 'Fail',
        'post.hook.restore.lifeboat.io/exec-timeout': '10s',
        'post.hook.restore.lifeboat.io/wait-timeout': 'later',
        'post.hook.restore.lifeboat.io/wait-for-ready': 'true',
      }),
      specHooks,
    );
    assert.deepEqual(hooks, [
      {
        name: '<from-annotation>',
        source: 'annotation',
        container: 'db',
        command: ['sh', '-c', 'echo done'],
        onError: 'Fail',
        execTimeoutMs: 10_000,
        waitTimeoutMs: undefined,
        waitForReady: true,
      },
    ]);
    assert.equal(problems.length, 1);
    assert.match(problems[0], /wait-timeout.*later/);
  });
});
