import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import type { KubeObject } from '../registry/types.ts';
import { decodeKubernetesProtobuf } from './decode.ts';

/**
 * Real bodies: the machine's kubectl 1.32 runs `create …` generators against a recording HTTP server, and every
 * protobuf body it POSTs must decode to the object the command describes.
 */

const KUBECTL = '/usr/lib/google-cloud-sdk/bin/kubectl.1.32';
const run = promisify(execFile);

type Captured = { path: string; contentType: string; body: Buffer };

function startRecorder(): Promise<{ server: http.Server; port: number; captured: Captured[] }> {
  const captured: Captured[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
      const send = (code: number, obj: unknown) => {
        res.writeHead(code, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(obj));
      };
      if (req.method === 'POST') {
        captured.push({ path, contentType: req.headers['content-type'] ?? '', body: Buffer.concat(chunks) });
        if (path.endsWith('/token'))
          return send(201, {
            kind: 'TokenRequest',
            apiVersion: 'authentication.k8s.io/v1',
            metadata: {},
            spec: {},
            status: { token: 't', expirationTimestamp: '2030-01-01T00:00:00Z' },
          });
        if (path.endsWith('/selfsubjectaccessreviews'))
          return send(201, {
            kind: 'SelfSubjectAccessReview',
            apiVersion: 'authorization.k8s.io/v1',
            metadata: {},
            spec: {},
            status: { allowed: true },
          });
        return send(201, { metadata: { name: 'created' } });
      }
      if (path === '/version') return send(200, { major: '1', minor: '32', gitVersion: 'v1.32.4' });
      if (path === '/api')
        return send(200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] });
      if (path === '/apis') return send(200, { kind: 'APIGroupList', apiVersion: 'v1', groups: [] });
      if (path === '/api/v1') {
        return send(200, {
          kind: 'APIResourceList',
          apiVersion: 'v1',
          groupVersion: 'v1',
          resources: [
            { name: 'pods', singularName: 'pod', namespaced: true, kind: 'Pod', verbs: ['get', 'list'] },
          ],
        });
      }
      send(404, {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        reason: 'NotFound',
        code: 404,
      });
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, port: (server.address() as AddressInfo).port, captured }),
    );
  });
}

test('protobuf bodies from the real kubectl 1.32 decode to the objects the commands describe', async () => {
  assert.ok(existsSync(KUBECTL), `${KUBECTL} is needed to capture real request bodies`);
  const dir = await mkdtemp(join(tmpdir(), 'kubesim-protobuf-'));
  const { server, port, captured } = await startRecorder();
  try {
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: dir,
      KUBECONFIG: join(dir, 'none'),
      KUBECACHEDIR: join(dir, 'cache'),
    };
    const kubectl = (...args: string[]) =>
      run(KUBECTL, ['--server', `http://127.0.0.1:${port}`, '-n', 'demo', ...args], { env, timeout: 20_000 });
    await kubectl('create', 'namespace', 'demo');
    await kubectl('create', 'configmap', 'cfg', '--from-literal=a=b');
    await kubectl('create', 'secret', 'generic', 's', '--from-literal=pw=hunter2');
    await kubectl('create', 'deployment', 'web', '--image=nginx:1.27', '--replicas=0', '--port=80');
    await kubectl('create', 'job', 'once', '--image=busybox', '--', 'echo', 'hi');
    await kubectl('create', 'cronjob', 'tick', '--image=busybox', '--schedule=*/5 * * * *', '--', 'date');
    await kubectl('create', 'service', 'clusterip', 'svc', '--tcp=80:8080');
    await kubectl('create', 'role', 'reader', '--verb=get', '--resource=pods');
    await kubectl('auth', 'can-i', 'list', 'pods');

    assert.ok(captured.every((c) => c.contentType === 'application/vnd.kubernetes.protobuf'));
    const objects = new Map<string, KubeObject>(
      captured.map((c) => [c.path, decodeKubernetesProtobuf(c.body)]),
    );
    assert.deepEqual(objects.get('/api/v1/namespaces'), {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'demo' },
    });
    assert.deepEqual(objects.get('/api/v1/namespaces/demo/configmaps'), {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'cfg', namespace: 'demo' },
      data: { a: 'b' },
    });
    assert.deepEqual(objects.get('/api/v1/namespaces/demo/secrets'), {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's', namespace: 'demo' },
      data: { pw: Buffer.from('hunter2').toString('base64') },
    });
    assert.deepEqual(objects.get('/apis/apps/v1/namespaces/demo/deployments'), {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'demo', labels: { app: 'web' } },
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'nginx', image: 'nginx:1.27', ports: [{ containerPort: 80 }] }] },
        },
      },
    });
    const job = objects.get('/apis/batch/v1/namespaces/demo/jobs');
    assert.deepEqual(job?.spec, {
      template: {
        spec: {
          containers: [{ name: 'once', image: 'busybox', command: ['echo', 'hi'] }],
          restartPolicy: 'Never',
        },
      },
    });
    assert.deepEqual(objects.get('/apis/batch/v1/namespaces/demo/cronjobs')?.spec, {
      schedule: '*/5 * * * *',
      jobTemplate: {
        metadata: { name: 'tick' },
        spec: {
          template: {
            spec: {
              containers: [{ name: 'tick', image: 'busybox', command: ['date'] }],
              restartPolicy: 'OnFailure',
            },
          },
        },
      },
    });
    assert.deepEqual(objects.get('/api/v1/namespaces/demo/services')?.spec, {
      ports: [{ name: '80-8080', protocol: 'TCP', port: 80, targetPort: 8080 }],
      selector: { app: 'svc' },
      type: 'ClusterIP',
    });
    assert.deepEqual(objects.get('/apis/rbac.authorization.k8s.io/v1/namespaces/demo/roles')?.rules, [
      { verbs: ['get'], apiGroups: [''], resources: ['pods'] },
    ]);
    assert.deepEqual(objects.get('/apis/authorization.k8s.io/v1/selfsubjectaccessreviews')?.spec, {
      resourceAttributes: { namespace: 'demo', verb: 'list', resource: 'pods' },
    });
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(dir, { recursive: true, force: true });
  }
});
