import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../registry/types.ts';
import { imageID, normalizeImage, qosClass } from './containers.ts';
import { IpPool } from './ip-pool.ts';
import { podMounts, podVolumeDir, volumeHostPath } from './layout.ts';
import { restoreMarkers, restoreUid } from './restore-wait.ts';

const root = '/data/nodes/kubesim-node-1';
const pod: KubeObject = {
  metadata: { name: 'p', namespace: 'ns', uid: 'u-1' },
  spec: {
    initContainers: [{ name: 'init', volumeMounts: [{ name: 'data', mountPath: '/restores/data' }] }],
    containers: [
      {
        name: 'app',
        volumeMounts: [
          { name: 'data', mountPath: '/var/lib/db', subPath: 'pgdata' },
          { name: 'logs', mountPath: '/var/log/app', readOnly: true },
          { name: 'cfg', mountPath: '/etc/app' },
          { name: 'unbound', mountPath: '/x' },
        ],
      },
    ],
    volumes: [
      { name: 'data', persistentVolumeClaim: { claimName: 'db' } },
      { name: 'logs', hostPath: { path: '/var/log/pods' } },
      { name: 'cfg', configMap: { name: 'c' } },
      { name: 'unbound', persistentVolumeClaim: { claimName: 'nothing-yet' } },
    ],
  },
};
const pv: KubeObject = {
  metadata: { name: 'pvc-1' },
  spec: { csi: { driver: 'hostpath.csi.k8s.io', volumeHandle: 'h' } },
};

test('pod volume directories follow the kubelet layout, with the plugin name escaped', () => {
  const expected = `${root}/var/lib/kubelet/pods/u-1/volumes/kubernetes.io~csi/pvc-1`;
  assert.equal(podVolumeDir(root, 'u-1', 'kubernetes.io/csi', 'pvc-1'), expected);
  assert.equal(podVolumeDir(root, 'u-1', 'kubernetes.io~csi', 'pvc-1'), expected);
  const claims = new Map([['db', pv]]);
  assert.equal(
    volumeHostPath(pod, { name: 'data', persistentVolumeClaim: { claimName: 'db' } }, root, claims),
    `${expected}/mount`,
  );
  assert.equal(
    volumeHostPath(pod, { name: 'logs', hostPath: { path: '/var/log/pods' } }, root),
    `${root}/var/log/pods`,
  );
  const hostPathPv: KubeObject = { metadata: { name: 'local' }, spec: { hostPath: { path: '/mnt/disk' } } };
  assert.equal(
    volumeHostPath(
      pod,
      { name: 'd', persistentVolumeClaim: { claimName: 'x' } },
      root,
      new Map([['x', hostPathPv]]),
    ),
    `${root}/mnt/disk`,
  );
});

test('podMounts maps every container mount to its host path, with subPath, read-only sources and unplaceable volumes left out', () => {
  const mounts = podMounts(pod, root, new Map([['db', pv]]));
  assert.deepEqual(Object.keys(mounts).sort(), ['app', 'init']);
  const app = new Map(mounts.app.map((m) => [m.mountPath, m]));
  assert.equal(
    app.get('/var/lib/db')?.hostPath,
    `${root}/var/lib/kubelet/pods/u-1/volumes/kubernetes.io~csi/pvc-1/mount/pgdata`,
  );
  assert.equal(app.get('/var/lib/db')?.subPath, 'pgdata');
  assert.equal(app.get('/var/log/app')?.readOnly, true);
  assert.equal(app.get('/etc/app')?.readOnly, true, 'configMap volumes are read-only');
  assert.equal(app.has('/x'), false);
  assert.equal(
    mounts.init[0].hostPath,
    `${root}/var/lib/kubelet/pods/u-1/volumes/kubernetes.io~csi/pvc-1/mount`,
  );
});

test('the restore-wait rule reads the restore uid from the last argument and waits on each mounted volume', () => {
  const c = {
    name: 'restore-wait',
    command: ['/lifeboat-restore-helper'],
    args: ['r-9'],
    volumeMounts: [
      { name: 'a', mountPath: '/restores/a' },
      { name: 'b', mountPath: '/restores/b' },
    ],
  };
  assert.equal(restoreUid(c), 'r-9');
  assert.equal(restoreUid({ name: 'restore-wait', command: ['/helper', 'r-7'] }), 'r-7');
  assert.equal(restoreUid({ name: 'restore-wait', command: ['/helper'] }), undefined);
  const paths = new Map([
    ['a', '/v/a'],
    ['b', '/v/b'],
  ]);
  assert.deepEqual(restoreMarkers(c, paths), ['/v/a/.lifeboat/r-9', '/v/b/.lifeboat/r-9']);
});

test('images, QoS classes and pod IPs look like a real node reports them', () => {
  assert.equal(normalizeImage('nginx'), 'docker.io/library/nginx:latest');
  assert.equal(normalizeImage('bitnami/redis:7'), 'docker.io/bitnami/redis:7');
  assert.equal(normalizeImage('ghcr.io/org/app:1.2'), 'ghcr.io/org/app:1.2');
  assert.equal(normalizeImage('localhost:5000/app'), 'localhost:5000/app:latest');
  assert.match(imageID('nginx:1.27'), /^docker\.io\/library\/nginx@sha256:[0-9a-f]{64}$/);
  assert.equal(qosClass([{ name: 'a' }]), 'BestEffort');
  assert.equal(qosClass([{ name: 'a', resources: { limits: { cpu: '1', memory: '1Gi' } } }]), 'Guaranteed');
  assert.equal(qosClass([{ name: 'a', resources: { requests: { cpu: '1' } } }]), 'Burstable');
  const pool = new IpPool('10.244.3.0/24');
  assert.equal(pool.allocate('a'), '10.244.3.2');
  assert.equal(pool.allocate('b'), '10.244.3.3');
  assert.equal(pool.allocate('a'), '10.244.3.2', 'stable per owner');
  pool.release('a');
  assert.equal(pool.allocate('c'), '10.244.3.2', 'released addresses are reused');
});
