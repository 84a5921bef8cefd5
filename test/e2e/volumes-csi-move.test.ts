/**
 * Issue 5's proof for snapshot data movement: a migration with data. Cluster A (kubesim with its node
 * agents) backs up a StatefulSet's claims with `snapshotMoveData`: CSI snapshots, DataUploads the agents
 * carry into the restic repository of the shared fs location, local snapshots then removed. Cluster B (a
 * second kubesim with its own agents, the same location and repository password) restores it: DataDownloads
 * the agents write into fresh volumes handed to the restored claims. Every file is compared by checksum, and
 * stock `restic check --read-data` accepts the repository.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { pino } from 'pino';
import { driveRepositories } from '../../src/agent/testing.ts';
import { LABELS } from '../../src/api/labels.ts';
import type { Backup } from '../../src/api/resources/backup.ts';
import type { Restore } from '../../src/api/resources/restore.ts';
import { runBackup } from '../../src/backup/index.ts';
import { type ControllerTestEnv, controllerTestEnv } from '../../src/controllers/testing.ts';
import { systemClock } from '../../src/core/clock.ts';
import type { KubeObject } from '../../src/kube/types.ts';
import { csiVolumeDir } from '../../src/kubesim/csi/paths.ts';
import { type Kubesim, startKubesim } from '../../src/kubesim/index.ts';
import { restic } from '../../src/repository/maintenance/testing.ts';
import { runRestore } from '../../src/restore/engine.ts';
import { createObjectStore, type ObjectStore } from '../../src/storage/index.ts';
import { backupKeys } from '../../src/storage/layout.ts';
import { BackupVolumeCoordinator } from '../../src/volumes/backup-session.ts';
import { CsiSnapshotter } from '../../src/volumes/csi/index.ts';
import {
  boundClaim,
  lifeboatSnapshotClass,
  resource,
  treeDigest,
} from '../../src/volumes/csi/test-support.ts';
import { repositoryForgetter } from '../../src/volumes/data-mover/forget.ts';
import { REPOSITORY_PASSWORD_KEY, REPOSITORY_PASSWORD_SECRET } from '../../src/volumes/repositories/names.ts';
import { RestoreVolumeCoordinator } from '../../src/volumes/restore-session.ts';
import type { VolumeInfo } from '../../src/volumes/volume-info.ts';
import { databaseStatefulSet, fillDatabaseVolume } from '../support/database-app.ts';
import { type NodeAgents, startNodeAgents } from '../support/node-agents.ts';

const APP = 'shop';
const logger = pino({ level: 'silent' });

interface Cluster {
  dataDir: string;
  sim: Kubesim;
  env: ControllerTestEnv;
  repos: { stop(): Promise<void> };
  agents: NodeAgents;
  snapshotter: CsiSnapshotter;
}

async function startCluster(): Promise<Cluster> {
  const dataDir = mkdtempSync(join(tmpdir(), 'csi-move-sim-'));
  const sim = await startKubesim({ dataDir, nodes: 2 });
  const env = await controllerTestEnv(sim.kubeconfigPath);
  const repos = driveRepositories(env.ctx);
  const agents = await startNodeAgents(sim, {
    kubeconfig: sim.kubeconfigPath,
    namespace: env.namespace,
    progressIntervalMs: 100,
  });
  await env.client.create(
    resource(env.catalog, 'volumesnapshotclasses'),
    lifeboatSnapshotClass('lifeboat-snapclass'),
  );
  const snapshotter = new CsiSnapshotter({
    client: env.client,
    catalog: env.catalog,
    logger,
    clock: systemClock,
    namespace: env.namespace,
    pollIntervalMs: 100,
  });
  return { dataDir, sim, env, repos, agents, snapshotter };
}

async function stopCluster(c: Cluster | undefined): Promise<void> {
  if (!c) return;
  await c.agents.stop();
  await c.repos.stop();
  await c.env.close();
  await c.sim.stop();
  rmSync(c.dataDir, { recursive: true, force: true });
}

async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('snapshot data movement end to end: a migration with data', () => {
  let a: Cluster | undefined;
  let b: Cluster | undefined;
  let store: ObjectStore;

  before(async () => {
    a = await startCluster();
    b = await startCluster();
    await a.env.createFsLocation('default');
    // Cluster B reads and writes the same bucket.
    await b.env.create('BackupStorageLocation', {
      metadata: { name: 'default' },
      spec: { provider: 'fs', objectStorage: { bucket: 'default' }, config: { root: a.env.root } },
    });
    store = await createObjectStore('fs', 'default', undefined, { root: a.env.root });
    await a.env.client.create(resource(a.env.catalog, 'namespaces'), {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: APP },
    });
  });
  after(async () => {
    await stopCluster(b);
    await stopCluster(a);
  });

  test('backed up in one cluster with snapshotMoveData, restored into another, files identical, restic check --read-data passes', async () => {
    const A = a!;
    const B = b!;
    await A.env.client.create(resource(A.env.catalog, 'statefulsets'), databaseStatefulSet(APP, 2, '1Gi'));
    const originals = new Map<string, Record<string, string>>();
    for (const ordinal of [0, 1]) {
      const { pv } = await boundClaim(A.env.client, A.env.catalog, APP, `data-db-${ordinal}`, 30_000);
      const dir = csiVolumeDir(A.dataDir, (pv.spec as { csi: { volumeHandle: string } }).csi.volumeHandle);
      fillDatabaseVolume(dir, ordinal, 5000, 32 * 1024 * 1024);
      originals.set(`data-db-${ordinal}`, treeDigest(dir));
    }

    const backup = (await A.env.create('Backup', {
      metadata: { name: 'shop-moved' },
      spec: {
        includedNamespaces: [APP],
        snapshotVolumes: true,
        snapshotMoveData: true,
        storageLocation: 'default',
      },
    })) as unknown as Backup;
    const { status } = await runBackup(backup, {
      catalog: A.env.catalog,
      client: A.env.client,
      store,
      logger,
      clock: systemClock,
      volumes: {
        session: (run) =>
          new BackupVolumeCoordinator(
            {
              client: A.env.client,
              catalog: A.env.catalog,
              clock: systemClock,
              namespace: A.env.namespace,
              csi: A.snapshotter,
            },
            run,
          ),
        podVolumeTimeoutMs: 180_000,
      },
    });
    assert.equal(status?.phase, 'Completed', JSON.stringify(status));
    const infos = JSON.parse(
      gunzipSync(await store.getBuffer(backupKeys('shop-moved').volumeInfo)).toString(),
    ) as VolumeInfo[];
    const moved = infos.filter((i) => i.snapshotDataMoved);
    assert.equal(moved.length, 2, JSON.stringify(infos));
    assert.ok(moved.every((i) => /^[0-9a-f]{64}$/.test(i.snapshotDataMovementInfo?.snapshotHandle ?? '')));
    // The local snapshots are gone: the data lives only in the repository now.
    const contents: KubeObject[] = [];
    for await (const p of A.env.client.listPages(resource(A.env.catalog, 'volumesnapshotcontents'), {
      labelSelector: `${LABELS.backupName}=shop-moved`,
    }))
      contents.push(...p.items);
    assert.equal(contents.length, 0);

    // The same repository password in B, as an installation given the same password would have.
    const secret = await A.env.client.get(
      resource(A.env.catalog, 'secrets'),
      A.env.namespace,
      REPOSITORY_PASSWORD_SECRET,
    );
    const password = Buffer.from(
      ((secret?.data ?? {}) as Record<string, string>)[REPOSITORY_PASSWORD_KEY] ?? '',
      'base64',
    ).toString();
    assert.ok(password.length >= 16);
    await B.env.client.create(resource(B.env.catalog, 'secrets'), {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: REPOSITORY_PASSWORD_SECRET, namespace: B.env.namespace },
      data: { [REPOSITORY_PASSWORD_KEY]: Buffer.from(password).toString('base64') },
    });
    // As backup sync would: B knows the backup from storage.
    await B.env.create('Backup', { metadata: { name: 'shop-moved' }, spec: { storageLocation: 'default' } });
    const restore = (await B.env.create('Restore', {
      metadata: { name: 'shop-arrives' },
      spec: { backupName: 'shop-moved' },
    })) as unknown as Restore;
    const { status: restored } = await runRestore(restore, {
      catalog: B.env.catalog,
      client: B.env.client,
      store,
      serverNamespace: B.env.namespace,
      logger,
      clock: systemClock,
      volumes: {
        session: (run) =>
          new RestoreVolumeCoordinator(
            {
              client: B.env.client,
              catalog: B.env.catalog,
              clock: systemClock,
              namespace: B.env.namespace,
              csi: B.snapshotter,
            },
            run,
          ),
        podVolumeTimeoutMs: 180_000,
      },
    });
    assert.equal(restored?.phase, 'Completed', JSON.stringify(restored));
    assert.deepEqual(await B.snapshotter.waitForDataDownloads(restore), { errors: [] });
    for (const ordinal of [0, 1]) {
      const name = `data-db-${ordinal}`;
      const { pv } = await boundClaim(B.env.client, B.env.catalog, APP, name, 60_000);
      const dir = csiVolumeDir(B.dataDir, (pv.spec as { csi: { volumeHandle: string } }).csi.volumeHandle);
      assert.deepEqual(treeDigest(dir), originals.get(name), `${name} arrived identical`);
    }
    await waitFor('the StatefulSet pods to run in B', async () => {
      const pod = await B.env.client.get(resource(B.env.catalog, 'pods'), APP, 'db-1');
      return (pod?.status as { phase?: string } | undefined)?.phase === 'Running' ? true : undefined;
    });

    const passwordFile = join(A.env.root, 'password.txt');
    writeFileSync(passwordFile, password);
    const out = await restic(join(A.env.root, 'default', 'restic', APP), passwordFile, [
      'check',
      '--read-data',
    ]);
    assert.match(out, /no errors were found/);
    const listed = JSON.parse(
      await restic(join(A.env.root, 'default', 'restic', APP), passwordFile, ['snapshots', '--json']),
    ) as { id: string }[];
    for (const info of moved)
      assert.ok(listed.some((s) => s.id === info.snapshotDataMovementInfo?.snapshotHandle));

    // Deleting the backup forgets its repository snapshots (prune reclaims the data later).
    const deleter = new CsiSnapshotter({
      client: A.env.client,
      catalog: A.env.catalog,
      logger,
      clock: systemClock,
      namespace: A.env.namespace,
      forgetRepositorySnapshots: repositoryForgetter({
        client: A.env.client,
        namespace: A.env.namespace,
        stores: A.env.ctx.locations,
        logger,
      }),
    });
    assert.deepEqual(await deleter.deleteForBackup({ backup, store, logger }), []);
    const left = JSON.parse(
      await restic(join(A.env.root, 'default', 'restic', APP), passwordFile, ['snapshots', '--json']),
    ) as { id: string }[];
    assert.deepEqual(left, []);
    const uploads: KubeObject[] = [];
    for await (const p of A.env.client.listPages(resource(A.env.catalog, 'datauploads.lifeboat.io'), {
      namespace: A.env.namespace,
    }))
      uploads.push(...p.items);
    assert.equal(uploads.length, 0, 'the DataUploads are deleted with the backup');
    // No local snapshot is recorded as kept: the data movement removed them.
    for (const info of moved) assert.equal(info.csiSnapshotInfo, undefined);
  });
});
