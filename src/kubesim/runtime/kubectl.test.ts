/**
 * The real kubectl 1.32 against the runtime's handlers (through the small test router): exec with its exit
 * code and stdin, cp (tar over exec) out of a volume, logs with its flags, and the server's refusals as
 * kubectl prints them.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Kubectl } from '../../../test/support/kubectl.ts';
import { createContainerRuntime } from './runtime.ts';
import { type StreamTestServer, startStreamTestServer, testPod } from './testing.ts';
import type { ContainerRuntime } from './types.ts';

const root = mkdtempSync(join(tmpdir(), 'kubesim-runtime-kubectl-'));
const volume = join(root, 'volume');
let runtime: ContainerRuntime;
let server: StreamTestServer;
let kubectl: Kubectl;

const web = testPod('web-0', [{ name: 'main', image: 'nginx:1.27' }]);
const job = testPod('job-0', [
  {
    name: 'task',
    image: 'busybox',
    command: ['sh', '-c', 'for i in 1 2 3 4 5; do echo "line $i"; done; exec sleep 100'],
  },
]);
const pending = testPod('pending', [{ name: 'main', image: 'busybox' }], {
  phase: 'Pending',
  nodeName: null,
});

before(async () => {
  mkdirSync(volume, { recursive: true });
  writeFileSync(join(volume, 'greeting'), 'hello from the volume\n');
  runtime = await createContainerRuntime({ dataDir: join(root, 'data'), maxGracePeriodMs: 1000 });
  server = await startStreamTestServer(runtime);
  for (const pod of [web, job, pending]) server.add(pod);
  await runtime.startPod(web, {
    main: [{ volume: 'data', hostPath: volume, mountPath: '/data', readOnly: false }],
  });
  await runtime.startPod(job, {});
  kubectl = new Kubectl(await server.kubeconfig());
});

after(async () => {
  await server.close();
  await runtime.close();
  rmSync(root, { recursive: true, force: true });
  rmSync(kubectl.cacheDir, { recursive: true, force: true });
});

/** Runs a command line on a pseudo-terminal (util-linux `script`), typing `input`; its exit code and output. */
function runUnderTerminal(commandLine: string, input: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['--quiet', '--return', '--command', commandLine, '/dev/null'], {
      env: { ...process.env, KUBECACHEDIR: kubectl.cacheDir, TERM: 'xterm' },
    });
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
    });
    child.stderr.on('data', (d) => {
      output += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, output });
    });
    setTimeout(() => child.stdin.end(input), 1500);
  });
}

function data(): string {
  return runtime.isolation === 'mount-namespace' ? '/data' : volume;
}

describe('kubectl 1.32 against the exec and log handlers', () => {
  test('exec: stdout, stderr and the exit code kubectl takes as its own', async () => {
    const r = await kubectl.run(['exec', 'web-0', '--', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
    assert.equal(r.code, 3);
    assert.equal(r.stdout, 'out\n');
    assert.equal(r.stderr, 'err\ncommand terminated with exit code 3\n');
  });

  test('exec -i: stdin through the v5 close-stdin message', async () => {
    const r = await kubectl.ok(
      [
        'exec',
        '-i',
        'web-0',
        '--',
        'sh',
        '-c',
        `cat > ${data()}/from-kubectl; wc -l < ${data()}/from-kubectl`,
      ],
      {
        stdin: 'one\ntwo\n',
      },
    );
    assert.equal(r.trim(), '2');
    assert.equal(readFileSync(join(volume, 'from-kubectl'), 'utf8'), 'one\ntwo\n');
  });

  test('exec -it from a terminal gets a terminal in the pod', async () => {
    // kubectl only asks for a TTY when its own stdin is one: run it under util-linux `script`.
    const inner = `stty cols 100 rows 30; ${kubectl.binary} --kubeconfig ${kubectl.kubeconfig} exec -it web-0 -- sh`;
    const r = await runUnderTerminal(inner, 'tty; echo "size $(stty size)"; exit 3\n');
    assert.equal(r.code, 3);
    assert.match(r.output, /\/dev\/pts\/\d+\r\n/);
    assert.match(r.output, /size 30 100\r\n/, 'the terminal size kubectl sent applies in the pod');
    assert.match(r.output, /command terminated with exit code 3/);
  });

  test('cp copies a file out of the pod’s volume (tar over exec)', async () => {
    const target = join(root, 'copied');
    await kubectl.ok(['cp', `web-0:${data()}/greeting`, target]);
    assert.equal(readFileSync(target, 'utf8'), 'hello from the volume\n');
  });

  test('exec into an unscheduled pod prints the server’s message', async () => {
    const r = await kubectl.run(['exec', 'pending', '--', 'true']);
    assert.notEqual(r.code, 0);
    assert.equal(r.stderr, 'Error from server (BadRequest): pod pending does not have a host assigned\n');
  });

  test('logs: --tail, --timestamps, -c, --previous', async () => {
    const deadline = Date.now() + 5000;
    while ((runtime.logs(job.metadata.uid!, 'task')?.length ?? 0) < 5 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(await kubectl.ok(['logs', 'job-0', '--tail=2']), 'line 4\nline 5\n');
    const stamped = await kubectl.ok(['logs', 'job-0', '-c', 'task', '--timestamps', '--tail=1']);
    assert.match(stamped, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z line 5\n$/);
    const previous = await kubectl.run(['logs', 'job-0', '--previous']);
    assert.equal(previous.code, 1);
    assert.match(previous.stderr, /previous terminated container "task" in pod "job-0" not found/);
  });

  test('logs -f ends when the pod stops', async () => {
    const follow = kubectl.run(['logs', '-f', 'job-0'], { timeoutMs: 20_000 });
    await new Promise((r) => setTimeout(r, 1000));
    await runtime.stopPod(job.metadata.uid!);
    const r = await follow;
    assert.equal(r.code, 0);
    assert.equal(r.stdout, 'line 1\nline 2\nline 3\nline 4\nline 5\n');
  });
});
