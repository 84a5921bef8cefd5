import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startTestCluster, type TestCluster } from '../cluster/testing.ts';
import { csiVolumeDir } from '../csi/paths.ts';
import type { KubeObject } from '../registry/types.ts';
import { kubeletPodDir, podMounts, podVolumeDir } from './layout.ts';

type PodStatus = {
  phase?: string;
  podIP?: string;
  hostIP?: string;
  startTime?: string;
  conditions?: { type: string; status: string; reason?: string }[];
  initContainerStatuses?: {
    name: string;
    ready: boolean;
    state: Record<string, { exitCode?: number; reason?: string }>;
  }[];
  containerStatuses?: {
    name: string;
    ready: boolean;
    started: boolean;
    imageID: string;
    containerID?: string;
    image: string;
    state: Record<string, unknown>;
  }[];
};
const statusOf = (pod: KubeObject | undefined): PodStatus => (pod?.status ?? {}) as PodStatus;
const condition = (pod: KubeObject | undefined, type: string) =>
  statusOf(pod).conditions?.find((x) => x.type === type);

describe('kubelet', () => {
  let c: TestCluster;
  const nodeOf = (pod: KubeObject) =>
    c.sim.nodes.find((n) => n.name === (pod.spec as { nodeName: string }).nodeName)!;
  const running = (name: string) =>
    c.waitFor(`${name} to run`, () => {
      const p = c.get('', 'pods', 'default', name);
      return statusOf(p).phase === 'Running' && condition(p, 'Ready')?.status === 'True' ? p : undefined;
    });

  before(async () => {
    c = await startTestCluster({ nodes: 2 });
    c.api.create(c.ref('', 'configmaps'), 'default', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'settings', namespace: 'default' },
      data: { 'app.conf': 'port=8080\n' },
    });
    c.api.create(c.ref('', 'secrets'), 'default', {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'creds', namespace: 'default' },
      data: { password: Buffer.from('s3cret').toString('base64') },
    });
  });
  after(async () => {
    await c.stop();
  });

  test('a running pod has the status kubectl reads, and its volumes in the kubelet layout', async () => {
    c.api.create(c.ref('', 'pods'), 'default', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web', namespace: 'default', labels: { tier: 'web' } },
      spec: {
        containers: [
          {
            name: 'nginx',
            image: 'nginx:1.27',
            volumeMounts: [
              { name: 'cache', mountPath: '/cache' },
              { name: 'conf', mountPath: '/etc/app' },
              { name: 'creds', mountPath: '/creds' },
              { name: 'info', mountPath: '/info' },
              { name: 'token', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' },
              { name: 'host', mountPath: '/host' },
            ],
          },
        ],
        volumes: [
          { name: 'cache', emptyDir: {} },
          { name: 'conf', configMap: { name: 'settings' } },
          { name: 'creds', secret: { secretName: 'creds' } },
          {
            name: 'info',
            downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] },
          },
          {
            name: 'token',
            projected: {
              sources: [
                { serviceAccountToken: { path: 'token', expirationSeconds: 3607 } },
                { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
                {
                  downwardAPI: {
                    items: [{ path: 'namespace', fieldRef: { fieldPath: 'metadata.namespace' } }],
                  },
                },
              ],
            },
          },
          { name: 'host', hostPath: { path: '/var/log/app', type: 'DirectoryOrCreate' } },
        ],
      },
    });
    const pod = await running('web');
    const status = statusOf(pod);
    const node = nodeOf(pod);
    assert.match(status.podIP!, new RegExp(`^10\\.244\\.${node.name.slice(-1)}\\.\\d+$`));
    assert.match(status.hostIP!, /^172\.18\.0\.\d+$/);
    assert.ok(status.startTime);
    assert.deepEqual(
      status.conditions!.map((x) => [x.type, x.status]),
      [
        ['PodReadyToStartContainers', 'True'],
        ['Initialized', 'True'],
        ['Ready', 'True'],
        ['ContainersReady', 'True'],
        ['PodScheduled', 'True'],
      ],
    );
    const cs = status.containerStatuses![0];
    assert.equal(cs.ready, true);
    assert.equal(cs.started, true);
    assert.equal(cs.image, 'docker.io/library/nginx:1.27');
    assert.match(cs.imageID, /^docker\.io\/library\/nginx@sha256:[0-9a-f]{64}$/);
    assert.ok(cs.containerID);
    assert.ok((cs.state.running as { startedAt: string }).startedAt);

    const uid = pod.metadata.uid!;
    const dir = (plugin: string, name: string) => podVolumeDir(node.rootDir, uid, plugin, name);
    assert.ok(lstatSync(dir('kubernetes.io~empty-dir', 'cache')).isDirectory());
    assert.equal(
      readFileSync(join(dir('kubernetes.io~configmap', 'conf'), 'app.conf'), 'utf8'),
      'port=8080\n',
    );
    assert.ok(
      lstatSync(join(dir('kubernetes.io~configmap', 'conf'), 'app.conf')).isSymbolicLink(),
      'written through ..data like the real atomic writer',
    );
    assert.equal(readFileSync(join(dir('kubernetes.io~secret', 'creds'), 'password'), 'utf8'), 's3cret');
    assert.equal(
      readFileSync(join(dir('kubernetes.io~downward-api', 'info'), 'labels'), 'utf8'),
      'tier="web"',
    );
    const token = readFileSync(join(dir('kubernetes.io~projected', 'token'), 'token'), 'utf8');
    const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
    assert.equal(claims.sub, 'system:serviceaccount:default:default');
    assert.match(
      readFileSync(join(dir('kubernetes.io~projected', 'token'), 'ca.crt'), 'utf8'),
      /BEGIN CERTIFICATE/,
    );
    assert.equal(readFileSync(join(dir('kubernetes.io~projected', 'token'), 'namespace'), 'utf8'), 'default');
    assert.ok(
      existsSync(join(node.rootDir, 'var', 'log', 'app')),
      'hostPath volumes live under the node root',
    );

    const mounts = podMounts(pod, node.rootDir);
    const byPath = new Map(mounts.nginx.map((m) => [m.mountPath, m]));
    assert.equal(byPath.get('/cache')?.hostPath, dir('kubernetes.io~empty-dir', 'cache'));
    assert.equal(byPath.get('/etc/app')?.readOnly, true);
    assert.equal(byPath.get('/cache')?.readOnly, false);
    assert.equal(byPath.get('/host')?.hostPath, join(node.rootDir, 'var', 'log', 'app'));
  });

  test('a pod stays ContainerCreating with a config error until its env secret exists', async () => {
    c.api.create(c.ref('', 'pods'), 'default', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'needs-env', namespace: 'default' },
      spec: {
        containers: [
          {
            name: 'app',
            image: 'app:1',
            env: [{ name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'later', key: 'token' } } }],
          },
        ],
      },
    });
    await c.waitFor('the config error', () => {
      const cs = statusOf(c.get('', 'pods', 'default', 'needs-env')).containerStatuses?.[0];
      return (cs?.state.waiting as { reason?: string } | undefined)?.reason === 'CreateContainerConfigError';
    });
    c.api.create(c.ref('', 'secrets'), 'default', {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'later', namespace: 'default' },
      data: { token: Buffer.from('x').toString('base64') },
    });
    await running('needs-env');
  });

  test('restore-wait holds a pod in Init until the restore marker exists in each volume, then removes the markers', async () => {
    c.api.create(c.ref('', 'persistentvolumeclaims'), 'default', {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'restored', namespace: 'default' },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
    });
    c.api.create(c.ref('', 'pods'), 'default', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'db', namespace: 'default' },
      spec: {
        initContainers: [
          {
            name: 'restore-wait',
            image: 'lifeboat/lifeboat:dev',
            command: ['/lifeboat-restore-helper'],
            args: ['restore-uid-123'],
            volumeMounts: [{ name: 'data', mountPath: '/restores/data' }],
          },
        ],
        containers: [
          {
            name: 'db',
            image: 'postgres:17',
            volumeMounts: [{ name: 'data', mountPath: '/var/lib/postgresql/data' }],
          },
        ],
        volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'restored' } }],
      },
    });
    const waiting = await c.waitFor('the pod to wait in Init', () => {
      const p = c.get('', 'pods', 'default', 'db');
      const init = statusOf(p).initContainerStatuses?.[0];
      return init?.state.running ? p : undefined;
    });
    assert.equal(statusOf(waiting).phase, 'Pending');
    assert.equal(condition(waiting, 'Initialized')?.reason, 'ContainersNotInitialized');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(
      statusOf(c.get('', 'pods', 'default', 'db')).phase,
      'Pending',
      'still held without the marker',
    );

    const node = nodeOf(waiting);
    const pvc = c.get('', 'persistentvolumeclaims', 'default', 'restored')!;
    const pvName = (pvc.spec as { volumeName: string }).volumeName;
    const mount = join(
      podVolumeDir(node.rootDir, waiting.metadata.uid!, 'kubernetes.io~csi', pvName),
      'mount',
    );
    mkdirSync(join(mount, '.lifeboat'), { recursive: true });
    writeFileSync(join(mount, 'restored.txt'), 'data\n');
    writeFileSync(join(mount, '.lifeboat', 'restore-uid-123'), '');
    const done = await running('db');
    const init = statusOf(done).initContainerStatuses![0];
    assert.deepEqual(
      [init.state.terminated?.exitCode, init.state.terminated?.reason, init.ready],
      [0, 'Completed', true],
    );
    assert.equal(existsSync(join(mount, '.lifeboat')), false);
    assert.equal(readFileSync(join(mount, 'restored.txt'), 'utf8'), 'data\n');
  });

  test('graceful deletion stops the pod, deletes it with grace 0 and removes its directory but not volume data', async () => {
    const pod = c.get('', 'pods', 'default', 'db')!;
    const node = nodeOf(pod);
    const pvc = c.get('', 'persistentvolumeclaims', 'default', 'restored')!;
    const pv = c.get('', 'persistentvolumes', undefined, (pvc.spec as { volumeName: string }).volumeName)!;
    const backing = csiVolumeDir(c.dataDir, (pv.spec as { csi: { volumeHandle: string } }).csi.volumeHandle);
    const deleting = c.api.delete(c.ref('', 'pods'), 'default', 'db') as KubeObject;
    assert.ok(deleting.metadata.deletionTimestamp, 'a bound pod is deleted gracefully');
    await c.waitFor('the pod to go', () => c.get('', 'pods', 'default', 'db') === undefined);
    await c.waitFor(
      'the pod directory to go',
      () => !existsSync(kubeletPodDir(node.rootDir, pod.metadata.uid!)),
    );
    assert.equal(readFileSync(join(backing, 'restored.txt'), 'utf8'), 'data\n');
    assert.equal(realpathSync(backing), backing);
  });

  test('housekeeping removes directories of pods the node does not run', async () => {
    const root = c.sim.nodes[0].rootDir;
    const stray = kubeletPodDir(root, '0b5e0a11-0000-4000-8000-000000000000');
    mkdirSync(join(stray, 'volumes', 'kubernetes.io~empty-dir', 'x'), { recursive: true });
    await c.waitFor('the stray directory to go', () => !existsSync(stray), 5000);
  });
});
