import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { TLSSocket } from 'node:tls';
import { stringify } from 'yaml';
import { isLifeboatError } from '../core/errors.ts';
import { writeKubeconfig } from '../kubesim/kubeconfig.ts';
import { connect } from './client.ts';
import { createDynamicClient } from './dynamic-client.ts';
import { transportFor } from './transport.ts';
import type { ApiResourceInfo } from './types.ts';

const configmaps: ApiResourceInfo = {
  group: '',
  version: 'v1',
  groupVersion: 'v1',
  resource: 'configmaps',
  singular: 'configmap',
  kind: 'ConfigMap',
  namespaced: true,
  shortNames: ['cm'],
  verbs: [],
  categories: [],
  preferredVersion: 'v1',
  groupResource: 'configmaps',
};

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

/** A CA, a server certificate for 127.0.0.1 and a client certificate (CN=lifeboat-test), made with openssl. */
function makePki(dir: string): void {
  openssl(dir, [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '1',
    '-subj',
    '/CN=test-ca',
  ]);
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n');
  for (const [name, cn, ext] of [
    ['server', '127.0.0.1', ['-extfile', 'san.ext']],
    ['client', 'lifeboat-test', []],
  ] as const) {
    openssl(dir, [
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
      '-subj',
      `/CN=${cn}`,
    ]);
    openssl(dir, [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.crt`,
      '-days',
      '1',
      ...ext,
    ]);
  }
}

describe('the transport over TLS with a kubectl-style kubeconfig', () => {
  let dir: string;
  let server: Server;
  let connections = 0;
  const seen: { cn: string | undefined; auth: string | undefined }[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kube-tls-'));
    makePki(dir);
    server = createServer(
      {
        key: readFileSync(join(dir, 'server.key')),
        cert: readFileSync(join(dir, 'server.crt')),
        ca: readFileSync(join(dir, 'ca.crt')),
        requestCert: true,
        rejectUnauthorized: true,
      },
      (req, res) => {
        const cert = (req.socket as TLSSocket).getPeerCertificate();
        seen.push({
          cn: cert?.subject ? String(cert.subject.CN) : undefined,
          auth: req.headers.authorization,
        });
        if (req.headers.authorization !== 'Bearer secret-token') {
          res.writeHead(401, { 'Content-Type': 'application/json' });
          res.end(
            JSON.stringify({
              kind: 'Status',
              status: 'Failure',
              reason: 'Unauthorized',
              code: 401,
              message: 'Unauthorized',
            }),
          );
          return;
        }
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(
          JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'a' } }),
        );
      },
    );
    server.on('secureConnection', () => connections++);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  function kubeconfig(file: string, user: Record<string, string>): string {
    const { port } = server.address() as AddressInfo;
    const path = join(dir, file);
    writeFileSync(
      path,
      stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [
          {
            name: 'c',
            cluster: { server: `https://127.0.0.1:${port}`, 'certificate-authority': join(dir, 'ca.crt') },
          },
        ],
        users: [{ name: 'u', user }],
        contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u' } }],
        'current-context': 'ctx',
      }),
    );
    return path;
  }

  test('the CA verifies the server, the client certificate and the token are presented, one connection is reused', async () => {
    const conn = connect(
      kubeconfig('good', {
        'client-certificate': join(dir, 'client.crt'),
        'client-key': join(dir, 'client.key'),
        token: 'secret-token',
      }),
    );
    try {
      const client = createDynamicClient(conn);
      for (let i = 0; i < 5; i++) assert.equal((await client.get(configmaps, 'a', 'x'))?.metadata?.name, 'x');
      assert.equal(connections, 1, 'keep-alive: one TLS handshake for five requests');
      assert.deepEqual(seen.at(-1), { cn: 'lifeboat-test', auth: 'Bearer secret-token' });
    } finally {
      transportFor(conn.config).close();
    }
  });

  test('a wrong token is PermissionDenied, retried once with fresh credentials, and never in the message', async () => {
    const conn = connect(
      kubeconfig('bad-token', {
        'client-certificate': join(dir, 'client.crt'),
        'client-key': join(dir, 'client.key'),
        token: 'wrong-token',
      }),
    );
    const before = seen.length;
    try {
      const client = createDynamicClient(conn);
      await assert.rejects(client.get(configmaps, 'a', 'x'), (err) => {
        assert.ok(isLifeboatError(err, 'PermissionDenied'));
        assert.doesNotMatch(err.message, /wrong-token/);
        return true;
      });
      assert.equal(seen.length - before, 2);
    } finally {
      transportFor(conn.config).close();
    }
  });

  test('a server the CA did not sign is refused at once, as Unavailable and not retryable', async () => {
    const { port } = server.address() as AddressInfo;
    const path = join(dir, 'other-ca');
    openssl(dir, [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'other.key',
      '-out',
      'other.crt',
      '-days',
      '1',
      '-subj',
      '/CN=other',
    ]);
    writeFileSync(
      path,
      stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [
          {
            name: 'c',
            cluster: { server: `https://127.0.0.1:${port}`, 'certificate-authority': join(dir, 'other.crt') },
          },
        ],
        users: [{ name: 'u', user: { token: 'secret-token' } }],
        contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u' } }],
        'current-context': 'ctx',
      }),
    );
    const conn = connect(path);
    try {
      const client = createDynamicClient(conn, { retry: { baseDelayMs: 10_000 } });
      await assert.rejects(client.get(configmaps, 'a', 'x'), (err) => {
        assert.ok(isLifeboatError(err, 'Unavailable'));
        assert.equal(err.retryable, false);
        assert.match(err.message, /SELF_SIGNED|UNABLE_TO_VERIFY|certificate/i);
        return true;
      });
    } finally {
      transportFor(conn.config).close();
    }
  });
});

describe('request paths', () => {
  test('the kubeconfig server path prefixes every request; paths that need encoding are encoded', async () => {
    const seen: string[] = [];
    const server = createHttpServer((req, res) => {
      seen.push(req.url ?? '');
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const dir = mkdtempSync(join(tmpdir(), 'lifeboat-transport-paths-'));
    const { port } = server.address() as AddressInfo;
    const path = join(dir, 'kubeconfig');
    writeKubeconfig(path, `http://127.0.0.1:${port}/k8s/clusters/c-1/`);
    const transport = transportFor(connect(path).config);
    try {
      for (const p of ['/api/v1/namespaces/a/configmaps?limit=5&continue=eyJ2Ijo', '/api/v1/x y/é']) {
        const res = await transport.request({ method: 'GET', path: p });
        assert.equal(res.status, 200);
      }
      assert.deepEqual(seen, [
        '/k8s/clusters/c-1/api/v1/namespaces/a/configmaps?limit=5&continue=eyJ2Ijo',
        '/k8s/clusters/c-1/api/v1/x%20y/%C3%A9',
      ]);
    } finally {
      transport.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
