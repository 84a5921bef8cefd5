import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startTestCluster, type TestCluster } from '../cluster/testing.ts';
import type { KubeObject } from '../registry/types.ts';
import { csiSnapshotDir, csiVolumeDir } from './paths.ts';

type Obj = Record<string, unknown>;

const claim = (name: string, extra: Obj = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name, namespace: 'default' },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...extra },
});

const podUsing = (name: string, claimName: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default' },
  spec: {
    containers: [{ name: 'app', image: 'busybox', volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
    volumes: [{ name: 'data', persistentVolumeClaim: { claimName } }],
  },
});

describe('hostpath CSI snapshots', () => {
  let c: TestCluster;
  let sourceHandle: string;
  before(async () => {
    c = await startTestCluster({ nodes: 2 });
    c.api.create(c.ref('', 'persistentvolumeclaims'), 'default', claim('data'));
    c.api.create(c.ref('', 'pods'), 'default', podUsing('writer', 'data'));
    const pvc = await c.waitFor('the claim to bind', () => {
      const p = c.get('', 'persistentvolumeclaims', 'default', 'data');
      return (p?.status as { phase?: string } | undefined)?.phase === 'Bound' ? p : undefined;
    });
    const pv = c.get('', 'persistentvolumes', undefined, (pvc.spec as { volumeName: string }).volumeName)!;
    sourceHandle = (pv.spec as { csi: { volumeHandle: string } }).csi.volumeHandle;
    const dir = csiVolumeDir(c.dataDir, sourceHandle);
    mkdirSync(join(dir, 'db'));
    writeFileSync(join(dir, 'db', 'table.dat'), 'rows\n', { mode: 0o600 });
    symlinkSync('db/table.dat', join(dir, 'current'));
  });
  after(async () => {
    await c.stop();
  });

  test('the default classes exist as on a real cluster', () => {
    const sc = c.get('storage.k8s.io', 'storageclasses', undefined, 'standard')!;
    assert.equal(sc.metadata.annotations?.['storageclass.kubernetes.io/is-default-class'], 'true');
    assert.equal(sc.volumeBindingMode, 'WaitForFirstConsumer');
    assert.equal(sc.provisioner, 'hostpath.csi.k8s.io');
    const vsc = c.get(
      'snapshot.storage.k8s.io',
      'volumesnapshotclasses',
      undefined,
      'csi-hostpath-snapclass',
    )!;
    assert.equal(vsc.deletionPolicy, 'Delete');
    assert.ok(c.get('storage.k8s.io', 'csidrivers', undefined, 'hostpath.csi.k8s.io'));
    assert.equal(c.api.list(c.ref('storage.k8s.io', 'csinodes')).items.length, 2);
  });

  test('a VolumeSnapshot copies the volume and becomes ready; a claim from it is pre-filled', async () => {
    c.api.create(c.ref('snapshot.storage.k8s.io', 'volumesnapshots'), 'default', {
      apiVersion: 'snapshot.storage.k8s.io/v1',
      kind: 'VolumeSnapshot',
      metadata: { name: 'snap', namespace: 'default' },
      spec: { source: { persistentVolumeClaimName: 'data' } },
    });
    const vs = await c.waitFor('the snapshot to be ready', () => {
      const s = c.get('snapshot.storage.k8s.io', 'volumesnapshots', 'default', 'snap');
      return (s?.status as { readyToUse?: boolean } | undefined)?.readyToUse ? s : undefined;
    });
    const status = vs.status as {
      boundVolumeSnapshotContentName: string;
      restoreSize: string;
      creationTime: string;
    };
    assert.equal(status.boundVolumeSnapshotContentName, `snapcontent-${vs.metadata.uid}`);
    assert.equal(status.restoreSize, '1Gi');
    assert.match(status.creationTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(
      (vs.spec as { volumeSnapshotClassName: string }).volumeSnapshotClassName,
      'csi-hostpath-snapclass',
    );
    assert.ok(
      vs.metadata.finalizers?.includes('snapshot.storage.kubernetes.io/volumesnapshot-bound-protection'),
    );
    const content = c.get(
      'snapshot.storage.k8s.io',
      'volumesnapshotcontents',
      undefined,
      status.boundVolumeSnapshotContentName,
    )!;
    const handle = (content.status as { snapshotHandle: string }).snapshotHandle;
    assert.equal((content.spec as { source: { volumeHandle: string } }).source.volumeHandle, sourceHandle);
    const snapDir = csiSnapshotDir(c.dataDir, handle);
    assert.equal(readFileSync(join(snapDir, 'db', 'table.dat'), 'utf8'), 'rows\n');
    assert.equal(statSync(join(snapDir, 'db', 'table.dat')).mode & 0o777, 0o600);
    assert.equal(readlinkSync(join(snapDir, 'current')), 'db/table.dat');

    // The snapshot is a copy: later writes to the volume do not change it.
    writeFileSync(join(csiVolumeDir(c.dataDir, sourceHandle), 'db', 'table.dat'), 'changed\n');
    c.api.create(
      c.ref('', 'persistentvolumeclaims'),
      'default',
      claim('restored', {
        dataSource: { apiGroup: 'snapshot.storage.k8s.io', kind: 'VolumeSnapshot', name: 'snap' },
      }),
    );
    c.api.create(c.ref('', 'pods'), 'default', podUsing('reader', 'restored'));
    const restored = await c.waitFor('the restored claim to bind', () => {
      const p = c.get('', 'persistentvolumeclaims', 'default', 'restored');
      return (p?.status as { phase?: string } | undefined)?.phase === 'Bound' ? p : undefined;
    });
    const pv = c.get(
      '',
      'persistentvolumes',
      undefined,
      (restored.spec as { volumeName: string }).volumeName,
    )!;
    const dir = csiVolumeDir(c.dataDir, (pv.spec as { csi: { volumeHandle: string } }).csi.volumeHandle);
    assert.equal(readFileSync(join(dir, 'db', 'table.dat'), 'utf8'), 'rows\n');
  });

  test('a pre-provisioned content binds to the snapshot that names it', async () => {
    const existing = c.get('snapshot.storage.k8s.io', 'volumesnapshots', 'default', 'snap')!;
    const content = c.get(
      'snapshot.storage.k8s.io',
      'volumesnapshotcontents',
      undefined,
      (existing.status as { boundVolumeSnapshotContentName: string }).boundVolumeSnapshotContentName,
    )!;
    const handle = (content.status as { snapshotHandle: string }).snapshotHandle;
    c.api.create(c.ref('snapshot.storage.k8s.io', 'volumesnapshotcontents'), undefined, {
      apiVersion: 'snapshot.storage.k8s.io/v1',
      kind: 'VolumeSnapshotContent',
      metadata: { name: 'imported' },
      spec: {
        deletionPolicy: 'Retain',
        driver: 'hostpath.csi.k8s.io',
        source: { snapshotHandle: handle },
        volumeSnapshotRef: { name: 'imported', namespace: 'default' },
      },
    });
    c.api.create(c.ref('snapshot.storage.k8s.io', 'volumesnapshots'), 'default', {
      apiVersion: 'snapshot.storage.k8s.io/v1',
      kind: 'VolumeSnapshot',
      metadata: { name: 'imported', namespace: 'default' },
      spec: { source: { volumeSnapshotContentName: 'imported' } },
    });
    const vs = await c.waitFor('the imported snapshot to be ready', () => {
      const s = c.get('snapshot.storage.k8s.io', 'volumesnapshots', 'default', 'imported');
      return (s?.status as { readyToUse?: boolean } | undefined)?.readyToUse ? s : undefined;
    });
    const bound = c.get('snapshot.storage.k8s.io', 'volumesnapshotcontents', undefined, 'imported')!;
    assert.equal(
      (bound.spec as { volumeSnapshotRef: { uid: string } }).volumeSnapshotRef.uid,
      vs.metadata.uid,
    );

    // Retain: deleting the snapshot keeps the content and the data.
    c.api.delete(c.ref('snapshot.storage.k8s.io', 'volumesnapshots'), 'default', 'imported');
    await c.waitFor(
      'the imported snapshot to go',
      () => c.get('snapshot.storage.k8s.io', 'volumesnapshots', 'default', 'imported') === undefined,
    );
    assert.ok(c.get('snapshot.storage.k8s.io', 'volumesnapshotcontents', undefined, 'imported'));
    assert.ok(existsSync(csiSnapshotDir(c.dataDir, handle)));
  });

  test('deleting a snapshot with deletionPolicy Delete removes its content and data', async () => {
    const vs = c.get('snapshot.storage.k8s.io', 'volumesnapshots', 'default', 'snap')!;
    const contentName = (vs.status as { boundVolumeSnapshotContentName: string })
      .boundVolumeSnapshotContentName;
    const handle = (
      c.get('snapshot.storage.k8s.io', 'volumesnapshotcontents', undefined, contentName)!.status as {
        snapshotHandle: string;
      }
    ).snapshotHandle;
    c.api.delete(c.ref('snapshot.storage.k8s.io', 'volumesnapshots'), 'default', 'snap');
    await c.waitFor(
      'snapshot and content to go',
      () =>
        c.get('snapshot.storage.k8s.io', 'volumesnapshots', 'default', 'snap') === undefined &&
        c.get('snapshot.storage.k8s.io', 'volumesnapshotcontents', undefined, contentName) === undefined,
    );
    assert.equal(existsSync(csiSnapshotDir(c.dataDir, handle)), false);
  });

  test('many snapshots at once are all taken, concurrently', async () => {
    const snapshots = c.ref('snapshot.storage.k8s.io', 'volumesnapshots');
    const started = Date.now();
    for (let i = 0; i < 40; i++) {
      c.api.create(snapshots, 'default', {
        apiVersion: 'snapshot.storage.k8s.io/v1',
        kind: 'VolumeSnapshot',
        metadata: { name: `many-${i}`, namespace: 'default' },
        spec: { source: { persistentVolumeClaimName: 'data' } },
      });
    }
    await c.waitFor(
      '40 ready snapshots',
      () =>
        c.api
          .list(snapshots, { namespace: 'default' })
          .items.filter(
            (s) =>
              s.metadata.name!.startsWith('many-') &&
              (s.status as { readyToUse?: boolean } | undefined)?.readyToUse,
          ).length === 40,
      20_000,
    );
    assert.ok(Date.now() - started < 20_000);
  });
});
