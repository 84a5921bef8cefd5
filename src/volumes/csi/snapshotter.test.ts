import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import pino from 'pino';
import { LABELS } from '../../api/labels.ts';
import { systemClock } from '../../core/clock.ts';
import { isLifeboatError } from '../../core/errors.ts';
import { connect, type KubeConnection } from '../../kube/client.ts';
import { discoverResources } from '../../kube/discovery.ts';
import { createDynamicClient } from '../../kube/dynamic-client.ts';
import { ensureCrds } from '../../kube/lifeboat-client.ts';
import { transportFor } from '../../kube/transport.ts';
import type { DynamicClient, KubeObject, ResourceCatalog } from '../../kube/types.ts';
import { csiSnapshotDir, csiVolumeDir } from '../../kubesim/csi/paths.ts';
import { type Kubesim, startKubesim } from '../../kubesim/index.ts';
import { backupKeys } from '../../storage/layout.ts';
import type { ObjectStore } from '../../storage/object-store.ts';
import type { VolumeInfo } from '../volume-info.ts';
import { CsiSnapshotter } from './snapshotter.ts';
import {
  boundClaim,
  claim,
  immediateStorageClass,
  lifeboatSnapshotClass,
  resource,
  testBackup,
  testRestore,
  treeDigest,
} from './test-support.ts';

const logger = pino({ level: 'silent' });

/** Just enough of an ObjectStore for deletion: the volume-info side file. */
function storeWith(files: Record<string, Buffer>): ObjectStore {
  return {
    exists: async (key: string) => key in files,
    getBuffer: async (key: string) => {
      const b = files[key];
      if (!b) throw new Error(`no ${key}`);
      return b;
    },
  } as unknown as ObjectStore;
}

describe('CsiSnapshotter against kubesim', () => {
  let dataDir: string;
  let sim: Kubesim;
  let conn: KubeConnection;
  let client: DynamicClient;
  let catalog: ResourceCatalog;
  let snapshotter: CsiSnapshotter;

  const handleOf = (pv: KubeObject): string =>
    (pv.spec as { csi: { volumeHandle: string } }).csi.volumeHandle;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'csi-snapshotter-'));
    sim = await startKubesim({ dataDir, nodes: 1 });
    conn = connect(sim.kubeconfigPath);
    client = createDynamicClient(conn);
    await ensureCrds(client);
    catalog = await discoverResources(conn);
    await client.create(resource(catalog, 'storageclasses'), immediateStorageClass('fast'));
    await client.create(
      resource(catalog, 'volumesnapshotclasses'),
      lifeboatSnapshotClass('lifeboat-snap', 0),
    );
    for (const ns of ['app', 'many'])
      await client.create(resource(catalog, 'namespaces'), {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: ns },
      });
    snapshotter = new CsiSnapshotter({
      client,
      catalog,
      logger,
      clock: systemClock,
      namespace: 'lifeboat',
      pollIntervalMs: 50,
    });
  });
  after(async () => {
    transportFor(conn.config).close();
    await sim.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('classFor: the labelled class of the driver, the PVC annotation wins, none for a non-CSI volume', async () => {
    const pv = {
      metadata: { name: 'pv' },
      spec: { csi: { driver: 'hostpath.csi.k8s.io', volumeHandle: 'h' } },
    };
    assert.equal(await snapshotter.classFor({ metadata: { name: 'c' } }, pv), 'lifeboat-snap');
    assert.equal(
      await snapshotter.classFor(
        {
          metadata: { name: 'c', annotations: { [LABELS.csiVolumeSnapshotClass]: 'csi-hostpath-snapclass' } },
        },
        pv,
      ),
      'csi-hostpath-snapclass',
    );
    assert.equal(
      await snapshotter.classFor({ metadata: { name: 'c' } }, { spec: { hostPath: { path: '/x' } } }),
      undefined,
    );
    await assert.rejects(
      snapshotter.classFor(
        { metadata: { name: 'c', annotations: { [LABELS.csiVolumeSnapshotClass]: 'absent' } } },
        pv,
      ),
      /VolumeSnapshotClass "absent" not found/,
    );
  });

  test('snapshot → namespace data gone → restore from pre-provisioned snapshot → same files; deletion removes the data', async () => {
    await client.create(resource(catalog, 'persistentvolumeclaims'), claim('app', 'data', 'fast'));
    const { pvc, pv } = await boundClaim(client, catalog, 'app', 'data');
    const dir = csiVolumeDir(dataDir, handleOf(pv));
    mkdirSync(join(dir, 'db'), { recursive: true });
    writeFileSync(join(dir, 'db', 'table.dat'), 'rows\n'.repeat(1000), { mode: 0o600 });
    symlinkSync('db/table.dat', join(dir, 'current'));
    const before = treeDigest(dir);

    const backup = testBackup('b1');
    const info = await snapshotter.snapshot(backup, pvc, pv);
    assert.equal(info.backupMethod, 'CSISnapshot');
    assert.equal(info.result, 'succeeded');
    assert.equal(info.pvcName, 'data');
    assert.equal(info.csiSnapshotInfo?.driver, 'hostpath.csi.k8s.io');
    assert.equal(info.csiSnapshotInfo?.size, 2 ** 30);
    const handle = info.csiSnapshotInfo?.snapshotHandle ?? '';
    assert.ok(existsSync(csiSnapshotDir(dataDir, handle)));
    // The VolumeSnapshot is gone, the content kept with Retain and labelled with the backup.
    const snapshots = await client.get(resource(catalog, 'volumesnapshots'), 'app', 'x');
    assert.equal(snapshots, undefined);
    const vsList: KubeObject[] = [];
    for await (const p of client.listPages(resource(catalog, 'volumesnapshots'), { namespace: 'app' }))
      vsList.push(...p.items);
    assert.deepEqual(
      vsList.map((v) => v.metadata?.name),
      [],
    );
    const vsc = await client.get(
      resource(catalog, 'volumesnapshotcontents'),
      undefined,
      info.csiSnapshotInfo?.vscName ?? '',
    );
    assert.equal((vsc?.spec as { deletionPolicy?: string } | undefined)?.deletionPolicy, 'Retain');
    assert.equal(vsc?.metadata?.labels?.[LABELS.backupName], 'b1');

    // The source data goes (its namespace would be deleted in a disaster): the snapshot must not.
    await client.delete(resource(catalog, 'persistentvolumeclaims'), 'app', 'data');
    await waitGone(client, catalog, pv.metadata?.name ?? '');
    assert.ok(existsSync(csiSnapshotDir(dataDir, handle)), 'the retained snapshot survives its claim');

    const restore = testRestore('r1', 'b1', { app: 'app2' });
    await client.create(resource(catalog, 'namespaces'), {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'app2' },
    });
    const backedUp = { ...pvc, metadata: { name: 'data', namespace: 'app' } };
    const out = await snapshotter.restorePvc(restore, backedUp, info);
    assert.deepEqual(
      out.create.map((o) => o.kind),
      ['VolumeSnapshotContent', 'VolumeSnapshot'],
    );
    assert.equal((out.pvc.spec as { volumeName?: string }).volumeName, undefined);
    assert.equal((out.pvc.spec as { storageClassName?: string }).storageClassName, 'fast');
    for (const o of out.create)
      await client.create(
        resource(catalog, o.kind === 'VolumeSnapshot' ? 'volumesnapshots' : 'volumesnapshotcontents'),
        o,
      );
    await client.create(resource(catalog, 'persistentvolumeclaims'), {
      ...out.pvc,
      metadata: { name: 'data', namespace: 'app2' },
      status: undefined,
    });
    const restored = await boundClaim(client, catalog, 'app2', 'data');
    assert.deepEqual(treeDigest(csiVolumeDir(dataDir, handleOf(restored.pv))), before);

    // Deleting the backup: the restore's own content is Retain and not the backup's; the backup's goes.
    const errors = await snapshotter.deleteForBackup({ backup, store: storeWith({}), logger });
    assert.deepEqual(errors, []);
    await waitUntilTrue(
      () => !existsSync(csiSnapshotDir(dataDir, handle)),
      'the snapshot data to be deleted',
    );
  });

  test('deleteForBackup removes a snapshot the cluster has no content for, from the volume-info side file', async () => {
    await client.create(resource(catalog, 'persistentvolumeclaims'), claim('app', 'other', 'fast'));
    const { pvc, pv } = await boundClaim(client, catalog, 'app', 'other');
    const backup = testBackup('b2');
    const info = await snapshotter.snapshot(backup, pvc, pv);
    const handle = info.csiSnapshotInfo?.snapshotHandle ?? '';
    // As in a second cluster that synced the backup: no content, only the side file.
    await client.delete(
      resource(catalog, 'volumesnapshotcontents'),
      undefined,
      info.csiSnapshotInfo?.vscName ?? '',
    );
    assert.ok(existsSync(csiSnapshotDir(dataDir, handle)));
    const sideFile = gzipSync(JSON.stringify([info] satisfies VolumeInfo[]));
    const errors = await snapshotter.deleteForBackup({
      backup: testBackup('b2'),
      store: storeWith({ [backupKeys('b2').volumeInfo]: sideFile }),
      logger,
    });
    assert.deepEqual(errors, []);
    await waitUntilTrue(
      () => !existsSync(csiSnapshotDir(dataDir, handle)),
      'the orphan snapshot data to be deleted',
    );
  });

  test('a snapshot that never becomes ready fails within csiSnapshotTimeout and leaves nothing behind', async () => {
    // A claim that never binds (no such class): the snapshot controller cannot cut it.
    await client.create(resource(catalog, 'persistentvolumeclaims'), claim('app', 'pending', 'absent-class'));
    const pvc = await client.get(resource(catalog, 'persistentvolumeclaims'), 'app', 'pending');
    const pv = {
      metadata: { name: 'pv-x' },
      spec: { csi: { driver: 'hostpath.csi.k8s.io', volumeHandle: 'none' } },
    };
    const started = Date.now();
    const err = await snapshotter.snapshot(testBackup('b3', { csiSnapshotTimeout: '1s' }), pvc!, pv).then(
      () => assert.fail('expected a timeout'),
      (e: unknown) => e,
    );
    assert.ok(isLifeboatError(err) && err.code === 'Timeout', String(err));
    assert.match(String((err as Error).message), /PVC app\/pending/);
    assert.ok(Date.now() - started < 5_000);
    const left: KubeObject[] = [];
    for await (const p of client.listPages(resource(catalog, 'volumesnapshots'), {
      labelSelector: `${LABELS.backupName}=b3`,
    }))
      left.push(...p.items);
    assert.equal(left.filter((v) => !v.metadata?.deletionTimestamp).length, 0);
  });

  test('100 snapshots of one backup, past the bound of 64, overlap: total under 3 × one snapshot latency', async () => {
    const latencyMs = 4000;
    await client.create(resource(catalog, 'volumesnapshotclasses'), {
      ...lifeboatSnapshotClass('slow-snap', latencyMs),
      metadata: { name: 'slow-snap' },
    });
    const count = 100;
    await Promise.all(
      Array.from({ length: count }, (_, i) =>
        client.create(resource(catalog, 'persistentvolumeclaims'), claim('many', `v${i}`, 'fast')),
      ),
    );
    const claims = await Promise.all(
      Array.from({ length: count }, (_, i) => boundClaim(client, catalog, 'many', `v${i}`, 60_000)),
    );
    const backup = testBackup(
      'many',
      {},
      { [`${LABELS.csiVolumeSnapshotClass}_hostpath.csi.k8s.io`]: 'slow-snap' },
    );
    const started = Date.now();
    const infos = await Promise.all(claims.map(({ pvc, pv }) => snapshotter.snapshot(backup, pvc, pv)));
    const elapsed = Date.now() - started;
    assert.equal(infos.length, count);
    assert.ok(infos.every((i) => i.result === 'succeeded' && i.csiSnapshotInfo?.snapshotHandle));
    assert.equal(new Set(infos.map((i) => i.csiSnapshotInfo?.snapshotHandle)).size, count);
    assert.ok(
      elapsed < 3 * latencyMs,
      `${count} snapshots took ${elapsed} ms, more than 3 × ${latencyMs} ms`,
    );
  });
});

async function waitUntilTrue(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function waitGone(client: DynamicClient, catalog: ResourceCatalog, pvName: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (await client.get(resource(catalog, 'persistentvolumes'), undefined, pvName)) {
    if (Date.now() > deadline) assert.fail(`PV ${pvName} was not deleted`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
