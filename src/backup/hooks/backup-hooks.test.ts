import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Backup } from '../../api/resources/backup.ts';
import { systemClock } from '../../core/clock.ts';
import { ResultsCollector } from '../../core/results.ts';
import { createPodExec, type PodExec } from '../../kube/exec.ts';
import { type ExecFixture, sleepingPod, startExecFixture } from '../../kube/exec-fixture.ts';
import type { KubeObject } from '../../kube/types.ts';
import { BackupHooks, type HookLogger } from './index.ts';

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

function backup(hooks?: NonNullable<Backup['spec']>['hooks']): Backup {
  return {
    apiVersion: 'lifeboat.io/v1',
    kind: 'Backup',
    metadata: { name: 'b1', namespace: 'lifeboat' },
    spec: { hooks },
  } as Backup;
}

describe('BackupHooks in kubesim pods', () => {
  let fx: ExecFixture;
  let exec: PodExec;
  const running = new Map<string, KubeObject>();

  before(async () => {
    fx = await startExecFixture();
    exec = createPodExec(fx.conn);
    const pods = [
      sleepingPod('hk', 'annotated', {
        containers: ['app', 'side'],
        annotations: {
          'pre.hook.backup.lifeboat.io/command': '["sh","-c","echo frozen > /data/pre; echo pre-out"]',
          'pre.hook.backup.lifeboat.io/container': 'side',
          'post.hook.backup.lifeboat.io/command':
            '["sh","-c","test -f /data/pre && echo thawed > /data/post"]',
        },
      }),
      sleepingPod('hk', 'failing', {
        annotations: {
          'pre.hook.backup.lifeboat.io/command': '["sh","-c","echo cannot freeze the database >&2; exit 4"]',
          'post.hook.backup.lifeboat.io/command': '["sh","-c","echo should-not-run > /data/post"]',
        },
      }),
      sleepingPod('hk', 'spec-hooks', { labels: { app: 'db' } }),
      sleepingPod('hk', 'slow', {
        annotations: {
          'pre.hook.backup.lifeboat.io/command': '["sleep","20"]',
          'pre.hook.backup.lifeboat.io/timeout': '300ms',
        },
      }),
    ];
    for (const p of await Promise.all(pods.map((p) => fx.runPod(p)))) running.set(p.metadata?.name ?? '', p);
  });
  after(async () => {
    await fx?.stop();
  });

  const cat = async (pod: string, file: string): Promise<string> =>
    (
      await exec.exec({
        namespace: 'hk',
        pod,
        container: 'app',
        command: ['sh', '-c', `cat ${file} 2>/dev/null || true`],
      })
    ).stdout;

  test('annotation pre and post hooks run in their container, in order, output in the log', async () => {
    const log = recorder();
    const results = new ResultsCollector();
    const hooks = new BackupHooks({ backup: backup(), exec, logger: log, results, clock: systemClock });
    const pod = running.get('annotated')!;
    assert.deepEqual(await hooks.pre(pod), { proceed: true });
    assert.equal(await cat('annotated', '/data/pre'), 'frozen\n');
    assert.equal(await cat('annotated', '/data/post'), '');
    await hooks.post(pod);
    assert.equal(await cat('annotated', '/data/post'), 'thawed\n');
    assert.deepEqual(hooks.status(), { hooksAttempted: 2, hooksFailed: 0 });
    assert.equal(results.errorCount + results.warningCount, 0);
    const finished = log.lines.filter((l) => l.message.endsWith('hook finished'));
    assert.deepEqual(
      finished.map((l) => [l.message, l.fields.container, l.fields.exitCode, l.fields.stdout]),
      [
        ['pre hook finished', 'side', 0, 'pre-out\n'],
        ['post hook finished', 'app', 0, ''],
      ],
    );
  });

  test('a failing Fail hook: proceed false, an error naming pod, hook and stderr, no post hooks', async () => {
    const log = recorder();
    const results = new ResultsCollector();
    const hooks = new BackupHooks({ backup: backup(), exec, logger: log, results, clock: systemClock });
    const pod = running.get('failing')!;
    assert.deepEqual(await hooks.pre(pod), { proceed: false });
    await hooks.post(pod);
    assert.equal(await cat('failing', '/data/post'), '', 'post hook must not run');
    assert.deepEqual(hooks.status(), { hooksAttempted: 1, hooksFailed: 1 });
    const errors = results.toJSON().errors.namespaces?.hk ?? [];
    assert.equal(errors.length, 1);
    assert.match(errors[0], /pod hk\/failing: pre hook "<from-annotation>" failed/);
    assert.match(errors[0], /exit code 4/);
    assert.match(errors[0], /stderr: cannot freeze the database/);
    assert.ok(log.lines.some((l) => l.level === 'error' && l.message.includes('cannot freeze the database')));
  });

  test('spec hooks by label selector; Continue failures are warnings and the next hook runs', async () => {
    const log = recorder();
    const results = new ResultsCollector();
    const hooks = new BackupHooks({
      backup: backup({
        resources: [
          {
            name: 'db-hooks',
            includedNamespaces: ['hk'],
            labelSelector: { matchLabels: { app: 'db' } },
            pre: [
              { exec: { command: ['sh', '-c', 'echo soft >&2; exit 1'], onError: 'Continue' } },
              { exec: { command: ['sh', '-c', 'echo second > /data/second'] } },
            ],
          },
        ],
      }),
      exec,
      logger: log,
      results,
      clock: systemClock,
    });
    assert.deepEqual(await hooks.pre(running.get('spec-hooks')!), { proceed: true });
    assert.deepEqual(await hooks.pre(running.get('annotated')!), { proceed: true }, 'annotation hook wins');
    assert.equal(await cat('spec-hooks', '/data/second'), 'second\n');
    assert.equal(results.errorCount, 0);
    assert.match(results.toJSON().warnings.namespaces?.hk?.[0] ?? '', /db-hooks.*exit code 1.*soft/);
    assert.deepEqual(hooks.status(), { hooksAttempted: 3, hooksFailed: 1 });
  });

  test('timeouts are enforced', async () => {
    const results = new ResultsCollector();
    const hooks = new BackupHooks({
      backup: backup(),
      exec,
      logger: recorder(),
      results,
      clock: systemClock,
    });
    const started = Date.now();
    assert.deepEqual(await hooks.pre(running.get('slow')!), { proceed: false });
    assert.ok(Date.now() - started < 5000);
    assert.match(results.toJSON().errors.namespaces?.hk?.[0] ?? '', /timed out after 300 ms/);
  });

  test('pods that are not running, and missing containers', async () => {
    const log = recorder();
    const results = new ResultsCollector();
    const hooks = new BackupHooks({ backup: backup(), exec, logger: log, results, clock: systemClock });
    const done = { ...running.get('failing')!, status: { phase: 'Succeeded' } };
    assert.deepEqual(await hooks.pre(done), { proceed: true });
    assert.ok(log.lines.some((l) => l.message === 'pre hooks skipped: the pod is not running'));
    const wrong = structuredClone(running.get('failing')!);
    // Another pod: a pod's pre hooks run once per backup, and a second ask gets the first answer.
    wrong.metadata!.name = 'failing-elsewhere';
    wrong.metadata!.annotations!['pre.hook.backup.lifeboat.io/container'] = 'nope';
    assert.deepEqual(await hooks.pre(wrong), { proceed: false });
    assert.match(results.toJSON().errors.namespaces?.hk?.[0] ?? '', /no container "nope"/);
    assert.deepEqual(await hooks.pre(wrong), { proceed: false });
    assert.equal(results.toJSON().errors.namespaces?.hk?.length, 1, 'asked twice, run once');
  });
});
