import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { WebSocketServer } from 'ws';
import { isLifeboatError } from '../core/errors.ts';
import { kubeconfigFor } from '../kubesim/kubeconfig.ts';
import { connect } from './client.ts';
import { createPodExec, execUrl, exitOf, type PodExec } from './exec.ts';
import { type ExecFixture, sleepingPod, startExecFixture } from './exec-fixture.ts';

describe('pods/exec over WebSocket against kubesim', () => {
  let fx: ExecFixture;
  let exec: PodExec;

  before(async () => {
    fx = await startExecFixture();
    exec = createPodExec(fx.conn, { outputLimitBytes: 1000 });
    await fx.runPod(sleepingPod('ex', 'sleeper', { containers: ['app', 'side'] }));
  });
  after(async () => {
    await fx?.stop();
  });

  test('stdout, stderr and a non-zero exit code come back apart', async () => {
    const r = await exec.exec({
      namespace: 'ex',
      pod: 'sleeper',
      container: 'app',
      command: ['sh', '-c', 'echo out; echo err >&2; exit 3'],
    });
    assert.deepEqual(r, { stdout: 'out\n', stderr: 'err\n', exitCode: 3, timedOut: false });
  });

  test('a zero exit, in the container asked for, with its volumes', async () => {
    const w = await exec.exec({
      namespace: 'ex',
      pod: 'sleeper',
      container: 'side',
      command: ['sh', '-c', 'echo marker > /data/m && cat /data/m'],
    });
    assert.equal(w.exitCode, 0);
    assert.equal(w.stdout, 'marker\n');
    const r = await exec.exec({
      namespace: 'ex',
      pod: 'sleeper',
      container: 'app',
      command: ['cat', '/data/m'],
    });
    assert.equal(r.stdout, 'marker\n', 'both containers share the emptyDir');
  });

  test('output beyond the cap is dropped and flagged', async () => {
    const r = await exec.exec({
      namespace: 'ex',
      pod: 'sleeper',
      container: 'app',
      command: ['sh', '-c', 'head -c 5000 /dev/zero | tr "\\0" x; head -c 3000 /dev/zero | tr "\\0" y >&2'],
    });
    assert.equal(r.exitCode, 0);
    assert.equal(r.stdout, 'x'.repeat(1000));
    assert.equal(r.stderr, 'y'.repeat(1000));
    assert.equal(r.stdoutTruncated, true);
    assert.equal(r.stderrTruncated, true);
  });

  test('a timeout drops the connection, which stops the command, and says so', async () => {
    const started = Date.now();
    const r = await exec.exec({
      namespace: 'ex',
      pod: 'sleeper',
      container: 'app',
      command: ['sh', '-c', 'echo begun; sleep 1; echo late > /data/late'],
      timeoutMs: 400,
    });
    assert.equal(r.timedOut, true);
    assert.equal(r.exitCode, -1);
    assert.ok(Date.now() - started < 5000);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const late = await exec.exec({
      namespace: 'ex',
      pod: 'sleeper',
      container: 'app',
      command: ['sh', '-c', 'test -e /data/late && echo written || echo stopped'],
    });
    assert.equal(late.stdout, 'stopped\n');
  });

  test('aborting rejects with Canceled', async () => {
    const controller = new AbortController();
    const running = exec.exec({
      namespace: 'ex',
      pod: 'sleeper',
      container: 'app',
      command: ['sleep', '30'],
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 200);
    await assert.rejects(running, (err) => isLifeboatError(err, 'Canceled'));
  });

  test('maxConcurrent queues commands; a queued one can be aborted', async () => {
    const one = createPodExec(fx.conn, { maxConcurrent: 1 });
    const run = (command: string, signal?: AbortSignal) =>
      one.exec({ namespace: 'ex', pod: 'sleeper', container: 'app', command: ['sh', '-c', command], signal });
    const first = run('echo a >> /data/order; sleep 0.4; echo a2 >> /data/order');
    const controller = new AbortController();
    const dropped = run('echo dropped >> /data/order', controller.signal);
    const second = run('echo b >> /data/order');
    controller.abort();
    await assert.rejects(dropped, (err) => isLifeboatError(err, 'Canceled'));
    await Promise.all([first, second]);
    const order = await run('cat /data/order');
    assert.equal(order.stdout, 'a\na2\nb\n');
  });

  test('an unknown container or pod is refused with the server’s message', async () => {
    await assert.rejects(
      exec.exec({ namespace: 'ex', pod: 'sleeper', container: 'nope', command: ['true'] }),
      (err) => isLifeboatError(err, 'Invalid') && /nope/.test(err.message),
    );
    await assert.rejects(
      exec.exec({ namespace: 'ex', pod: 'ghost', container: 'app', command: ['true'] }),
      (err) => isLifeboatError(err, 'NotFound') && /ghost/.test(err.message),
    );
  });

  test('the URL carries the command and container', () => {
    const url = execUrl('https://k8s.example:6443/', {
      namespace: 'a b',
      pod: 'p',
      container: 'c',
      command: ['sh', '-c', 'echo "x y"'],
    });
    assert.equal(url.protocol, 'wss:');
    assert.equal(url.pathname, '/api/v1/namespaces/a%20b/pods/p/exec');
    assert.deepEqual(url.searchParams.getAll('command'), ['sh', '-c', 'echo "x y"']);
    assert.equal(url.searchParams.get('container'), 'c');
  });
});

describe('credentials', () => {
  test('the kubeconfig token goes in the Authorization header and never into an error', async () => {
    const seen: { auth?: string; protocols?: string }[] = [];
    const server = createServer((_req, res) => res.end());
    server.on('upgrade', (req, socket) => {
      seen.push({ auth: req.headers.authorization, protocols: req.headers['sec-websocket-protocol'] });
      const body = JSON.stringify({
        kind: 'Status',
        status: 'Failure',
        message: 'pods "p" is forbidden',
        code: 403,
      });
      socket.end(
        `HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const dir = mkdtempSync(join(tmpdir(), 'exec-auth-'));
    try {
      const { port } = server.address() as AddressInfo;
      const token = 'secret-token-0123456789';
      const path = join(dir, 'kubeconfig');
      writeFileSync(
        path,
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'Config',
          clusters: [
            { name: 'c', cluster: { server: `http://127.0.0.1:${port}`, 'insecure-skip-tls-verify': true } },
          ],
          users: [{ name: 'u', user: { token } }],
          contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
          'current-context': 'x',
        }),
      );
      const exec = createPodExec(connect(path));
      await assert.rejects(
        exec.exec({ namespace: 'n', pod: 'p', container: 'c', command: ['true'] }),
        (err) =>
          isLifeboatError(err, 'PermissionDenied') &&
          /forbidden/.test(err.message) &&
          !err.message.includes(token),
      );
      assert.deepEqual(seen, [{ auth: `Bearer ${token}`, protocols: 'v5.channel.k8s.io,v4.channel.k8s.io' }]);
    } finally {
      await new Promise((r) => server.close(r));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('protocol fallback', () => {
  test('a server that speaks only v4.channel.k8s.io is understood', async () => {
    const wss = new WebSocketServer({
      port: 0,
      host: '127.0.0.1',
      handleProtocols: (offered) => (offered.has('v4.channel.k8s.io') ? 'v4.channel.k8s.io' : false),
    });
    wss.on('connection', (ws) => {
      ws.send(Buffer.from([1, ...Buffer.from('v4 out')]));
      const status = {
        status: 'Failure',
        reason: 'NonZeroExitCode',
        details: { causes: [{ reason: 'ExitCode', message: '7' }] },
      };
      ws.send(Buffer.concat([Buffer.from([3]), Buffer.from(JSON.stringify(status))]), () => ws.close());
    });
    await new Promise((r) => wss.once('listening', r));
    const dir = mkdtempSync(join(tmpdir(), 'exec-v4-'));
    try {
      const { port } = wss.address() as AddressInfo;
      const path = join(dir, 'kubeconfig');
      writeFileSync(path, kubeconfigFor(`http://127.0.0.1:${port}`));
      const r = await createPodExec(connect(path)).exec({
        namespace: 'n',
        pod: 'p',
        container: 'c',
        command: ['x'],
      });
      assert.deepEqual(r, { stdout: 'v4 out', stderr: '', exitCode: 7, timedOut: false });
    } finally {
      await new Promise((r) => wss.close(r));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('exitOf', () => {
  test('reads Success, NonZeroExitCode and other failures', () => {
    assert.deepEqual(exitOf(Buffer.from('{"metadata":{},"status":"Success"}')), { exitCode: 0 });
    assert.deepEqual(
      exitOf(
        Buffer.from(
          JSON.stringify({
            status: 'Failure',
            reason: 'NonZeroExitCode',
            details: { causes: [{ reason: 'ExitCode', message: '42' }] },
          }),
        ),
      ),
      { exitCode: 42 },
    );
    assert.deepEqual(exitOf(Buffer.from('{"status":"Failure","message":"boom","reason":"InternalError"}')), {
      message: 'boom',
    });
    assert.deepEqual(exitOf(Buffer.from('not json')), { message: 'not json' });
  });
});
