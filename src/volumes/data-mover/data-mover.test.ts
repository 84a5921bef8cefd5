import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { LABELS } from '../../api/labels.ts';
import type { Backup } from '../../api/resources/backup.ts';
import type { Restore } from '../../api/resources/restore.ts';
import { systemClock } from '../../core/clock.ts';
import { connect, type KubeConnection } from '../../kube/client.ts';
import { discoverResources } from '../../kube/discovery.ts';
import { createDynamicClient } from '../../kube/dynamic-client.ts';
import { ensureCrds } from '../../kube/lifeboat-client.ts';
import { transportFor } from '../../kube/transport.ts';
import type { DynamicClient, KubeObject, ResourceCatalog } from '../../kube/types.ts';
import { csiSnapshotDir } from '../../kubesim/csi/paths.ts';
import { type Kubesim, startKubesim } from '../../kubesim/index.ts';
import { labelValue } from '../csi/names.ts';
import { CsiSnapshotter } from '../csi/snapshotter.ts';
import {
  boundClaim,
  claim,
  immediateStorageClass,
  lifeboatSnapshotClass,
  resource,
  testBackup,
  testRestore,
} from '../csi/test-support.ts';
import { DYNAMIC_PV_RESTORE_LABEL } from './data-download.ts';

const logger = pino({ level: 'silent' });
const NS = 'lifeboat';

/**
 * The node agent's side of the contract, played by the test while the agent is not part of this unit:
 * it answers each DataUpload/DataDownload the way the agent does (status only), after checking what the
 * agent needs is there.
 */
async function firstOf(
  client: DynamicClient,
  res: ReturnType<typeof resource>,
  selector: string,
): Promise<KubeObject> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    for await (const page of client.listPages(res, { namespace: NS, labelSelector: selector }))
      if (page.items[0]) return page.items[0];
    if (Date.now() > deadline) assert.fail(`nothing matches ${selector}`);
    await new Promise((r) => setTimeout(r, 30));
  }
}

describe('snapshot data movement through DataUpload and DataDownload', () => {
  let dataDir: string;
  let sim: Kubesim;
  let conn: KubeConnection;
  let client: DynamicClient;
  let catalog: ResourceCatalog;
  let snapshotter: CsiSnapshotter;

  /** The object as the API server stored it (with its uid), so owner references hold. */
  async function stored<T extends Backup | Restore>(object: T): Promise<T> {
    const { uid: _uid, ...metadata } = object.metadata;
    const kind = object.kind === 'Backup' ? 'backups.lifeboat.io' : 'restores.lifeboat.io';
    return (await client.create(resource(catalog, kind), {
      ...object,
      metadata,
    } as KubeObject)) as unknown as T;
  }

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'data-mover-'));
    sim = await startKubesim({ dataDir, nodes: 1 });
    conn = connect(sim.kubeconfigPath);
    client = createDynamicClient(conn);
    await ensureCrds(client);
    catalog = await discoverResources(conn);
    await client.create(resource(catalog, 'storageclasses'), immediateStorageClass('fast'));
    await client.create(resource(catalog, 'volumesnapshotclasses'), lifeboatSnapshotClass('lifeboat-snap'));
    for (const name of [NS, 'src', 'dst'])
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
      namespace: NS,
      pollIntervalMs: 30,
      // No BackupRepository reconciler runs here: the repository is the agent's business in this test.
      ensureRepository: async () => undefined,
    });
  });
  after(async () => {
    transportFor(conn.config).close();
    await sim.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('backup: a DataUpload per snapshot, awaited; the local snapshot then removed with its data', async () => {
    await client.create(resource(catalog, 'persistentvolumeclaims'), claim('src', 'db', 'fast'));
    const { pvc, pv } = await boundClaim(client, catalog, 'src', 'db');
    const backup = await stored(testBackup('moved', { snapshotMoveData: true, csiSnapshotTimeout: '2m' }));
    const pending = snapshotter.snapshot(backup, pvc, pv);

    const du = await firstOf(
      client,
      resource(catalog, 'datauploads.lifeboat.io'),
      `${LABELS.backupName}=moved`,
    );
    const spec = du.spec as Record<string, unknown> & { csiSnapshot: Record<string, string> };
    assert.equal(spec.snapshotType, 'CSI');
    assert.equal(spec.sourcePVC, 'db');
    assert.equal(spec.sourceNamespace, 'src');
    assert.equal(spec.backupStorageLocation, 'default');
    assert.equal(spec.operationTimeout, '2m');
    assert.equal(spec.csiSnapshot.storageClass, 'fast');
    assert.equal(spec.csiSnapshot.snapshotClass, 'lifeboat-snap');
    assert.equal(
      du.metadata?.labels?.[LABELS.asyncOperationId],
      labelValue(`du-${backup.metadata.uid}.${pvc.metadata?.uid}`),
    );
    // What the agent reads: the snapshot, ready, in the source namespace.
    const vs = await client.get(resource(catalog, 'volumesnapshots'), 'src', spec.csiSnapshot.volumeSnapshot);
    const vsStatus = (vs?.status ?? {}) as { readyToUse?: boolean; boundVolumeSnapshotContentName?: string };
    assert.equal(vsStatus.readyToUse, true);
    const vsc = await client.get(
      resource(catalog, 'volumesnapshotcontents'),
      undefined,
      vsStatus.boundVolumeSnapshotContentName ?? '',
    );
    const handle = ((vsc?.status ?? {}) as { snapshotHandle?: string }).snapshotHandle ?? '';
    assert.ok(handle);
    await client.patch(
      resource(catalog, 'datauploads.lifeboat.io'),
      NS,
      du.metadata?.name ?? '',
      'merge',
      {
        status: {
          phase: 'Completed',
          snapshotID: 'f00d',
          progress: { totalBytes: 4096, bytesDone: 4096 },
          incrementalBytes: 4096,
        },
      },
      { subresource: 'status' },
    );

    const info = await pending;
    assert.equal(info.backupMethod, 'CSISnapshot');
    assert.equal(info.snapshotDataMoved, true);
    assert.equal(info.snapshotDataMovementInfo?.snapshotHandle, 'f00d');
    assert.equal(info.snapshotDataMovementInfo?.size, 4096);
    assert.equal(info.snapshotDataMovementInfo?.phase, 'Completed');
    assert.equal(info.csiSnapshotInfo, undefined, 'no local snapshot is kept');
    const deadline = Date.now() + 10_000;
    while (existsSync(csiSnapshotDir(dataDir, handle))) {
      if (Date.now() > deadline) assert.fail('the local snapshot data was not removed');
      await new Promise((r) => setTimeout(r, 30));
    }
  });

  test('backup: a failed upload fails the PVC with the agent message and leaves no snapshot', async () => {
    await client.create(resource(catalog, 'persistentvolumeclaims'), claim('src', 'logs', 'fast'));
    const { pvc, pv } = await boundClaim(client, catalog, 'src', 'logs');
    const backup = await stored(testBackup('broken', { snapshotMoveData: true }));
    const pending = snapshotter.snapshot(backup, pvc, pv);
    const du = await firstOf(
      client,
      resource(catalog, 'datauploads.lifeboat.io'),
      `${LABELS.backupName}=broken`,
    );
    await client.patch(
      resource(catalog, 'datauploads.lifeboat.io'),
      NS,
      du.metadata?.name ?? '',
      'merge',
      {
        status: { phase: 'Failed', message: 'node agent on node-1 lost the volume' },
      },
      { subresource: 'status' },
    );
    await assert.rejects(
      pending,
      /PVC src\/logs: DataUpload .* Failed: node agent on node-1 lost the volume/,
    );
    const left: KubeObject[] = [];
    for await (const p of client.listPages(resource(catalog, 'volumesnapshotcontents'), {
      labelSelector: `${LABELS.backupName}=broken`,
    }))
      left.push(...p.items.filter((c) => !c.metadata?.deletionTimestamp));
    assert.equal(left.length, 0);
  });

  test('restore: a DataDownload, and a claim no provisioner fills until the agent hands it its volume', async () => {
    await stored({ ...testBackup('moved-elsewhere'), spec: { storageLocation: 'primary' } } as Backup);
    const restore = await stored(testRestore('r-moved', 'moved-elsewhere', { src: 'dst' }));
    const backedUp: KubeObject = {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'db', namespace: 'src' },
      spec: {
        accessModes: ['ReadWriteOnce'],
        storageClassName: 'fast',
        volumeName: 'pvc-old',
        resources: { requests: { storage: '1Gi' } },
      },
    };
    const out = await snapshotter.restorePvc(restore, backedUp, {
      pvcName: 'db',
      pvcNamespace: 'src',
      backupMethod: 'CSISnapshot',
      snapshotDataMoved: true,
      preserveLocalSnapshot: false,
      skipped: false,
      result: 'succeeded',
      snapshotDataMovementInfo: { snapshotHandle: 'f00d', size: 4096 },
    });
    assert.equal(out.create.length, 1);
    const dd = out.create[0]!;
    assert.equal(dd.kind, 'DataDownload');
    assert.deepEqual((dd.spec as { targetVolume: unknown }).targetVolume, {
      pvc: 'db',
      pv: '',
      namespace: 'dst',
    });
    assert.equal((dd.spec as { backupStorageLocation: string }).backupStorageLocation, 'primary');
    assert.equal((dd.spec as { snapshotID: string }).snapshotID, 'f00d');
    assert.equal((dd.spec as { sourceNamespace: string }).sourceNamespace, 'src');
    const selector = (out.pvc.spec as { selector: { matchLabels: Record<string, string> } }).selector
      .matchLabels[DYNAMIC_PV_RESTORE_LABEL];
    assert.ok(selector);
    assert.equal((out.pvc.spec as { volumeName?: string }).volumeName, undefined);

    const created = await client.create(resource(catalog, 'datadownloads.lifeboat.io'), dd);
    await client.create(resource(catalog, 'persistentvolumeclaims'), {
      ...out.pvc,
      metadata: { name: 'db', namespace: 'dst' },
    });
    const waiting = snapshotter.waitForDataDownloads(restore);
    await sim.settled();
    await new Promise((r) => setTimeout(r, 300));
    const pendingClaim = await client.get(resource(catalog, 'persistentvolumeclaims'), 'dst', 'db');
    assert.equal(
      ((pendingClaim?.status ?? {}) as { phase?: string }).phase,
      'Pending',
      'no empty volume is provisioned',
    );

    // The agent's hand-over: a volume carrying the selector's label, reserved for the claim, then Completed.
    await client.create(resource(catalog, 'persistentvolumes'), {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name: 'pv-restored', labels: { [DYNAMIC_PV_RESTORE_LABEL]: selector! } },
      spec: {
        accessModes: ['ReadWriteOnce'],
        capacity: { storage: '1Gi' },
        storageClassName: 'fast',
        persistentVolumeReclaimPolicy: 'Delete',
        claimRef: { namespace: 'dst', name: 'db' },
        csi: { driver: 'hostpath.csi.k8s.io', volumeHandle: 'restored-handle' },
      },
    });
    await client.patch(
      resource(catalog, 'datadownloads.lifeboat.io'),
      NS,
      created.metadata?.name ?? '',
      'merge',
      {
        status: { phase: 'Completed' },
      },
      { subresource: 'status' },
    );
    assert.deepEqual(await waiting, { errors: [] });
    const bound = await boundClaim(client, catalog, 'dst', 'db');
    assert.equal(bound.pv.metadata?.name, 'pv-restored');
  });
});
