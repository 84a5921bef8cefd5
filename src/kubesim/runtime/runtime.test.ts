/**
 * The runtime's pod lifecycle through createContainerRuntime: which isolation it picks (default, rootless,
 * forced fallback), container logs and exits, stopping with grace periods, restarts and init containers.
 * Exec against running containers is tested in container-exec.test.ts, attach in http.test.ts.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ManualClock } from '../../core/clock.ts';
import { createContainerRuntime } from './runtime.ts';
import { execText, testPod } from './testing.ts';
import type { ContainerRuntime } from './types.ts';

/** Whether this host lets us build mount namespaces, checked independently of the runtime's own probe. */
function hostCanUnshare(): boolean {
  if (process.getuid?.() !== 0) return false;
  return spawnSync('unshare', ['--mount', '--pid', '--fork', 'true']).status === 0;
}

const root = mkdtempSync(join(tmpdir(), 'kubesim-runtime-test-'));
after(() => rmSync(root, { recursive: true, force: true }));

describe('container runtime with its default isolation', () => {
  let runtime: ContainerRuntime;
  const exits: [string, string, number][] = [];
  const volume = join(root, 'volume');

  before(async () => {
    rmSync(volume, { recursive: true, force: true });
    spawnSync('mkdir', ['-p', volume]);
    runtime = await createContainerRuntime({ dataDir: join(root, 'data'), maxGracePeriodMs: 2000 });
    runtime.onContainerExit((uid, container, code) => exits.push([uid, container, code]));
  });
  after(() => runtime.close());

  test('isolation matches what the host allows', () => {
    assert.equal(runtime.isolation, hostCanUnshare() ? 'mount-namespace' : 'none');
  });

  test('real containers log and report their exit; simulated ones log a start line', async () => {
    const pod = testPod('job', [
      {
        name: 'task',
        image: 'busybox',
        command: ['sh', '-c'],
        args: ['echo starting; echo trouble >&2; exit 4'],
      },
      { name: 'web', image: 'nginx:1.27' },
    ]);
    const uid = pod.metadata.uid!;
    await runtime.startPod(pod, {});
    const deadline = Date.now() + 5000;
    while (!exits.some(([u]) => u === uid) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(
      exits.filter(([u]) => u === uid),
      [[uid, 'task', 4]],
    );
    const task = runtime.logs(uid, 'task') ?? [];
    assert.deepEqual(
      task.map((e) => [e.line, e.stream]),
      [
        ['starting', 'stdout'],
        ['trouble', 'stderr'],
      ],
    );
    for (const e of task) assert.match(e.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
    assert.deepEqual(
      runtime.logs(uid, 'web')?.map((e) => e.line),
      ['kubesim: started container web (image nginx:1.27)'],
    );
    const info = runtime.containers?.(uid) ?? [];
    assert.deepEqual(
      info.map((c) => [c.name, c.state, c.exitCode, c.simulated]),
      [
        ['task', 'terminated', 4, false],
        ['web', 'running', undefined, true],
      ],
    );
    assert.equal(runtime.logs(uid, 'task', { previous: true }), undefined);
    await runtime.restartContainer?.(uid, 'task');
    assert.deepEqual(
      runtime.logs(uid, 'task', { previous: true })?.map((e) => e.line),
      ['starting', 'trouble'],
    );
    assert.equal(runtime.containers?.(uid)?.find((c) => c.name === 'task')?.restartCount, 1);
    await runtime.stopPod(uid);
  });

  test('stopPod stops real processes, ends followers and reports no exit', async () => {
    const pod = testPod('sleeper', [
      { name: 'main', image: 'busybox', command: ['sh', '-c', 'echo up; exec sleep 1000'] },
    ]);
    const uid = pod.metadata.uid!;
    await runtime.startPod(pod, {});
    let ended = false;
    const lines: string[] = [];
    runtime.followLogs(
      uid,
      'main',
      (e) => lines.push(e.line),
      () => {
        ended = true;
      },
    );
    const deadline = Date.now() + 5000;
    while ((runtime.logs(uid, 'main')?.length ?? 0) === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const started = Date.now();
    await runtime.stopPod(uid);
    assert.ok(Date.now() - started < 1500, 'sleep dies on SIGTERM, well within the grace period');
    assert.equal(ended, true);
    assert.deepEqual(lines, ['up']);
    assert.deepEqual(
      exits.filter(([u]) => u === uid),
      [],
    );
    await assert.rejects(
      runtime.exec({ podUid: uid, container: 'main', command: ['true'] }),
      /container not found \("main"\)/,
    );
  });

  test('a pod started again while it is being stopped starts afresh', async () => {
    const pod = testPod('again', [
      { name: 'main', image: 'busybox', command: ['sh', '-c', 'echo up; exec sleep 1000'] },
    ]);
    const uid = pod.metadata.uid!;
    await runtime.startPod(pod, {});
    const stopping = runtime.stopPod(uid);
    const restarting = runtime.startPod(pod, {});
    await Promise.all([stopping, restarting]);
    assert.equal(runtime.containers?.(uid)?.[0].state, 'running');
    const r = await execText(runtime, { podUid: uid, container: 'main', command: ['echo', 'alive'] });
    assert.equal(r.stdout, 'alive\n');
    await runtime.stopPod(uid);
    assert.equal(runtime.containers?.(uid), undefined);
  });

  test('a process that ignores SIGTERM is killed after the grace period', async () => {
    const pod = testPod('stubborn', [
      {
        name: 'main',
        image: 'busybox',
        command: ['sh', '-c', 'trap "" TERM; echo up; while :; do sleep 1; done'],
      },
    ]);
    const uid = pod.metadata.uid!;
    await runtime.startPod(pod, {});
    const deadline = Date.now() + 5000;
    while ((runtime.logs(uid, 'main')?.length ?? 0) === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const started = Date.now();
    await runtime.stopPod(uid, { gracePeriodMs: 300 });
    const took = Date.now() - started;
    assert.ok(took >= 250 && took < 3000, `stopped after the grace period (${took} ms)`);
  });

  test('an init container runs to completion in the sandbox', async () => {
    const pod = testPod('with-init', [{ name: 'main', image: 'app:1' }]);
    (pod.spec as { initContainers: unknown[] }).initContainers = [
      {
        name: 'prepare',
        image: 'busybox',
        command: ['sh', '-c', 'echo prepared > "$(DATA_DIR)/init.txt"; echo done'],
        env: [{ name: 'DATA_DIR', value: '/data' }],
      },
      { name: 'restore-wait', image: 'lifeboat/restore-helper:1' },
    ];
    const uid = pod.metadata.uid!;
    const initMounts = {
      prepare: [{ volume: 'data', hostPath: volume, mountPath: '/data', readOnly: false }],
    };
    if (runtime.isolation === 'none') {
      (pod.spec as { initContainers: { env: { value: string }[] }[] }).initContainers[0].env[0].value = join(
        root,
        'volume',
      );
    }
    const first = await runtime.runInitContainer?.(pod, initMounts, 'prepare');
    assert.deepEqual(first, { exitCode: 0 });
    assert.equal(readFileSync(join(volume, 'init.txt'), 'utf8'), 'prepared\n');
    assert.deepEqual(
      runtime.logs(uid, 'prepare')?.map((e) => e.line),
      ['done'],
    );
    assert.deepEqual(await runtime.runInitContainer?.(pod, initMounts, 'restore-wait'), { exitCode: 0 });
    await runtime.startPod(pod, initMounts);
    assert.deepEqual(
      runtime.containers?.(uid)?.map((c) => [c.name, c.state]),
      [
        ['prepare', 'terminated'],
        ['restore-wait', 'terminated'],
        ['main', 'running'],
      ],
    );
    await runtime.stopPod(uid);
  });
});

describe('container runtime in a user namespace (the rootless path)', () => {
  let runtime: ContainerRuntime;
  const volume = join(root, 'rootless-volume');

  before(async () => {
    spawnSync('mkdir', ['-p', volume]);
    writeFileSync(join(volume, 'in.txt'), 'rootless data\n');
    runtime = await createContainerRuntime({ dataDir: join(root, 'rootless'), rootless: true });
  });
  after(() => runtime.close());

  test('volumes at their mount paths, host name, exit codes', async () => {
    const userns =
      spawnSync('unshare', ['--user', '--map-root-user', '--mount', '--pid', '--fork', 'true']).status === 0;
    assert.equal(runtime.isolation, userns ? 'mount-namespace' : 'none');
    const pod = testPod('rootless-0', [{ name: 'main', image: 'app:1' }]);
    await runtime.startPod(pod, {
      main: [{ volume: 'data', hostPath: volume, mountPath: '/srv/data', readOnly: false }],
    });
    const data = runtime.isolation === 'mount-namespace' ? '/srv/data' : '"$KUBESIM_ROOT/srv/data"';
    const r = await execText(runtime, {
      podUid: pod.metadata.uid!,
      container: 'main',
      command: ['sh', '-c', `cat ${data}/in.txt; echo out > ${data}/out.txt; hostname; exit 5`],
    });
    assert.deepEqual(r, { exitCode: 5, stdout: 'rootless data\nrootless-0\n', stderr: '' });
    assert.equal(readFileSync(join(volume, 'out.txt'), 'utf8'), 'out\n');
    await runtime.stopPod(pod.metadata.uid!);
  });
});

describe('container runtime forced into the fallback', () => {
  let runtime: ContainerRuntime;
  const volume = join(root, 'fallback-volume');

  before(async () => {
    spawnSync('mkdir', ['-p', volume]);
    writeFileSync(join(volume, 'in.txt'), 'fallback data\n');
    runtime = await createContainerRuntime({
      dataDir: join(root, 'fallback'),
      isolation: 'none',
      clock: new ManualClock('2026-03-01T10:00:00Z'),
    });
  });
  after(() => runtime.close());

  test('volumes are reachable through $KUBESIM_ROOT and $KUBESIM_VOLUME_<NAME>', async () => {
    assert.equal(runtime.isolation, 'none');
    const pod = testPod('web-0', [{ name: 'main', image: 'nginx:1.27' }]);
    await runtime.startPod(pod, {
      main: [{ volume: 'my-data', hostPath: volume, mountPath: '/usr/share/data', readOnly: false }],
    });
    const r = await execText(runtime, {
      podUid: pod.metadata.uid!,
      container: 'main',
      command: [
        'sh',
        '-c',
        'cat "$KUBESIM_ROOT/usr/share/data/in.txt"; echo back > "$KUBESIM_VOLUME_MY_DATA/out.txt"; echo $HOSTNAME',
      ],
    });
    assert.deepEqual(r, { exitCode: 0, stdout: 'fallback data\nweb-0\n', stderr: '' });
    assert.equal(readFileSync(join(volume, 'out.txt'), 'utf8'), 'back\n');
    assert.match(runtime.logs(pod.metadata.uid!, 'main')?.[0].time ?? '', /^2026-03-01T10:00:00\.000\d{6}Z$/);
    assert.equal(runtime.containers?.(pod.metadata.uid!)?.[0].startedAt, '2026-03-01T10:00:00Z');
    await runtime.stopPod(pod.metadata.uid!);
  });
});
