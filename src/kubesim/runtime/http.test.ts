import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { Attach, Exec, KubeConfig, Log, type V1Status } from '@kubernetes/client-node';
import WebSocket from 'ws';
import { createContainerRuntime } from './runtime.ts';
import { type StreamTestServer, startStreamTestServer, testPod } from './testing.ts';
import type { ContainerRuntime } from './types.ts';

type Frame = { channel: number; text: string };
type WsResult = { protocol: string; frames: Frame[]; closeCode: number };
type WsRefusal = { status: number; body: Record<string, unknown> };

/** Opens an exec/attach WebSocket, optionally sends stdin frames, and collects every frame until close. */
function wsSession(
  url: string,
  protocols: string[],
  options: { send?: Buffer[]; terminateWhen?: () => boolean } = {},
): Promise<WsResult | WsRefusal> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url.replace(/^http/, 'ws'), protocols);
    const frames: Frame[] = [];
    ws.on('open', () => {
      for (const b of options.send ?? []) ws.send(b);
      const terminateWhen = options.terminateWhen;
      if (terminateWhen) {
        // Leave only once the command has visibly started, however slow the machine.
        const poll = setInterval(() => {
          if (terminateWhen()) {
            clearInterval(poll);
            ws.terminate();
          }
        }, 20);
        ws.on('close', () => clearInterval(poll));
      }
    });
    ws.on('message', (data: Buffer) => frames.push({ channel: data[0], text: data.subarray(1).toString() }));
    ws.on('close', (code) => resolve({ protocol: ws.protocol, frames, closeCode: code }));
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d) => {
        body += d;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(body || '{}') }));
    });
    ws.on('error', (err) => {
      if (!String(err.message).startsWith('Unexpected server response')) reject(err);
    });
  });
}

function session(r: WsResult | WsRefusal): WsResult {
  assert.ok('frames' in r, `expected a WebSocket session, got HTTP ${'status' in r ? r.status : '?'}`);
  return r;
}

function refusal(r: WsResult | WsRefusal): WsRefusal {
  assert.ok('status' in r, 'expected the upgrade to be refused');
  return r;
}

function channelText(r: WsResult, channel: number): string {
  return r.frames
    .filter((f) => f.channel === channel)
    .map((f) => f.text)
    .join('');
}

function collect(): { stream: PassThrough; text: () => string; ended: Promise<void> } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (d) => {
    text += d;
  });
  const ended = new Promise<void>((resolve) => stream.on('end', resolve));
  return { stream, text: () => text, ended };
}

async function eventually<T>(what: string, probe: () => T | undefined, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const root = mkdtempSync(join(tmpdir(), 'kubesim-runtime-http-'));
const volume = join(root, 'volume');
let runtime: ContainerRuntime;
let server: StreamTestServer;
let kc: KubeConfig;

const web = testPod('web-0', [{ name: 'main', image: 'nginx:1.27' }]);
const ticker = testPod('ticker', [
  {
    name: 'main',
    image: 'busybox',
    command: ['sh', '-c', 'i=0; while :; do i=$((i+1)); echo "tick $i"; sleep 0.05; done'],
  },
]);
const twoContainers = testPod('pair', [
  { name: 'a', image: 'nginx:1.27' },
  { name: 'b', image: 'redis:7' },
]);
(twoContainers.spec as { initContainers: unknown[] }).initContainers = [{ name: 'init', image: 'busybox' }];
const annotated = testPod(
  'annotated',
  [
    { name: 'a', image: 'nginx:1.27' },
    { name: 'b', image: 'redis:7' },
  ],
  { annotations: { 'kubectl.kubernetes.io/default-container': 'b' } },
);
const completed = testPod('done', [{ name: 'main', image: 'busybox' }], { phase: 'Succeeded' });
const unscheduled = testPod('pending', [{ name: 'main', image: 'busybox' }], {
  phase: 'Pending',
  nodeName: null,
});
const notStarted = testPod('creating', [{ name: 'main', image: 'busybox' }], { phase: 'Pending' });

before(async () => {
  mkdirSync(volume, { recursive: true });
  writeFileSync(join(volume, 'greeting'), 'hello from the volume\n');
  runtime = await createContainerRuntime({ dataDir: join(root, 'data'), maxGracePeriodMs: 1000 });
  server = await startStreamTestServer(runtime, { execTimeoutMs: 1500 });
  for (const pod of [web, ticker, twoContainers, annotated, completed, unscheduled, notStarted])
    server.add(pod);
  await runtime.startPod(web, {
    main: [{ volume: 'data', hostPath: volume, mountPath: '/data', readOnly: false }],
  });
  await runtime.startPod(ticker, {});
  await runtime.startPod(twoContainers, {});
  await runtime.startPod(annotated, {});
  kc = new KubeConfig();
  kc.loadFromFile(await server.kubeconfig());
});

after(async () => {
  await server.close();
  await runtime.close();
  rmSync(root, { recursive: true, force: true });
});

/** The path of the shared volume as exec'd commands see it. */
function data(): string {
  return runtime.isolation === 'mount-namespace' ? '/data' : volume;
}

function execUrl(pod: string, params: string): string {
  return `${server.url}/api/v1/namespaces/default/pods/${pod}/exec?${params}`;
}

describe('exec through @kubernetes/client-node', () => {
  test('stdout, stderr and a non-zero exit code on the status channel', async () => {
    const out = collect();
    const err = collect();
    const status = await new Promise<V1Status>((resolve, reject) => {
      new Exec(kc)
        .exec(
          'default',
          'web-0',
          'main',
          ['sh', '-c', `cat ${data()}/greeting; echo oops >&2; exit 3`],
          out.stream,
          err.stream,
          null,
          false,
          resolve,
        )
        .catch(reject);
    });
    await Promise.all([out.ended, err.ended]);
    assert.equal(out.text(), 'hello from the volume\n');
    assert.equal(err.text(), 'oops\n');
    assert.equal(status.status, 'Failure');
    assert.equal(status.reason, 'NonZeroExitCode');
    assert.deepEqual(status.details?.causes, [{ reason: 'ExitCode', message: '3' }]);
  });

  test('stdin reaches the command and its end closes the command input (v5)', async () => {
    const out = collect();
    const stdin = new PassThrough();
    const status = new Promise<V1Status>((resolve, reject) => {
      new Exec(kc)
        .exec(
          'default',
          'web-0',
          'main',
          ['sh', '-c', 'tr a-z A-Z; echo eof'],
          out.stream,
          null,
          stdin,
          false,
          resolve,
        )
        .catch(reject);
    });
    stdin.write('first line\n');
    setTimeout(() => stdin.end('second line\n'), 50);
    assert.equal((await status).status, 'Success');
    await out.ended;
    assert.equal(out.text(), 'FIRST LINE\nSECOND LINE\neof\n');
  });

  test('the command writes into the volume, which the host sees', async () => {
    const out = collect();
    const status = await new Promise<V1Status>((resolve, reject) => {
      new Exec(kc)
        .exec(
          'default',
          'web-0',
          'main',
          ['sh', '-c', `echo frozen > ${data()}/.hook-marker`],
          out.stream,
          null,
          null,
          false,
          resolve,
        )
        .catch(reject);
    });
    assert.equal(status.status, 'Success');
    assert.equal(readFileSync(join(volume, '.hook-marker'), 'utf8'), 'frozen\n');
  });
});

describe('exec over raw WebSocket protocols', () => {
  test('v5: stdin frames, the close-stdin message, stdout, status, close 1000', async () => {
    const r = session(
      await wsSession(
        execUrl('web-0', 'command=wc&command=-c&stdin=true&stdout=true&stderr=true'),
        ['v5.channel.k8s.io'],
        { send: [Buffer.from([0, ...Buffer.from('12345')]), Buffer.from([255, 0])] },
      ),
    );
    assert.equal(r.protocol, 'v5.channel.k8s.io');
    assert.equal(channelText(r, 1).trim(), '5');
    assert.deepEqual(JSON.parse(channelText(r, 3)), { metadata: {}, status: 'Success' });
    assert.equal(r.closeCode, 1000);
    assert.equal(r.frames.at(-1)?.channel, 3, 'the status comes last');
  });

  test('v4: JSON status with the exit code, no close message needed', async () => {
    const r = session(
      await wsSession(execUrl('web-0', 'command=sh&command=-c&command=exit%207&stdout=true'), [
        'v4.channel.k8s.io',
        'v3.channel.k8s.io',
      ]),
    );
    assert.equal(r.protocol, 'v4.channel.k8s.io');
    const status = JSON.parse(channelText(r, 3));
    assert.equal(status.reason, 'NonZeroExitCode');
    assert.deepEqual(status.details.causes, [{ reason: 'ExitCode', message: '7' }]);
    assert.equal(r.closeCode, 1000);
  });

  test('v1 (channel.k8s.io): plain-text error on failure, nothing on success', async () => {
    const failed = session(
      await wsSession(execUrl('web-0', 'command=false&stdout=true'), ['channel.k8s.io']),
    );
    assert.match(channelText(failed, 3), /^command terminated with non-zero exit code: .*exit code 1$/);
    const ok = session(await wsSession(execUrl('web-0', 'command=true&stdout=true'), ['channel.k8s.io']));
    assert.equal(channelText(ok, 3), '');
  });

  test('stderr is not sent when the client did not ask for it', async () => {
    const r = session(
      await wsSession(
        execUrl('web-0', 'command=sh&command=-c&command=echo%20o;echo%20e%20%3E%262&stdout=true'),
        ['v5.channel.k8s.io'],
      ),
    );
    assert.equal(channelText(r, 1), 'o\n');
    assert.equal(
      r.frames.some((f) => f.channel === 2),
      false,
    );
  });

  test('a client that goes away kills the command', async () => {
    const beat = join(volume, 'beat');
    rmSync(beat, { force: true });
    const heartbeatSeen = () => {
      try {
        return readFileSync(beat, 'utf8') !== '';
      } catch {
        return false;
      }
    };
    await wsSession(
      execUrl(
        'web-0',
        `command=sh&command=-c&command=${encodeURIComponent(`while :; do date +%s%N > ${data()}/beat; sleep 0.05; done`)}&stdout=true`,
      ),
      ['v5.channel.k8s.io'],
      { terminateWhen: heartbeatSeen },
    );
    await new Promise((r) => setTimeout(r, 300));
    const first = readFileSync(beat, 'utf8');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(readFileSync(beat, 'utf8'), first, 'no heartbeat after the client left');
  });

  test('a command past the timeout is killed and reported', async () => {
    const started = Date.now();
    const r = session(
      await wsSession(execUrl('web-0', 'command=sleep&command=30&stdout=true'), ['v5.channel.k8s.io']),
    );
    const status = JSON.parse(channelText(r, 3));
    assert.equal(status.status, 'Failure');
    assert.match(status.message, /did not finish within 1\.5s and was killed/);
    assert.ok(Date.now() - started < 5000);
  });

  test('container selection: annotation, the only one, or a 400 naming the choices', async () => {
    const chosen = session(
      await wsSession(execUrl('annotated', 'command=sh&command=-c&command=echo%20$HOSTNAME&stdout=true'), [
        'v5.channel.k8s.io',
      ]),
    );
    assert.equal(channelText(chosen, 1), 'annotated\n');
    const ambiguous = refusal(
      await wsSession(execUrl('pair', 'command=true&stdout=true'), ['v5.channel.k8s.io']),
    );
    assert.equal(ambiguous.status, 400);
    assert.equal(
      ambiguous.body.message,
      'a container name must be specified for pod pair, choose one of: [a b] or one of the init containers: [init]',
    );
    assert.equal(ambiguous.body.reason, 'BadRequest');
    const unknown = refusal(
      await wsSession(execUrl('pair', 'command=true&stdout=true&container=c'), ['v5.channel.k8s.io']),
    );
    assert.equal(unknown.body.message, 'container c is not valid for pod pair');
  });

  test('pods that cannot be exec-ed into get the API server’s 400s', async () => {
    const cases: [string, string][] = [
      ['done', 'cannot exec into a container in a completed pod; current phase is Succeeded'],
      ['pending', 'pod pending does not have a host assigned'],
      ['creating', 'container not found ("main")'],
    ];
    for (const [pod, message] of cases) {
      const r = refusal(await wsSession(execUrl(pod, 'command=true&stdout=true'), ['v5.channel.k8s.io']));
      assert.equal(r.status, 400, pod);
      assert.equal(r.body.message, message);
    }
    const noStreams = refusal(await wsSession(execUrl('web-0', 'command=true'), ['v5.channel.k8s.io']));
    assert.equal(noStreams.body.message, 'you must specify at least 1 of stdin, stdout, stderr');
    const base64 = refusal(
      await wsSession(execUrl('web-0', 'command=true&stdout=true'), ['base64.channel.k8s.io']),
    );
    assert.match(String(base64.body.message), /none of the offered stream protocols/);
  });

  test('an SPDY upgrade is refused with a Status, not hung', async () => {
    const { request } = await import('node:http');
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(execUrl('web-0', 'command=true&stdout=true'), {
        method: 'POST',
        headers: {
          Connection: 'Upgrade',
          Upgrade: 'SPDY/3.1',
          'X-Stream-Protocol-Version': 'v5.channel.k8s.io',
        },
      });
      req.on('response', (res) => {
        let body = '';
        res.on('data', (d) => {
          body += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('upgrade', () => reject(new Error('must not upgrade')));
      req.on('error', reject);
      req.end();
    });
    assert.equal(answer.status, 400);
    assert.match(JSON.parse(answer.body).message, /over WebSocket only/);
  });
});

describe('attach', () => {
  test('client-node Attach streams a running container’s new output', async () => {
    const out = collect();
    const ws = await new Attach(kc).attach('default', 'ticker', 'main', out.stream, null, null, false);
    const line = await eventually('a tick', () => /tick \d+\n/.exec(out.text())?.[0]);
    assert.match(line, /^tick \d+\n$/);
    ws.close();
  });
});

describe('logs', () => {
  async function get(pod: string, params: string): Promise<{ status: number; type: string; body: string }> {
    const res = await fetch(`${server.url}/api/v1/namespaces/default/pods/${pod}/log?${params}`);
    return { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.text() };
  }

  test('client-node Log with tailLines and timestamps', async () => {
    await eventually('three ticks', () =>
      (runtime.logs(ticker.metadata.uid!, 'main')?.length ?? 0) >= 3 ? true : undefined,
    );
    const out = collect();
    await new Log(kc).log('default', 'ticker', 'main', out.stream, { tailLines: 2, timestamps: true });
    await out.ended;
    const lines = out
      .text()
      .split('\n')
      .filter((l) => l !== '');
    assert.equal(lines.length, 2);
    for (const l of lines) assert.match(l, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z tick \d+$/);
  });

  test('follow streams new lines until the pod stops', async () => {
    const pod = testPod('follow-me', [
      {
        name: 'main',
        image: 'busybox',
        command: ['sh', '-c', 'echo one; sleep 0.2; echo two; exec sleep 100'],
      },
    ]);
    server.add(pod);
    await runtime.startPod(pod, {});
    const res = await fetch(`${server.url}/api/v1/namespaces/default/pods/follow-me/log?follow=true`);
    assert.equal(res.status, 200);
    const reader = res.body!.getReader();
    let text = '';
    while (!text.includes('two\n')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += Buffer.from(value).toString();
    }
    assert.equal(text, 'one\ntwo\n');
    const stopped = runtime.stopPod(pod.metadata.uid!);
    const rest = await reader.read();
    assert.equal(rest.done, true, 'the response ends when the pod stops');
    await stopped;
  });

  test('the only container, sinceTime, limitBytes and tailLines=0', async () => {
    const all = await get('web-0', '');
    assert.equal(all.status, 200);
    assert.match(all.type, /^text\/plain/);
    assert.equal(all.body, 'kubesim: started container main (image nginx:1.27)\n');
    assert.equal((await get('web-0', 'limitBytes=7')).body, 'kubesim');
    assert.equal((await get('web-0', 'tailLines=0')).body, '');
    assert.equal((await get('web-0', 'sinceTime=2999-01-01T00:00:00Z')).body, '');
    assert.equal((await get('web-0', 'sinceTime=2000-01-01T00:00:00Z')).body, all.body);
    assert.equal((await get('web-0', 'sinceSeconds=3600')).body, all.body);
    assert.equal((await get('annotated', '')).body, 'kubesim: started container b (image redis:7)\n');
  });

  test('errors: previous, waiting containers, ambiguity, bad parameters', async () => {
    const previous = await get('web-0', 'previous=true');
    assert.equal(previous.status, 400);
    assert.equal(
      JSON.parse(previous.body).message,
      'previous terminated container "main" in pod "web-0" not found',
    );
    const waiting = await get('creating', '');
    assert.equal(
      JSON.parse(waiting.body).message,
      'container "main" in pod "creating" is waiting to start: ContainerCreating',
    );
    (notStarted.status as Record<string, unknown>).containerStatuses = [
      { name: 'main', state: { waiting: { reason: 'CrashLoopBackOff' } } },
    ];
    assert.equal(
      JSON.parse((await get('creating', '')).body).message,
      'container "main" in pod "creating" is waiting to start: CrashLoopBackOff',
    );
    (notStarted.status as Record<string, unknown>).containerStatuses = [
      { name: 'main', state: { terminated: { exitCode: 0, reason: 'Completed' } } },
    ];
    const foreign = await get('creating', '');
    assert.deepEqual(
      [foreign.status, foreign.body],
      [200, ''],
      'started, but not by this runtime: an empty log',
    );
    delete (notStarted.status as Record<string, unknown>).containerStatuses;
    const ambiguous = await get('pair', '');
    assert.equal(ambiguous.status, 400);
    assert.match(JSON.parse(ambiguous.body).message, /choose one of: \[a b\]/);
    const negative = await get('web-0', 'tailLines=-1');
    assert.equal(negative.status, 422);
    assert.match(JSON.parse(negative.body).message, /tailLines: Invalid value: -1/);
    assert.equal((await get('web-0', 'follow=maybe')).status, 400);
    assert.equal((await get('pending', '')).body, '', 'an unscheduled pod has an empty log');
  });
});
