import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Restore } from '../../api/resources/restore.ts';
import { systemClock } from '../../core/clock.ts';
import { ResultsCollector } from '../../core/results.ts';
import { createPodExec, type PodExec } from '../../kube/exec.ts';
import { type ExecFixture, sleepingPod, startExecFixture } from '../../kube/exec-fixture.ts';
import type { KubeObject } from '../../kube/types.ts';
import { addInitContainerHooks, type HookLogger, RestoreHooks } from './index.ts';

type Line = { level: string; fields: Record<string, unknown>; message: string };

function recorder(): HookLogger & { lines: Line[] } {
  const lines: Line[] = [];
  const at =
    (level: string) =>
    (fields: object, message: string): void => {
      lines.push({ level, fields: fields as Record<string, unknown>, message });
    };
  return { lines, info: at('info'), warn: at('warn'), error: at('error') };
}

function restore(hooks?: NonNullable<Restore['spec']>['hooks']): Restore {
  return {
    apiVersion: 'lifeboat.io/v1',
    kind: 'Restore',
    metadata: { name: 'r1', namespace: 'lifeboat', uid: 'u-1' },
    spec: { backupName: 'b1', hooks },
  } as Restore;
}

describe('RestoreHooks in kubesim pods', () => {
  let fx: ExecFixture;
  let exec: PodExec;

  before(async () => {
    fx = await startExecFixture();
    exec = createPodExec(fx.conn);
  });
  after(async () => {
    await fx?.stop();
  });

  const create = (pod: KubeObject): Promise<KubeObject> =>
    fx.client.create(fx.pods, pod).catch(async (err) => {
      if (!/namespaces "rh" not found/.test(String(err))) throw err;
      await fx.client.create(fx.catalog.resolve('namespaces')!, {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: 'rh' },
      });
      return fx.client.create(fx.pods, pod);
    });

  test('init hooks from the spec and exec hooks from annotations run, in order, output recorded', async () => {
    const spec = restore({
      resources: [
        {
          name: 'seed',
          includedNamespaces: ['rh'],
          postHooks: [
            {
              init: {
                initContainers: [
                  {
                    name: 'seed',
                    image: 'busybox',
                    command: ['sh', '-c', 'echo seeded > /data/init'],
                    volumeMounts: [{ name: 'data', mountPath: '/data' }],
                  },
                ],
              },
            },
          ],
        },
      ],
    });
    const pod = addInitContainerHooks(
      sleepingPod('rh', 'web', {
        annotations: {
          'post.hook.restore.lifeboat.io/command': '["sh","-c","cat /data/init; echo hooked > /data/exec"]',
          'post.hook.restore.lifeboat.io/wait-timeout': '20s',
        },
      }),
      spec,
    );
    const log = recorder();
    const results = new ResultsCollector();
    const hooks = new RestoreHooks({
      restore: spec,
      exec,
      client: fx.client,
      catalog: fx.catalog,
      logger: log,
      results,
      clock: systemClock,
      pollIntervalMs: 50,
    });
    hooks.afterPodCreated(await create(pod));
    assert.deepEqual(await hooks.finished(), { hooksAttempted: 1, hooksFailed: 0 });
    assert.equal(results.errorCount + results.warningCount, 0);
    const finished = log.lines.find((l) => l.message === 'post-restore hook finished');
    assert.equal(
      finished?.fields.stdout,
      'seeded\n',
      'the init hook ran before the exec hook, output logged',
    );
    const r = await exec.exec({
      namespace: 'rh',
      pod: 'web',
      container: 'app',
      command: ['cat', '/data/exec'],
    });
    assert.equal(r.stdout, 'hooked\n');
  });

  test('spec exec hooks: Continue goes on, Fail stops the pod and names pod, hook and stderr', async () => {
    const spec = restore({
      resources: [
        {
          name: 'checks',
          labelSelector: { matchLabels: { app: 'checked' } },
          postHooks: [
            { exec: { command: ['sh', '-c', 'echo soft >&2; exit 2'] } },
            {
              exec: {
                command: ['sh', '-c', 'echo hard failure >&2; exit 5'],
                onError: 'Fail',
                waitForReady: true,
              },
            },
            { exec: { command: ['sh', '-c', 'echo never > /data/never'] } },
          ],
        },
      ],
    });
    const results = new ResultsCollector();
    const hooks = new RestoreHooks({
      restore: spec,
      exec,
      client: fx.client,
      catalog: fx.catalog,
      logger: recorder(),
      results,
      clock: systemClock,
      pollIntervalMs: 50,
    });
    hooks.afterPodCreated(await create(sleepingPod('rh', 'checked', { labels: { app: 'checked' } })));
    assert.deepEqual(await hooks.finished(), { hooksAttempted: 2, hooksFailed: 2 });
    const json = results.toJSON();
    assert.match(
      json.warnings.namespaces?.rh?.[0] ?? '',
      /pod rh\/checked: post-restore hook "checks" .*exit code 2.*soft/,
    );
    assert.equal(json.errors.namespaces?.rh?.length, 1);
    assert.match(
      json.errors.namespaces?.rh?.[0] ?? '',
      /pod rh\/checked: post-restore hook "checks" .*exit code 5.*hard failure/,
    );
    const never = await exec.exec({
      namespace: 'rh',
      pod: 'checked',
      container: 'app',
      command: ['sh', '-c', 'test -e /data/never && echo yes || echo no'],
    });
    assert.equal(never.stdout, 'no\n');
  });

  test('a container that never runs within the (default) wait timeout fails the hook', async () => {
    const spec = restore();
    const results = new ResultsCollector();
    const hooks = new RestoreHooks({
      restore: spec,
      exec,
      client: fx.client,
      catalog: fx.catalog,
      logger: recorder(),
      results,
      clock: systemClock,
      pollIntervalMs: 50,
      defaultWaitTimeoutMs: 400,
    });
    const pod = sleepingPod('rh', 'stuck', {
      annotations: {
        'post.hook.restore.lifeboat.io/command': 'true',
        'post.hook.restore.lifeboat.io/on-error': 'Fail',
      },
    });
    (pod.spec as Record<string, unknown>).initContainers = [
      { name: 'hold', image: 'busybox', command: ['sleep', '30'] },
    ];
    const started = Date.now();
    hooks.afterPodCreated(await create(pod));
    assert.deepEqual(await hooks.finished(), { hooksAttempted: 1, hooksFailed: 1 });
    assert.ok(Date.now() - started < 5000);
    assert.match(
      results.toJSON().errors.namespaces?.rh?.[0] ?? '',
      /was not running within the wait timeout of 400 ms/,
    );
  });

  test('no hooks: nothing runs and finished resolves at once', async () => {
    const hooks = new RestoreHooks({
      restore: restore(),
      exec,
      client: fx.client,
      catalog: fx.catalog,
      logger: recorder(),
      results: new ResultsCollector(),
      clock: systemClock,
    });
    hooks.afterPodCreated(sleepingPod('rh', 'plain'));
    assert.deepEqual(await hooks.finished(), { hooksAttempted: 0, hooksFailed: 0 });
  });
});
