/**
 * Issue 5's proof for hooks, end to end on kubesim with its cluster running: real pods, commands run through
 * `pods/exec` in their sandboxes, the backup engine with the volume session and the hook runner as the server
 * wires them, storage in a temporary fs location. A pre hook writes a marker into the pod's volume before the
 * pod is backed up and a post hook runs after; a failing `Fail` hook makes the backup PartiallyFailed naming
 * the pod and the hook's stderr (results file and log); restore init and exec hooks run and are recorded.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { pino } from 'pino';
import type { Backup } from '../../src/api/resources/backup.ts';
import type { Restore } from '../../src/api/resources/restore.ts';
import { runBackup } from '../../src/backup/index.ts';
import { systemClock } from '../../src/core/clock.ts';
import { createPodExec, type PodExec } from '../../src/kube/exec.ts';
import { type ExecFixture, sleepingPod, startExecFixture } from '../../src/kube/exec-fixture.ts';
import { ensureCrds } from '../../src/kube/lifeboat-client.ts';
import { restoreHookServices } from '../../src/restore/hooks/index.ts';
import { runRestore } from '../../src/restore/index.ts';
import { createObjectStore, type ObjectStore } from '../../src/storage/index.ts';
import { backupKeys, restoreKeys } from '../../src/storage/layout.ts';
import { backupVolumeServices, restoreVolumeServices } from '../../src/volumes/engine-services.ts';

const SERVER_NS = 'lifeboat';
const silent = pino({ level: 'silent' });
const APP = 'hooks-app';
const RESTORED = 'hooks-restored';

type LogLine = { level: number; msg: string; hook?: string; pod?: string; stdout?: string; stderr?: string };

describe('hooks end to end on kubesim', () => {
  let fx: ExecFixture;
  let exec: PodExec;
  let store: ObjectStore;
  let root: string;

  before(async () => {
    fx = await startExecFixture();
    exec = createPodExec(fx.conn);
    await ensureCrds(fx.client);
    root = mkdtempSync(join(tmpdir(), 'hooks-e2e-'));
    store = await createObjectStore('fs', 'backups', undefined, { root });
    await fx.client.create(fx.catalog.resolve('namespaces')!, {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: SERVER_NS },
    });
    await Promise.all([
      fx.runPod(
        sleepingPod(APP, 'db', {
          labels: { app: 'db' },
          annotations: {
            'pre.hook.backup.lifeboat.io/command':
              '["sh","-c","date +%s%N > /data/marker; echo quiesced; echo pre-stderr >&2"]',
            'post.hook.backup.lifeboat.io/command':
              '["sh","-c","test -f /data/marker && echo resumed > /data/after"]',
          },
        }),
      ),
      fx.runPod(
        sleepingPod(APP, 'broken', {
          annotations: {
            'pre.hook.backup.lifeboat.io/command': '["sh","-c","echo cannot quiesce the store >&2; exit 9"]',
            'pre.hook.backup.lifeboat.io/on-error': 'Fail',
          },
        }),
      ),
    ]);
  });
  after(async () => {
    await fx?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  const podFile = async (pod: string, file: string): Promise<string> =>
    (
      await exec.exec({
        namespace: APP,
        pod,
        container: 'app',
        command: ['sh', '-c', `cat ${file} 2>/dev/null || echo missing`],
      })
    ).stdout.trim();

  async function backUp(name: string, spec: Backup['spec']): Promise<Backup['status']> {
    const backup = {
      apiVersion: 'lifeboat.io/v1',
      kind: 'Backup',
      metadata: { name, namespace: SERVER_NS, uid: `uid-${name}` },
      spec,
    } as Backup;
    const { status } = await runBackup(backup, {
      catalog: fx.catalog,
      client: fx.client,
      store,
      logger: silent,
      clock: systemClock,
      volumes: backupVolumeServices(
        { client: fx.client, catalog: fx.catalog, clock: systemClock, logger: silent },
        { namespace: SERVER_NS, exec, podVolumeTimeoutMs: 30_000 },
      ),
    });
    return status;
  }

  const gz = async (key: string): Promise<string> => gunzipSync(await readAll(store, key)).toString();

  test('pre hook before the pod’s volume work, post hook after it; a Fail hook gives PartiallyFailed naming pod and stderr', async () => {
    const status = await backUp('with-hooks', { includedNamespaces: [APP] });
    assert.equal(status?.phase, 'PartiallyFailed', JSON.stringify(status));
    assert.deepEqual(status?.hookStatus, { hooksAttempted: 3, hooksFailed: 1 });

    // The hooks' effects in the pod's volume: the marker from pre, and post ran after it.
    assert.match(await podFile('db', '/data/marker'), /^\d+$/);
    assert.equal(await podFile('db', '/data/after'), 'resumed');

    const keys = backupKeys('with-hooks');
    const results = JSON.parse(await gz(keys.results)) as {
      errors: { namespaces?: Record<string, string[]> };
    };
    const errors = results.errors.namespaces?.[APP] ?? [];
    assert.equal(errors.length, 1, JSON.stringify(results));
    assert.match(errors[0], /pod hooks-app\/broken: pre hook "<from-annotation>" failed/);
    assert.match(errors[0], /exit code 9; stderr: cannot quiesce the store/);

    const log = (await gz(keys.log))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as LogLine);
    const index = (pred: (l: LogLine) => boolean): number => log.findIndex(pred);
    const preDone = index((l) => l.msg === 'pre hook finished' && l.pod === 'db');
    const postDone = index((l) => l.msg === 'post hook finished' && l.pod === 'db');
    const volumesDone = index((l) => l.msg === 'volume work finished');
    assert.ok(preDone >= 0 && postDone > preDone && volumesDone > postDone, 'pre, then post, then the end');
    assert.equal(log[preDone].stdout, 'quiesced\n', 'hook output is in the backup log');
    assert.equal(log[preDone].stderr, 'pre-stderr\n');
    assert.ok(
      log.some(
        (l) => l.level >= 50 && l.msg.includes('broken') && l.msg.includes('cannot quiesce the store'),
      ),
      'the failure is an error line of the backup log',
    );
    assert.equal(
      index((l) => l.msg === 'post hook finished' && l.pod === 'broken'),
      -1,
    );

    // The pod whose Fail hook failed is left out of the backup, as Velero leaves it out; its sibling is in.
    const listed = JSON.parse(await gz(keys.resourceList)) as Record<string, string[]>;
    assert.ok(listed['v1/Pod']?.includes(`${APP}/db`), JSON.stringify(listed));
    assert.ok(!listed['v1/Pod']?.includes(`${APP}/broken`), JSON.stringify(listed));
  });

  test('annotation hooks win over matching spec hooks for their pod and phase', async () => {
    const status = await backUp('spec-hooks', {
      includedNamespaces: [APP],
      hooks: {
        resources: [
          {
            name: 'flush',
            labelSelector: { matchLabels: { app: 'db' } },
            post: [{ exec: { command: ['sh', '-c', 'echo flushed > /data/flushed'], timeout: '10s' } }],
          },
        ],
      },
    });
    // db: annotations for pre and post win over the spec; broken fails its pre hook again.
    assert.equal(status?.phase, 'PartiallyFailed');
    assert.equal(await podFile('db', '/data/flushed'), 'missing');
    assert.deepEqual(status?.hookStatus, { hooksAttempted: 3, hooksFailed: 1 });
  });

  test('restore: init and exec hooks run in the restored pod, their output in the restore log, counts in hookStatus', async () => {
    const restore = {
      apiVersion: 'lifeboat.io/v1',
      kind: 'Restore',
      metadata: { name: 'r-hooks', namespace: SERVER_NS, uid: 'uid-r-hooks' },
      spec: {
        backupName: 'with-hooks',
        includedResources: ['pods'],
        namespaceMapping: { [APP]: RESTORED },
        hooks: {
          resources: [
            {
              name: 'seed',
              includedNamespaces: [RESTORED],
              labelSelector: { matchLabels: { app: 'db' } },
              postHooks: [
                {
                  init: {
                    initContainers: [
                      {
                        name: 'seed',
                        image: 'busybox',
                        command: ['sh', '-c', 'echo seeded-by-init > /data/seed'],
                        volumeMounts: [{ name: 'data', mountPath: '/data' }],
                      },
                    ],
                  },
                },
                { exec: { command: ['sh', '-c', 'cat /data/seed'], onError: 'Fail', waitTimeout: '20s' } },
                { exec: { command: ['sh', '-c', 'echo not-fatal >&2; exit 1'] } },
              ],
            },
          ],
        },
      },
    } as Restore;
    const run = { client: fx.client, catalog: fx.catalog, clock: systemClock, logger: silent };
    const { status } = await runRestore(restore, {
      catalog: fx.catalog,
      client: fx.client,
      store,
      serverNamespace: SERVER_NS,
      logger: silent,
      clock: systemClock,
      volumes: {
        ...restoreVolumeServices(run, { namespace: SERVER_NS, podVolumeTimeoutMs: 30_000 }),
        ...restoreHookServices({ exec, client: fx.client, catalog: fx.catalog, clock: systemClock }),
      },
    });
    assert.deepEqual(status.hookStatus, { hooksAttempted: 2, hooksFailed: 1 }, JSON.stringify(status));
    assert.equal(status.errors ?? 0, 0, JSON.stringify(status));
    assert.equal(status.phase, 'Completed');

    const pod = await fx.client.get(fx.pods, RESTORED, 'db');
    assert.deepEqual(
      (((pod?.spec ?? {}) as { initContainers?: { name: string }[] }).initContainers ?? []).map(
        (c) => c.name,
      ),
      ['seed'],
    );
    const keys = restoreKeys('r-hooks');
    const log = (await gz(keys.log))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as LogLine & { exitCode?: number });
    const finished = log.filter((l) => l.msg === 'post-restore hook finished');
    assert.deepEqual(
      finished.map((l) => [l.pod, l.exitCode, l.stdout, l.stderr]),
      [
        ['db', 0, 'seeded-by-init\n', ''],
        ['db', 1, '', 'not-fatal\n'],
      ],
    );
    const results = JSON.parse(await gz(keys.results)) as {
      warnings: { namespaces?: Record<string, string[]> };
    };
    assert.ok(
      (results.warnings.namespaces?.[RESTORED] ?? []).some((w) =>
        /pod hooks-restored\/db: post-restore hook "seed" .*exit code 1.*not-fatal/.test(w),
      ),
      JSON.stringify(results),
    );
  });
});

async function readAll(store: ObjectStore, key: string): Promise<Buffer> {
  const body = await store.get(key);
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Buffer>) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}
