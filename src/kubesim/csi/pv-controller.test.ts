import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startTestCluster, type TestCluster } from '../cluster/testing.ts';
import type { KubeObject } from '../registry/types.ts';
import { csiVolumeDir } from './paths.ts';

const claim = (name: string, spec: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name, namespace: 'default' },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '2Gi' } }, ...spec },
});
const phase = (obj: KubeObject | undefined): string | undefined =>
  (obj?.status as { phase?: string } | undefined)?.phase;

describe('persistent volume controller and provisioner', () => {
  let c: TestCluster;
  before(async () => {
    c = await startTestCluster({ nodes: 2 });
    c.api.create(c.ref('storage.k8s.io', 'storageclasses'), undefined, {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name: 'keep' },
      provisioner: 'hostpath.csi.k8s.io',
      reclaimPolicy: 'Retain',
      volumeBindingMode: 'Immediate',
    });
  });
  after(async () => {
    await c.stop();
  });

  test('an Immediate class provisions without a consumer; Retain keeps the volume Released with its data', async () => {
    c.api.create(c.ref('', 'persistentvolumeclaims'), 'default', claim('kept', { storageClassName: 'keep' }));
    const pvc = await c.waitFor('the claim to bind', () => {
      const p = c.get('', 'persistentvolumeclaims', 'default', 'kept');
      return phase(p) === 'Bound' ? p : undefined;
    });
    assert.ok(pvc.metadata.finalizers?.includes('kubernetes.io/pvc-protection'));
    assert.equal((pvc.status as { capacity: { storage: string } }).capacity.storage, '2Gi');
    const pvName = (pvc.spec as { volumeName: string }).volumeName;
    const pv = c.get('', 'persistentvolumes', undefined, pvName)!;
    assert.ok(pv.metadata.finalizers?.includes('kubernetes.io/pv-protection'));
    const dir = csiVolumeDir(c.dataDir, (pv.spec as { csi: { volumeHandle: string } }).csi.volumeHandle);
    writeFileSync(join(dir, 'keep.txt'), 'x');
    c.api.delete(c.ref('', 'persistentvolumeclaims'), 'default', 'kept');
    await c.waitFor(
      'the claim to go',
      () => c.get('', 'persistentvolumeclaims', 'default', 'kept') === undefined,
    );
    await c.waitFor(
      'the volume to be Released',
      () => phase(c.get('', 'persistentvolumes', undefined, pvName)) === 'Released',
    );
    assert.ok(existsSync(join(dir, 'keep.txt')));
  });

  test('a claim without a class gets the default class; deleting it deletes the provisioned volume and its directory', async () => {
    c.api.create(
      c.ref('', 'persistentvolumeclaims'),
      'default',
      claim('scratch', { storageClassName: undefined }),
    );
    c.api.create(c.ref('', 'pods'), 'default', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'user', namespace: 'default' },
      spec: {
        containers: [{ name: 'c', image: 'c:1' }],
        volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'scratch' } }],
      },
    });
    const pvc = await c.waitFor('the claim to bind', () => {
      const p = c.get('', 'persistentvolumeclaims', 'default', 'scratch');
      return phase(p) === 'Bound' ? p : undefined;
    });
    assert.equal((pvc.spec as { storageClassName: string }).storageClassName, 'standard');
    const pvName = (pvc.spec as { volumeName: string }).volumeName;
    const handle = (
      c.get('', 'persistentvolumes', undefined, pvName)!.spec as { csi: { volumeHandle: string } }
    ).csi.volumeHandle;
    c.api.delete(c.ref('', 'persistentvolumeclaims'), 'default', 'scratch');
    await new Promise((r) => setTimeout(r, 100));
    assert.ok(
      c.get('', 'persistentvolumeclaims', 'default', 'scratch'),
      'pvc-protection holds the claim while a pod uses it',
    );
    c.api.delete(c.ref('', 'pods'), 'default', 'user');
    await c.waitFor(
      'the claim and volume to go',
      () =>
        c.get('', 'persistentvolumeclaims', 'default', 'scratch') === undefined &&
        c.get('', 'persistentvolumes', undefined, pvName) === undefined,
    );
    assert.equal(existsSync(csiVolumeDir(c.dataDir, handle)), false);
  });

  test('a restored volume pre-bound by claimRef (no uid) binds to the claim that names it, keeping its data', async () => {
    const handle = 'restored-handle-1';
    mkdirSync(csiVolumeDir(c.dataDir, handle), { recursive: true });
    writeFileSync(join(csiVolumeDir(c.dataDir, handle), 'data.txt'), 'from backup');
    c.api.create(c.ref('', 'persistentvolumes'), undefined, {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name: 'pv-restored' },
      spec: {
        capacity: { storage: '2Gi' },
        accessModes: ['ReadWriteOnce'],
        persistentVolumeReclaimPolicy: 'Retain',
        storageClassName: 'standard',
        claimRef: { kind: 'PersistentVolumeClaim', namespace: 'default', name: 'app-data' },
        csi: { driver: 'hostpath.csi.k8s.io', volumeHandle: handle },
        nodeAffinity: {
          required: {
            nodeSelectorTerms: [
              {
                matchExpressions: [
                  { key: 'topology.hostpath.csi/node', operator: 'In', values: ['kubesim-node-2'] },
                ],
              },
            ],
          },
        },
      },
    });
    await c.waitFor(
      'the volume to be Available',
      () => phase(c.get('', 'persistentvolumes', undefined, 'pv-restored')) === 'Available',
    );
    c.api.create(
      c.ref('', 'persistentvolumeclaims'),
      'default',
      claim('app-data', { storageClassName: 'standard', volumeName: 'pv-restored' }),
    );
    c.api.create(c.ref('', 'pods'), 'default', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'app', namespace: 'default' },
      spec: {
        containers: [{ name: 'c', image: 'c:1' }],
        volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'app-data' } }],
      },
    });
    const pod = await c.waitFor('the pod to run', () => {
      const p = c.get('', 'pods', 'default', 'app');
      return phase(p) === 'Running' ? p : undefined;
    });
    assert.equal(
      (pod.spec as { nodeName: string }).nodeName,
      'kubesim-node-2',
      'the node-local volume decides the node',
    );
    const pv = c.get('', 'persistentvolumes', undefined, 'pv-restored')!;
    assert.equal(
      (pv.spec as { claimRef: { uid: string } }).claimRef.uid,
      c.get('', 'persistentvolumeclaims', 'default', 'app-data')!.metadata.uid,
    );
    assert.equal(phase(pv), 'Bound');
  });

  test('a bound claim of an expandable class grows when it asks for more', async () => {
    c.api.patch(c.ref('', 'persistentvolumeclaims'), 'default', 'app-data', 'merge', {
      spec: { resources: { requests: { storage: '5Gi' } } },
    });
    await c.waitFor('the new capacity', () => {
      const p = c.get('', 'persistentvolumeclaims', 'default', 'app-data');
      return (p?.status as { capacity?: { storage?: string } } | undefined)?.capacity?.storage === '5Gi';
    });
    assert.equal(
      (c.get('', 'persistentvolumes', undefined, 'pv-restored')!.spec as { capacity: { storage: string } })
        .capacity.storage,
      '5Gi',
    );
  });
});
