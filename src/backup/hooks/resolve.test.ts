import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { BackupHooks } from '../../api/shared/hooks.ts';
import type { KubeObject } from '../../kube/types.ts';
import { appliesToPod, resolveBackupHooks } from './resolve.ts';

function pod(
  annotations: Record<string, string> = {},
  labels: Record<string, string> = {},
  ns = 'shop',
): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { namespace: ns, name: 'db-0', annotations, labels } };
}

const spec: BackupHooks = {
  resources: [
    {
      name: 'freeze',
      includedNamespaces: ['sh*'],
      labelSelector: { matchLabels: { app: 'db' } },
      pre: [
        { exec: { command: ['fsfreeze', '--freeze', '/data'], container: 'db', timeout: '2m' } },
        { exec: { command: ['sync'], onError: 'Continue' } },
      ],
      post: [{ exec: { command: ['fsfreeze', '--unfreeze', '/data'] } }],
    },
    { name: 'other-ns', includedNamespaces: ['bank'], pre: [{ exec: { command: ['x'] } }] },
    { name: 'not-pods', includedResources: ['deployments'], pre: [{ exec: { command: ['y'] } }] },
  ],
};

describe('resolveBackupHooks', () => {
  test('annotation hooks: JSON array command, container, on-error, timeout', () => {
    const { hooks, problems } = resolveBackupHooks(
      pod({
        'pre.hook.backup.lifeboat.io/command': '["/bin/sh", "-c", "echo hi > /data/m"]',
        'pre.hook.backup.lifeboat.io/container': 'side',
        'pre.hook.backup.lifeboat.io/on-error': 'Continue',
        'pre.hook.backup.lifeboat.io/timeout': '1m30s',
      }),
      'pre',
      spec,
    );
    assert.deepEqual(problems, []);
    assert.deepEqual(hooks, [
      {
        name: '<from-annotation>',
        source: 'annotation',
        container: 'side',
        command: ['/bin/sh', '-c', 'echo hi > /data/m'],
        onError: 'Continue',
        timeoutMs: 90_000,
      },
    ]);
  });

  test('a plain string command is one argv element; defaults are Fail, 30s and the first container', () => {
    const { hooks } = resolveBackupHooks(
      pod({ 'post.hook.backup.lifeboat.io/command': '/sbin/flush all' }),
      'post',
      undefined,
    );
    assert.deepEqual(hooks, [
      {
        name: '<from-annotation>',
        source: 'annotation',
        container: undefined,
        command: ['/sbin/flush all'],
        onError: 'Fail',
        timeoutMs: 30_000,
      },
    ]);
  });

  test('unreadable values are reported and replaced by defaults', () => {
    const { hooks, problems } = resolveBackupHooks(
      pod({
        'pre.hook.backup.lifeboat.io/command': 'true',
        'pre.hook.backup.lifeboat.io/on-error': 'Ignore',
        'pre.hook.backup.lifeboat.io/timeout': 'soon',
      }),
      'pre',
      undefined,
    );
    assert.equal(hooks[0].onError, 'Fail');
    assert.equal(hooks[0].timeoutMs, 30_000);
    assert.equal(problems.length, 2);
    assert.match(problems[0], /Ignore/);
    assert.match(problems[1], /soon/);
  });

  test('legacy unprefixed annotations are pre hooks only', () => {
    const legacy = pod({ 'hook.backup.lifeboat.io/command': 'sync' });
    assert.deepEqual(
      resolveBackupHooks(legacy, 'pre', undefined).hooks.map((h) => h.command),
      [['sync']],
    );
    assert.deepEqual(resolveBackupHooks(legacy, 'post', undefined).hooks, []);
  });

  test('annotations win over the spec for their phase only', () => {
    const p = pod({ 'pre.hook.backup.lifeboat.io/command': 'true' }, { app: 'db' });
    assert.deepEqual(
      resolveBackupHooks(p, 'pre', spec).hooks.map((h) => h.source),
      ['annotation'],
    );
    assert.deepEqual(
      resolveBackupHooks(p, 'post', spec).hooks.map((h) => [h.name, h.command.join(' ')]),
      [['freeze', 'fsfreeze --unfreeze /data']],
    );
  });

  test('spec hooks of every matching entry, in order, with their settings', () => {
    const { hooks } = resolveBackupHooks(pod({}, { app: 'db' }), 'pre', spec);
    assert.deepEqual(
      hooks.map((h) => [h.name, h.container, h.command[0], h.onError, h.timeoutMs]),
      [
        ['freeze', 'db', 'fsfreeze', 'Fail', 120_000],
        ['freeze', undefined, 'sync', 'Continue', 30_000],
      ],
    );
    assert.deepEqual(resolveBackupHooks(pod({}, { app: 'web' }), 'pre', spec).hooks, []);
  });
});

describe('appliesToPod', () => {
  test('namespaces, resources and labels', () => {
    const base = { name: 'h' };
    assert.equal(appliesToPod(base, pod()), true);
    assert.equal(appliesToPod({ ...base, excludedNamespaces: ['shop'] }, pod()), false);
    assert.equal(appliesToPod({ ...base, includedNamespaces: ['s?op'] }, pod()), true);
    assert.equal(appliesToPod({ ...base, includedResources: ['Pod'] }, pod()), true);
    assert.equal(appliesToPod({ ...base, includedResources: ['po'] }, pod()), true);
    assert.equal(appliesToPod({ ...base, includedResources: ['configmaps'] }, pod()), false);
    assert.equal(appliesToPod({ ...base, excludedResources: ['pods'] }, pod()), false);
    assert.equal(
      appliesToPod(
        {
          ...base,
          labelSelector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }] },
        },
        pod({}, { tier: 'b' }),
      ),
      true,
    );
    assert.equal(
      appliesToPod({ ...base, labelSelector: { matchLabels: { tier: 'c' } } }, pod({}, { tier: 'b' })),
      false,
    );
  });
});
