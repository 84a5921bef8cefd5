import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import pino from 'pino';
import type { KubeObject } from '../registry/types.ts';
import { createPodStreamHandlers } from './http.ts';
import type { ContainerSpec } from './pod-spec.ts';
import type { ContainerRuntime, ExecRequest } from './types.ts';

/**
 * Test helpers for the runtime: a pod builder and a small HTTP server that serves what kubectl and client-node
 * need around exec and logs (version, discovery of pods, GET pod) and routes the streaming subresources to the
 * real handlers. It stands in for kubesim's router, which lives elsewhere.
 */

export function testPod(
  name: string,
  containers: ContainerSpec[],
  extra: {
    namespace?: string;
    phase?: string;
    nodeName?: string | null;
    annotations?: Record<string, string>;
  } = {},
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: extra.namespace ?? 'default',
      uid: randomUUID(),
      annotations: extra.annotations,
      creationTimestamp: '2026-01-01T00:00:00Z',
    },
    spec: {
      ...(extra.nodeName === null ? {} : { nodeName: extra.nodeName ?? 'kubesim-node-1' }),
      containers,
      terminationGracePeriodSeconds: 1,
    },
    status: { phase: extra.phase ?? 'Running', podIP: '10.244.1.7', hostIP: '10.0.0.1' },
  };
}

/** A stream that keeps what is written to it, as text. */
export function textSink(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (d) => {
    text += d;
  });
  return { stream, text: () => text };
}

/** Runs an exec and collects its exit code, stdout and stderr as text. */
export async function execText(
  runtime: ContainerRuntime,
  request: Omit<ExecRequest, 'stdout' | 'stderr'>,
): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const out = textSink();
  const err = textSink();
  const result = await runtime.exec({ ...request, stdout: out.stream, stderr: err.stream });
  return { exitCode: result.exitCode, stdout: out.text(), stderr: err.text() };
}

export type StreamTestServer = {
  url: string;
  pods: Map<string, KubeObject>;
  add(pod: KubeObject): void;
  /** A kubeconfig for this server in a temporary directory. */
  kubeconfig(): Promise<string>;
  close(): Promise<void>;
};

const POD_PATH = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)(?:\/(exec|attach|log))?$/;

const discovery: Record<string, unknown> = {
  '/version': { major: '1', minor: '32', gitVersion: 'v1.32.4', platform: 'linux/amd64' },
  '/api': { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] },
  '/apis': { kind: 'APIGroupList', apiVersion: 'v1', groups: [] },
  '/api/v1': {
    kind: 'APIResourceList',
    groupVersion: 'v1',
    resources: [
      {
        name: 'pods',
        singularName: 'pod',
        namespaced: true,
        kind: 'Pod',
        verbs: ['get', 'list'],
        shortNames: ['po'],
      },
      {
        name: 'pods/attach',
        singularName: '',
        namespaced: true,
        kind: 'PodAttachOptions',
        verbs: ['create', 'get'],
      },
      {
        name: 'pods/exec',
        singularName: '',
        namespaced: true,
        kind: 'PodExecOptions',
        verbs: ['create', 'get'],
      },
      { name: 'pods/log', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get'] },
    ],
  },
};

function notFound(name: string): string {
  return JSON.stringify({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: `pods "${name}" not found`,
    reason: 'NotFound',
    details: { name, kind: 'pods' },
    code: 404,
  });
}

export async function startStreamTestServer(
  runtime: ContainerRuntime,
  options: { execTimeoutMs?: number } = {},
): Promise<StreamTestServer> {
  const logger = pino({ level: 'silent' });
  const handlers = createPodStreamHandlers({ runtime, logger, execTimeoutMs: options.execTimeoutMs });
  const pods = new Map<string, KubeObject>();
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const fixed = discovery[path];
    if (fixed) {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(fixed));
      return;
    }
    const m = POD_PATH.exec(path);
    const pod = m ? pods.get(`${m[1]}/${m[2]}`) : undefined;
    if (!m || !pod) {
      res.writeHead(404, { 'Content-Type': 'application/json' });
      res.end(notFound(m?.[2] ?? path));
      return;
    }
    if (m[3] === 'log') {
      handlers.log(req, res, pod);
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(pod));
  });
  server.on('upgrade', (req, socket: Socket, head: Buffer) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    const m = POD_PATH.exec(new URL(req.url ?? '/', 'http://x').pathname);
    const pod = m ? pods.get(`${m[1]}/${m[2]}`) : undefined;
    if (!m || !pod || (m[3] !== 'exec' && m[3] !== 'attach')) {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    if (m[3] === 'exec') handlers.exec(req, socket, head, pod);
    else handlers.attach(req, socket, head, pod);
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const url = `http://127.0.0.1:${port}`;
  const dirs: string[] = [];
  return {
    url,
    pods,
    add(pod) {
      pods.set(`${pod.metadata.namespace}/${pod.metadata.name}`, pod);
    },
    async kubeconfig() {
      const dir = await mkdtemp(join(tmpdir(), 'kubesim-runtime-kubeconfig-'));
      dirs.push(dir);
      const path = join(dir, 'config');
      await writeFile(
        path,
        [
          'apiVersion: v1',
          'kind: Config',
          'clusters:',
          `- cluster: {server: "${url}", insecure-skip-tls-verify: true}`,
          '  name: test',
          'contexts:',
          '- context: {cluster: test, user: test, namespace: default}',
          '  name: test',
          'current-context: test',
          'users:',
          '- name: test',
          '  user: {token: test-token}',
          '',
        ].join('\n'),
      );
      return path;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
    },
  };
}
