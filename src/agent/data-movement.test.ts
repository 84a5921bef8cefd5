import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  type AgentCluster,
  type ControllerTestEnv,
  startAgentCluster,
} from '../../test/support/node-agents.ts';
import { LABELS } from '../api/labels.ts';
import type { ApiResourceInfo, KubeObject } from '../kube/types.ts';
import type { Kubesim } from '../kubesim/index.ts';
import { listLocks, restore } from '../repository/index.ts';
import { check } from '../repository/maintenance/index.ts';
import { contentDigest } from '../repository/maintenance/testing.ts';
import { ensureRepository, openRepositoryFor } from '../volumes/repositories/index.ts';
import { DATA_DOWNLOADS, DATA_UPLOADS } from './data-movement.ts';
import { VOLUME_SNAPSHOT_CONTENTS, VOLUME_SNAPSHOTS } from './expose.ts';
import {
  cancelOnceTransferring,
  createPodWithClaim,
  dataDir,
  ensureNamespace,
  eventually,
  incompressibleSnapshot,
  repositoryAccess,
  writeFiles,
  writeIncompressible,
} from './testing.ts';
import { PODS, PVCS, PVS } from './volume-path.ts';

let cluster: AgentCluster;
let sim: Kubesim;
let env: ControllerTestEnv;

const SNAPSHOT_CLASSES: ApiResourceInfo = {
  ...VOLUME_SNAPSHOT_CONTENTS,
  resource: 'volumesnapshotclasses',
  kind: 'VolumeSnapshotClass',
  groupResource: 'volumesnapshotclasses.snapshot.storage.k8s.io',
};

before(async () => {
  cluster = await startAgentCluster(2, { progressIntervalMs: 50 });
  ({ sim, env } = cluster);
});

after(() => cluster?.stop());

const statusOf = (o: KubeObject | undefined) =>
  (o?.status ?? {}) as {
    phase?: string;
    message?: string;
    snapshotID?: string;
    node?: string;
    acceptedByNode?: string;
    progress?: { totalBytes?: number; bytesDone?: number };
  };

async function finished(resource: ApiResourceInfo, name: string): Promise<KubeObject> {
  return eventually(
    `${resource.kind} ${name} to finish`,
    async () => {
      const o = await env.client.get(resource, env.namespace, name);
      return ['Completed', 'Failed', 'Canceled'].includes(statusOf(o).phase ?? '') ? o : undefined;
    },
    60_000,
  );
}

test('a DataUpload moves a CSI snapshot’s data into the repository; a DataDownload writes it into a fresh claim', async () => {
  await ensureNamespace(env.client, 'src');
  await createPodWithClaim(env.client, 'src', 'db');
  const source = await dataDir(env.client, sim.nodes, 'src', 'db');
  writeFiles(source.dir, {
    PG_VERSION: '16\n',
    'base/1/1': randomBytes(1 << 20),
    link: { symlink: 'PG_VERSION' },
  });
  const pvc = await env.client.get(PVCS, 'src', 'db-data');
  await readySnapshot(env, 'src', 'db-snap', 'db-data');

  await env.client.create(DATA_UPLOADS, {
    apiVersion: 'lifeboat.io/v1',
    kind: 'DataUpload',
    metadata: {
      name: 'up-1',
      namespace: env.namespace,
      labels: { [LABELS.backupName]: 'b1', [LABELS.pvcUid]: pvc?.metadata?.uid ?? '' },
    },
    spec: {
      snapshotType: 'CSI',
      csiSnapshot: {
        volumeSnapshot: 'db-snap',
        storageClass: 'standard',
        snapshotClass: 'hostpath',
        driver: 'hostpath.csi.k8s.io',
      },
      sourcePVC: 'db-data',
      sourceNamespace: 'src',
      backupStorageLocation: 'default',
      operationTimeout: '10m',
    },
  });
  const up = statusOf(await finished(DATA_UPLOADS, 'up-1'));
  assert.equal(up.phase, 'Completed', up.message);
  assert.match(up.snapshotID ?? '', /^[0-9a-f]{64}$/);
  assert.ok(sim.nodes.some((n) => n.name === up.node) && up.acceptedByNode === up.node, 'one agent took it');
  // The temporary objects are gone.
  // The pod goes through graceful deletion (its kubelet ends it), so it may take a moment to disappear.
  await eventually(
    'the temporary pod to go',
    async () => ((await env.client.get(PODS, env.namespace, 'up-1')) ? undefined : true),
    60_000,
  );
  assert.equal(await env.client.get(VOLUME_SNAPSHOTS, env.namespace, 'up-1'), undefined);
  await eventually('the temporary claim to go', async () =>
    (await env.client.get(PVCS, env.namespace, 'up-1')) ? undefined : true,
  );

  const access = repositoryAccess(env);
  const repo = await openRepositoryFor(access, 'default', 'src');
  const snapshot = await repo.loadSnapshot(up.snapshotID ?? '');
  assert.ok(snapshot.tags?.includes(`pvc-uid=${pvc?.metadata?.uid}`));
  const scratch = mkdtempSync(join(tmpdir(), 'agent-du-'));
  try {
    await restore(repo, snapshot, { target: scratch });
    assert.deepEqual(contentDigest(scratch), contentDigest(source.dir));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }

  // Restore into another namespace: the claim waits (selector) until the agent hands it the written volume.
  await downloadInto(
    'down-1',
    { namespace: 'dst', claim: 'check-data', size: '1Gi', selector: 'dst.check-data.abc12' },
    {
      snapshotID: up.snapshotID,
      sourceNamespace: 'src',
    },
  );
  const down = statusOf(await finished(DATA_DOWNLOADS, 'down-1'));
  assert.equal(down.phase, 'Completed', down.message);
  await eventually('the restored claim to bind', async () => {
    const c = await env.client.get(PVCS, 'dst', 'check-data');
    return (c?.status as { phase?: string } | undefined)?.phase === 'Bound' ? true : undefined;
  });
  // A pod using the claim sees the data.
  await env.client.create(PODS, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'check', namespace: 'dst' },
    spec: {
      containers: [
        {
          name: 'app',
          image: 'busybox',
          command: ['sleep', '3600'],
          volumeMounts: [{ name: 'data', mountPath: '/data' }],
        },
      ],
      volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'check-data' } }],
    },
  });
  const restored = await dataDir(env.client, sim.nodes, 'dst', 'check');
  assert.deepEqual(contentDigest(restored.dir), contentDigest(source.dir));
});

test('spec.cancel during a DataUpload stops it mid-way: Canceled with its progress, no snapshot, temporary objects gone', async () => {
  await ensureNamespace(env.client, 'big-src');
  await createPodWithClaim(env.client, 'big-src', 'store', { size: '2Gi' });
  const source = await dataDir(env.client, sim.nodes, 'big-src', 'store');
  const total = writeIncompressible(source.dir, 8, 24 << 20);
  await readySnapshot(env, 'big-src', 'store-snap', 'store-data');
  await env.client.create(DATA_UPLOADS, {
    apiVersion: 'lifeboat.io/v1',
    kind: 'DataUpload',
    metadata: { name: 'up-cancel', namespace: env.namespace, labels: { [LABELS.backupName]: 'cancelled' } },
    spec: {
      snapshotType: 'CSI',
      csiSnapshot: {
        volumeSnapshot: 'store-snap',
        storageClass: 'standard',
        snapshotClass: 'hostpath',
        driver: 'hostpath.csi.k8s.io',
      },
      sourcePVC: 'store-data',
      sourceNamespace: 'big-src',
      backupStorageLocation: 'default',
      operationTimeout: '10m',
    },
  });
  const { progressed, ended } = await cancelOnceTransferring(
    env.client,
    DATA_UPLOADS,
    env.namespace,
    'up-cancel',
  );
  assert.equal(progressed.phase, 'InProgress');
  assert.equal(ended.phase, 'Canceled', ended.message);
  assert.equal(ended.snapshotID, undefined);
  assert.match(ended.message ?? '', /^cancelled during the transfer after .*; no snapshot was written$/);
  assert.equal(ended.progress?.totalBytes, total);
  assert.ok((ended.progress?.bytesDone ?? 0) < total, `stopped at ${ended.progress?.bytesDone} of ${total}`);

  const access = repositoryAccess(env);
  const repo = await openRepositoryFor(access, 'default', 'big-src');
  assert.deepEqual(await repo.listSnapshots(), []);
  assert.deepEqual(await listLocks(repo), []);
  const report = await check(repo);
  assert.equal(report.ok, true, JSON.stringify(report.errors.slice(0, 3)));
  await eventually(
    'the temporary pod to go',
    async () => ((await env.client.get(PODS, env.namespace, 'up-cancel')) ? undefined : true),
    60_000,
  );
  await eventually('the temporary claim to go', async () =>
    (await env.client.get(PVCS, env.namespace, 'up-cancel')) ? undefined : true,
  );
  assert.equal(await env.client.get(VOLUME_SNAPSHOTS, env.namespace, 'up-cancel'), undefined);
});

test('spec.cancel during a DataDownload stops it mid-way: Canceled with its progress, temporary pod, claim and volume gone, restored claim Pending', async () => {
  const snap = await incompressibleSnapshot(env, 'bulk-src', 8, 24 << 20);
  await downloadInto(
    'down-cancel',
    { namespace: 'bulk-dst', claim: 'store-data', size: '2Gi', selector: 'bulk-dst.store-data.def34' },
    { snapshotID: snap.snapshotId, sourceNamespace: 'bulk-src' },
  );
  // The temporary claim's volume, mounted on the agent's node before the transfer starts: the one written into.
  const exposed = await dataDir(env.client, sim.nodes, env.namespace, 'down-cancel', 'down-cancel');
  const written = realpathSync(exposed.dir);
  const { progressed, ended, tookMs } = await cancelOnceTransferring(
    env.client,
    DATA_DOWNLOADS,
    env.namespace,
    'down-cancel',
  );
  assert.equal(progressed.phase, 'InProgress');
  assert.equal(ended.phase, 'Canceled', ended.message);
  assert.match(
    ended.message ?? '',
    /^cancelled during the transfer after .* MiB of .* MiB; the temporary claim and pod were deleted$/,
  );
  assert.equal(ended.progress?.totalBytes, snap.total);
  assert.ok(
    (ended.progress?.bytesDone ?? 0) < snap.total,
    `stopped at ${ended.progress?.bytesDone} of ${snap.total}`,
  );
  assert.ok(tookMs < 5000, `Canceled ${tookMs} ms after spec.cancel`);

  // The temporary objects go, and the half-written volume with them (the class deletes its volumes).
  await eventually(
    'the temporary pod to go',
    async () => ((await env.client.get(PODS, env.namespace, 'down-cancel')) ? undefined : true),
    60_000,
  );
  await eventually('the temporary claim to go', async () =>
    (await env.client.get(PVCS, env.namespace, 'down-cancel')) ? undefined : true,
  );
  await eventually('the temporary volume to go', async () =>
    (await env.client.get(PVS, undefined, exposed.pv)) ? undefined : true,
  );
  assert.equal(existsSync(written), false, 'the partly written volume directory was removed');
  // Nothing was handed to the restored claim.
  const claim = await env.client.get(PVCS, 'bulk-dst', 'store-data');
  assert.equal((claim?.status as { phase?: string } | undefined)?.phase, 'Pending');
  assert.equal((claim?.spec as { volumeName?: string } | undefined)?.volumeName, undefined);
  const repo = await openRepositoryFor(repositoryAccess(env), 'default', 'bulk-src');
  assert.deepEqual(await listLocks(repo), [], 'no lock left in the repository');
});

/**
 * A ready VolumeSnapshot `name` of claim `claim` in `namespace` (through the hostpath class, created once), and
 * the namespace's volume repository: what a DataUpload needs before it is created.
 */
async function readySnapshot(
  env: ControllerTestEnv,
  namespace: string,
  name: string,
  claim: string,
): Promise<void> {
  if (!(await env.client.get(SNAPSHOT_CLASSES, undefined, 'hostpath')))
    await env.client.create(SNAPSHOT_CLASSES, {
      apiVersion: 'snapshot.storage.k8s.io/v1',
      kind: 'VolumeSnapshotClass',
      metadata: { name: 'hostpath', labels: { [LABELS.csiVolumeSnapshotClass]: 'true' } },
      driver: 'hostpath.csi.k8s.io',
      deletionPolicy: 'Delete',
    });
  await env.client.create(VOLUME_SNAPSHOTS, {
    apiVersion: 'snapshot.storage.k8s.io/v1',
    kind: 'VolumeSnapshot',
    metadata: { name, namespace },
    spec: { volumeSnapshotClassName: 'hostpath', source: { persistentVolumeClaimName: claim } },
  });
  await eventually('the snapshot to be ready', async () => {
    const vs = await env.client.get(VOLUME_SNAPSHOTS, namespace, name);
    return (vs?.status as { readyToUse?: boolean } | undefined)?.readyToUse ? true : undefined;
  });
  await ensureRepository(env.client, {
    namespace: env.namespace,
    location: 'default',
    volumeNamespace: namespace,
  });
}

/**
 * Restores snapshot `from` through DataDownload `name`: the restore's claim (waiting, by its selector, for the
 * volume the agent writes) in `to.namespace`, then the request.
 */
async function downloadInto(
  name: string,
  to: { namespace: string; claim: string; size: string; selector: string },
  from: { snapshotID: string | undefined; sourceNamespace: string },
): Promise<void> {
  await ensureNamespace(env.client, to.namespace);
  await env.client.create(PVCS, {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: to.claim, namespace: to.namespace },
    spec: {
      accessModes: ['ReadWriteOnce'],
      storageClassName: 'standard',
      resources: { requests: { storage: to.size } },
      selector: { matchLabels: { 'lifeboat.io/dynamic-pv-restore': to.selector } },
    },
  });
  await env.client.create(DATA_DOWNLOADS, {
    apiVersion: 'lifeboat.io/v1',
    kind: 'DataDownload',
    metadata: { name, namespace: env.namespace },
    spec: {
      targetVolume: { pvc: to.claim, pv: '', namespace: to.namespace },
      backupStorageLocation: 'default',
      snapshotID: from.snapshotID,
      sourceNamespace: from.sourceNamespace,
      operationTimeout: '10m',
    },
  });
}
