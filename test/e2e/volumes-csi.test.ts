/**
 * Issue 5's proof for CSI snapshots, end to end on kubesim with its cluster running: a StatefulSet whose
 * claims (the hostpath CSI driver) hold real files — text, modes, a symlink, a large sparse file — backed up
 * by the backup engine with the volume session and the CSI snapshotter as the server wires them, into a
 * temporary fs location; the namespace deleted (its volumes with it); restored by the restore engine
 * from pre-provisioned snapshots; every file compared by checksum; the backup's deletion removes the
 * snapshot data. Then 200 claims snapshotted in one backup, concurrently, against a provider latency.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { pino } from 'pino';
import type { Backup } from '../../src/api/resources/backup.ts';
import type { Restore } from '../../src/api/resources/restore.ts';
import { runBackup } from '../../src/backup/index.ts';
import { systemClock } from '../../src/core/clock.ts';
import { connect, type KubeConnection } from '../../src/kube/client.ts';
import { discoverResources } from '../../src/kube/discovery.ts';
import { createDynamicClient } from '../../src/kube/dynamic-client.ts';
import { ensureCrds } from '../../src/kube/lifeboat-client.ts';
import { transportFor } from '../../src/kube/transport.ts';
import type { DynamicClient, ResourceCatalog } from '../../src/kube/types.ts';
import { csiSnapshotDir, csiVolumeDir } from '../../src/kubesim/csi/paths.ts';
import { type Kubesim, startKubesim } from '../../src/kubesim/index.ts';
import { runRestore } from '../../src/restore/engine.ts';
import { createObjectStore, type ObjectStore } from '../../src/storage/index.ts';
import { backupKeys } from '../../src/storage/layout.ts';
import { BackupVolumeCoordinator } from '../../src/volumes/backup-session.ts';
import { CsiSnapshotter } from '../../src/volumes/csi/index.ts';
import {
  boundClaim,
  claim,
  immediateStorageClass,
  lifeboatSnapshotClass,
  resource,
  treeDigest,
} from '../../src/volumes/csi/test-support.ts';
import { RestoreVolumeCoordinator } from '../../src/volumes/restore-session.ts';
import type { VolumeInfo } from '../../src/volumes/volume-info.ts';
import { databaseStatefulSet, fillDatabaseVolume } from '../support/database-app.ts';

const SERVER_NS = 'lifeboat';
const APP = 'shop';
const logger = pino({ level: 'silent' });

describe('CSI snapshots end to end on kubesim', () => {
  let dataDir: string;
  let root: string;
  let sim: Kubesim;
  let conn: KubeConnection;
  let client: DynamicClient;
  let catalog: ResourceCatalog;
  let store: ObjectStore;
  let snapshotter: CsiSnapshotter;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'csi-e2e-sim-'));
    root = mkdtempSync(join(tmpdir(), 'csi-e2e-store-'));
    sim = await startKubesim({ dataDir, nodes: 2 });
    conn = connect(sim.kubeconfigPath);
    client = createDynamicClient(conn);
    await ensureCrds(client);
    catalog = await discoverResources(conn);
    store = await createObjectStore('fs', 'backups', undefined, { root });
    await client.create(
      resource(catalog, 'volumesnapshotclasses'),
      lifeboatSnapshotClass('lifeboat-snapclass'),
    );
    for (const name of [SERVER_NS, APP])
      await client.create(resource(catalog, 'namespaces'), {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name },
      });
    snapshotter = new CsiSnapshotter({
      client,
      catalog,
      logger,
      clock: systemClock,
      namespace: SERVER_NS,
      pollIntervalMs: 100,
    });
  });
  after(async () => {
    transportFor(conn.config).close();
    await sim?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(root, { recursive: true, force: true });
  });

  async function backUp(backup: Backup): Promise<Backup['status']> {
    const { status } = await runBackup(backup, {
      catalog,
      client,
      store,
      logger,
      clock: systemClock,
      volumes: {
        session: (run) =>
          new BackupVolumeCoordinator(
            { client, catalog, clock: systemClock, namespace: SERVER_NS, csi: snapshotter },
            run,
          ),
        podVolumeTimeoutMs: 120_000,
      },
    });
    return status;
  }

  async function waitFor<T>(
    what: string,
    check: () => Promise<T | undefined>,
    timeoutMs = 30_000,
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await check();
      if (value !== undefined) return value;
      if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  test('StatefulSet data: snapshot → namespace deleted → restored from snapshots → identical files; deletion removes the snapshots', async () => {
    await client.create(resource(catalog, 'statefulsets'), databaseStatefulSet(APP, 2, '2Gi'));
    const originals = new Map<string, Record<string, string>>();
    for (const ordinal of [0, 1]) {
      const { pv } = await boundClaim(client, catalog, APP, `data-db-${ordinal}`, 30_000);
      const dir = csiVolumeDir(dataDir, (pv.spec as { csi: { volumeHandle: string } }).csi.volumeHandle);
      fillDatabaseVolume(dir, ordinal, 2000, 256 * 1024 * 1024);
      originals.set(`data-db-${ordinal}`, treeDigest(dir));
    }
    // The sparse file is sparse at the source: the comparison below is of a real sparse file.
    assert.ok(
      statSync(join(csiVolumeDir(dataDir, await handleOf('data-db-0')), 'sparse.img')).blocks * 512 <
        1024 * 1024,
    );

    const backup = {
      apiVersion: 'lifeboat.io/v1',
      kind: 'Backup',
      metadata: { name: 'shop-snap', namespace: SERVER_NS, uid: 'uid-shop-snap' },
      spec: { includedNamespaces: [APP], snapshotVolumes: true, storageLocation: 'default' },
    } as Backup;
    const status = await backUp(backup);
    assert.equal(status?.phase, 'Completed', JSON.stringify(status));
    assert.equal(status?.csiVolumeSnapshotsAttempted, 2);
    assert.equal(status?.csiVolumeSnapshotsCompleted, 2);
    const infos = JSON.parse(
      gunzipSync(await store.getBuffer(backupKeys('shop-snap').volumeInfo)).toString(),
    ) as VolumeInfo[];
    const snapshots = infos.filter((i) => i.backupMethod === 'CSISnapshot');
    assert.deepEqual(snapshots.map((i) => i.pvcName).sort(), ['data-db-0', 'data-db-1']);
    assert.ok(
      snapshots.every(
        (i) =>
          i.result === 'succeeded' &&
          i.csiSnapshotInfo?.snapshotHandle &&
          i.csiSnapshotInfo.driver === 'hostpath.csi.k8s.io',
      ),
    );
    const handles = snapshots.map((i) => i.csiSnapshotInfo?.snapshotHandle ?? '');

    // Disaster: the namespace goes, its claims and (reclaim Delete) volumes with it; the snapshots stay.
    const volumeDirs = await Promise.all(
      ['data-db-0', 'data-db-1'].map(async (c) => csiVolumeDir(dataDir, await handleOf(c))),
    );
    await client.delete(resource(catalog, 'namespaces'), undefined, APP);
    await waitFor(
      'the namespace to be gone',
      async () => ((await client.get(resource(catalog, 'namespaces'), undefined, APP)) ? undefined : true),
      60_000,
    );
    await waitFor('the volumes to be deleted', async () =>
      volumeDirs.some((d) => existsSync(d)) ? undefined : true,
    );
    for (const h of handles) assert.ok(existsSync(csiSnapshotDir(dataDir, h)), `snapshot ${h} survived`);

    const restore = {
      apiVersion: 'lifeboat.io/v1',
      kind: 'Restore',
      metadata: { name: 'shop-back', namespace: SERVER_NS, uid: 'uid-shop-back' },
      spec: { backupName: 'shop-snap' },
    } as Restore;
    const { status: restored } = await runRestore(restore, {
      catalog,
      client,
      store,
      serverNamespace: SERVER_NS,
      logger,
      clock: systemClock,
      volumes: {
        session: (run) =>
          new RestoreVolumeCoordinator(
            { client, catalog, clock: systemClock, namespace: SERVER_NS, csi: snapshotter },
            run,
          ),
        podVolumeTimeoutMs: 60_000,
      },
    });
    assert.equal(restored?.phase, 'Completed', JSON.stringify(restored));
    for (const ordinal of [0, 1]) {
      const name = `data-db-${ordinal}`;
      const { pvc, pv } = await boundClaim(client, catalog, APP, name, 30_000);
      const source = (pvc.spec as { dataSource?: { kind?: string } }).dataSource;
      assert.equal(source?.kind, 'VolumeSnapshot');
      const dir = csiVolumeDir(dataDir, (pv.spec as { csi: { volumeHandle: string } }).csi.volumeHandle);
      assert.deepEqual(treeDigest(dir), originals.get(name), `${name} restored identical`);
      assert.ok(statSync(join(dir, 'sparse.img')).blocks * 512 < 1024 * 1024, 'still sparse');
    }
    // The pods come back on the restored claims.
    await waitFor('the StatefulSet pods to run', async () => {
      const pod = await client.get(resource(catalog, 'pods'), APP, 'db-1');
      return (pod?.status as { phase?: string } | undefined)?.phase === 'Running' ? true : undefined;
    });

    const errors = await snapshotter.deleteForBackup({ backup, store, logger });
    assert.deepEqual(errors, []);
    await waitFor('the snapshot data to be deleted', async () =>
      handles.some((h) => existsSync(csiSnapshotDir(dataDir, h))) ? undefined : true,
    );
  });

  test('200 claims in one backup: snapshots taken concurrently, total under 3 × one snapshot latency', async () => {
    const latencyMs = 4000;
    const count = 200;
    await client.create(resource(catalog, 'storageclasses'), immediateStorageClass('fast'));
    await client
      .patch(resource(catalog, 'volumesnapshotclasses'), undefined, 'lifeboat-snapclass', 'merge', {
        parameters: { 'kubesim.lifeboat.io/snapshot-latency-ms': String(latencyMs) },
      })
      .catch(async () => undefined);
    await client.create(resource(catalog, 'namespaces'), {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'many' },
    });
    for (let i = 0; i < count; i += 50)
      await Promise.all(
        Array.from({ length: Math.min(50, count - i) }, (_, j) =>
          client.create(resource(catalog, 'persistentvolumeclaims'), claim('many', `v${i + j}`, 'fast')),
        ),
      );
    await Promise.all(
      Array.from({ length: count }, (_, i) => boundClaim(client, catalog, 'many', `v${i}`, 120_000)),
    );
    const backup = {
      apiVersion: 'lifeboat.io/v1',
      kind: 'Backup',
      metadata: { name: 'many-snaps', namespace: SERVER_NS, uid: 'uid-many-snaps' },
      spec: { includedNamespaces: ['many'], snapshotVolumes: true, storageLocation: 'default' },
    } as Backup;
    const started = Date.now();
    const status = await backUp(backup);
    const elapsed = Date.now() - started;
    assert.equal(status?.phase, 'Completed', JSON.stringify(status));
    assert.equal(status?.csiVolumeSnapshotsCompleted, count);
    assert.ok(
      elapsed < 3 * latencyMs,
      `${count} snapshots took ${elapsed} ms, more than 3 × ${latencyMs} ms`,
    );
  });

  async function handleOf(claimName: string): Promise<string> {
    const { pv } = await boundClaim(client, catalog, APP, claimName);
    return (pv.spec as { csi: { volumeHandle: string } }).csi.volumeHandle;
  }
});
