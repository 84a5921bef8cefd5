/**
 * Exec against running containers through the runtime: volumes at their mount paths, the sandbox's own host
 * name, /etc and /tmp, exit codes, stdin, environment, working directory, a terminal, programs that cannot run,
 * and aborts. One runtime with the host's default isolation serves every test.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { createContainerRuntime } from './runtime.ts';
import { execText, testPod, textSink } from './testing.ts';
import type { ContainerRuntime, PodMount } from './types.ts';

const root = mkdtempSync(join(tmpdir(), 'kubesim-exec-test-'));
after(() => rmSync(root, { recursive: true, force: true }));

describe('exec in a running container', () => {
  let runtime: ContainerRuntime;
  const volume = join(root, 'volume');
  const readOnly = join(root, 'readonly');
  const mounts = (): Record<string, PodMount[]> => ({
    main: [
      { volume: 'data', hostPath: volume, mountPath: '/data', readOnly: false },
      { volume: 'config', hostPath: readOnly, mountPath: '/etc/app-config', readOnly: true },
    ],
  });

  before(async () => {
    spawnSync('mkdir', ['-p', volume, readOnly]);
    writeFileSync(join(volume, 'in.txt'), 'written on the host\n');
    writeFileSync(join(readOnly, 'setting'), 'on\n');
    runtime = await createContainerRuntime({ dataDir: join(root, 'data'), maxGracePeriodMs: 2000 });
  });
  after(() => runtime.close());

  test('an exec sees the volume at its mount path and writes back to the host', async () => {
    const pod = testPod('web-0', [{ name: 'main', image: 'nginx:1.27' }]);
    await runtime.startPod(pod, mounts());
    const data = runtime.isolation === 'mount-namespace' ? '/data' : '"$KUBESIM_ROOT/data"';
    const r = await execText(runtime, {
      podUid: pod.metadata.uid!,
      container: 'main',
      command: ['sh', '-c', `cat ${data}/in.txt; echo from the pod > ${data}/out.txt`],
    });
    assert.deepEqual(r, { exitCode: 0, stdout: 'written on the host\n', stderr: '' });
    assert.equal(readFileSync(join(volume, 'out.txt'), 'utf8'), 'from the pod\n');
    await runtime.stopPod(pod.metadata.uid!);
  });

  test('the sandbox has its own host name, /etc and /tmp, and honours read-only mounts', async (t) => {
    if (runtime.isolation !== 'mount-namespace') {
      t.diagnostic('isolation none: the fallback shares the host, nothing of this applies');
      assert.equal(runtime.isolation, 'none');
      return;
    }
    const pod = testPod('db-0', [{ name: 'main', image: 'postgres:16' }]);
    await runtime.startPod(pod, mounts());
    const r = await execText(runtime, {
      podUid: pod.metadata.uid!,
      container: 'main',
      command: [
        'sh',
        '-c',
        'hostname; cat /etc/app-config/setting; echo x > /etc/app-config/new 2>/dev/null || echo read-only; ' +
          'echo kept > /etc/kubesim-test-marker; cat /etc/kubesim-test-marker; ls /tmp | wc -l; grep -c db-0 /etc/hosts',
      ],
    });
    assert.equal(r.stdout, 'db-0\non\nread-only\nkept\n0\n1\n');
    assert.equal(existsSync('/etc/kubesim-test-marker'), false, 'writes to /etc stay in the sandbox');
    assert.equal(existsSync(join(readOnly, 'new')), false);
    await runtime.stopPod(pod.metadata.uid!);
  });

  test('exit codes, stderr, stdin, env and working directory', async () => {
    const pod = testPod('app', [
      {
        name: 'main',
        image: 'app:1',
        workingDir: '/work/dir',
        env: [
          { name: 'GREETING', value: 'hello' },
          { name: 'MESSAGE', value: '$(GREETING) world' },
          { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
          { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
        ],
      },
    ]);
    const uid = pod.metadata.uid!;
    await runtime.startPod(pod, {});
    const failing = await execText(runtime, {
      podUid: uid,
      container: 'main',
      command: ['sh', '-c', 'echo out; echo err >&2; exit 3'],
    });
    assert.deepEqual(failing, { exitCode: 3, stdout: 'out\n', stderr: 'err\n' });

    const env = await execText(runtime, {
      podUid: uid,
      container: 'main',
      command: ['sh', '-c', 'echo "$HOSTNAME|$MESSAGE|$POD_NAMESPACE|$POD_IP"; pwd'],
    });
    const cwd = runtime.isolation === 'mount-namespace' ? '/work/dir' : `${join(root, 'data')}/`;
    assert.equal(env.stdout.split('\n')[0], 'app|hello world|default|10.244.1.7');
    assert.ok(
      env.stdout.split('\n')[1].endsWith(runtime.isolation === 'mount-namespace' ? cwd : '/work/dir'),
    );

    const piped = await execText(runtime, {
      podUid: uid,
      container: 'main',
      command: ['cat'],
      stdin: Readable.from([Buffer.from('line one\n'), Buffer.from('line two\n')]),
    });
    assert.deepEqual(piped, { exitCode: 0, stdout: 'line one\nline two\n', stderr: '' });

    const tty = textSink();
    const onTerminal = await runtime.exec({
      podUid: uid,
      container: 'main',
      command: ['sh', '-c', "echo a; echo 'b c' >&2; tty; exit 2"],
      stdout: tty.stream,
      tty: true,
    });
    // util-linux `script` gives the command a real terminal: one stream, CRLF line ends, a pts device.
    assert.equal(onTerminal.exitCode, 2);
    assert.match(tty.text(), /^a\r\nb c\r\n\/dev\/pts\/\d+\r\n$/);
    await runtime.stopPod(uid);
  });

  test('a missing or non-executable program fails like a real runtime', async () => {
    const pod = testPod('app', [{ name: 'main', image: 'app:1' }]);
    await runtime.startPod(pod, mounts());
    writeFileSync(join(volume, 'plain.txt'), 'not a program\n', { mode: 0o644 });
    const missing = await execText(runtime, {
      podUid: pod.metadata.uid!,
      container: 'main',
      command: ['no-such-tool'],
    });
    assert.equal(missing.exitCode, 127);
    assert.match(missing.stderr, /exec: "no-such-tool": executable file not found in \$PATH/);
    const notExecutable = await execText(runtime, {
      podUid: pod.metadata.uid!,
      container: 'main',
      command: [runtime.isolation === 'mount-namespace' ? '/data/plain.txt' : join(volume, 'plain.txt')],
    });
    assert.equal(notExecutable.exitCode, 126);
    assert.match(notExecutable.stderr, /permission denied/);
    await runtime.stopPod(pod.metadata.uid!);
  });

  test('an aborted command is killed at once', async () => {
    const pod = testPod('app', [{ name: 'main', image: 'app:1' }]);
    await runtime.startPod(pod, {});
    const abort = new AbortController();
    const started = Date.now();
    setTimeout(() => abort.abort(), 150);
    const r = await runtime.exec({
      podUid: pod.metadata.uid!,
      container: 'main',
      command: ['sh', '-c', 'sleep 30; echo never'],
      stdout: textSink().stream,
      signal: abort.signal,
    });
    assert.equal(r.exitCode, 137);
    assert.ok(Date.now() - started < 5000, 'killed well before the command would end');
    await runtime.stopPod(pod.metadata.uid!);
  });
});
