import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Restore } from '../api/resources/restore.ts';
import { systemClock } from '../core/clock.ts';
import { ResultsCollector } from '../core/results.ts';
import { connect } from '../kube/client.ts';
import { discoverResources } from '../kube/discovery.ts';
import { createDynamicClient } from '../kube/dynamic-client.ts';
import { ensureCrds, lifeboatResources } from '../kube/lifeboat-client.ts';
import type { DynamicClient, KubeObject, ResourceCatalog } from '../kube/types.ts';
import { type Kubesim, startKubesim } from '../kubesim/index.ts';
import { RESTORE_WAIT_CONTAINER, RestoreVolumeCoordinator } from './restore-session.ts';
import type { CsiRestorePort, RunLogger } from './services.ts';
import type { VolumeInfo } from './volume-info.ts';

const SERVER_NS = 'lifeboat';
let sim: Kubesim;
let client: DynamicClient;
let catalog: ResourceCatalog;
const quiet: RunLogger = { info() {}, warn() {}, error() {} };

before(async () => {
  sim = await startKubesim({ cluster: false });
  const conn = connect(sim.kubeconfigPath);
  client = createDynamicClient(conn, {
    retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 5, maxRetryAfterMs: 50 },
  });
  await ensureCrds(client);
  catalog = await discoverResources(conn);
  for (const name of [SERVER_NS, 'restored'])
    await client.create(catalog.resolve('namespaces')!, {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name },
    });
});

after(async () => {
  await sim?.stop();
});

const restore: Restore = {
  apiVersion: 'lifeboat.io/v1',
  kind: 'Restore',
  metadata: { name: 'r1', namespace: SERVER_NS, uid: 'restore-uid-1' },
  spec: { backupName: 'b1', namespaceMapping: { app: 'restored' } },
};

function pvb(pod: string, volume: string, phase = 'Completed'): KubeObject {
  return {
    apiVersion: 'lifeboat.io/v1',
    kind: 'PodVolumeBackup',
    metadata: { name: `b1-${pod}-${volume}`, namespace: SERVER_NS },
    spec: {
      node: 'n1',
      pod: { kind: 'Pod', namespace: 'app', name: pod },
      volume,
      backupStorageLocation: 'default',
      repoIdentifier: 'fs:default/restic/app',
      uploaderType: 'restic',
    },
    status: { phase, snapshotID: `snap-${volume}`, progress: { totalBytes: 7, bytesDone: 7 } },
  };
}

const infos: VolumeInfo[] = [
  {
    pvcName: 'data-db-0',
    pvcNamespace: 'app',
    pvName: 'pv-data',
    backupMethod: 'PodVolumeBackup',
    snapshotDataMoved: false,
    preserveLocalSnapshot: false,
    skipped: false,
    result: 'succeeded',
  },
  {
    pvcName: 'snap',
    pvcNamespace: 'app',
    backupMethod: 'CSISnapshot',
    snapshotDataMoved: false,
    preserveLocalSnapshot: false,
    skipped: false,
    result: 'succeeded',
  },
];

function session(csi?: CsiRestorePort) {
  const results = new ResultsCollector();
  const s = new RestoreVolumeCoordinator(
    {
      client,
      catalog,
      clock: systemClock,
      namespace: SERVER_NS,
      restoreHelperImage: 'helper:1',
      pollIntervalMs: 20,
      ...(csi ? { csi } : {}),
    },
    {
      restore,
      results,
      log: quiet,
      volumeInfos: infos,
      podVolumeBackups: [pvb('db-0', 'data'), pvb('db-0', 'scratch'), pvb('db-0', 'gone', 'Failed')],
    },
  );
  return { s, results };
}

const pod = (): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'db-0', namespace: 'restored' },
  spec: {
    initContainers: [
      { name: RESTORE_WAIT_CONTAINER, image: 'old', args: ['older-restore'] },
      { name: 'setup', image: 'busybox' },
    ],
    containers: [{ name: 'db', image: 'busybox' }],
    volumes: [
      { name: 'data', persistentVolumeClaim: { claimName: 'data-db-0' } },
      { name: 'scratch', emptyDir: {} },
      { name: 'gone', emptyDir: {} },
    ],
  },
});

describe('RestoreVolumeCoordinator', () => {
  test('restore-wait goes first, mounting exactly the volumes with completed snapshots, waiting on the restore uid', () => {
    const { s } = session();
    const prepared = s.preparePod(pod(), 'app');
    const init = (prepared.spec as { initContainers: Record<string, unknown>[] }).initContainers;
    assert.deepEqual(
      init.map((c) => c.name),
      [RESTORE_WAIT_CONTAINER, 'setup'],
    );
    assert.equal(init[0]?.image, 'helper:1');
    assert.deepEqual(init[0]?.args, ['restore-uid-1']);
    assert.deepEqual(
      ((init[0]?.volumeMounts ?? []) as { name: string }[]).map((m) => m.name),
      ['data', 'scratch'],
    );
    // A pod of another namespace (or without snapshots) is left alone.
    const other = s.preparePod(pod(), 'elsewhere');
    const untouched = (other.spec as { initContainers: Record<string, unknown>[] }).initContainers;
    assert.deepEqual(
      untouched.map((c) => c.image),
      ['old', 'busybox'],
    );
  });

  test('claims: file-system ones are provisioned afresh, CSI ones go to the CSI port, others unchanged', async () => {
    const calls: string[] = [];
    const { s } = session({
      async restorePvc(_r, pvc, info) {
        calls.push(`${pvc.metadata?.name} ${info.backupMethod}`);
        return { pvc: { ...pvc, metadata: { ...pvc.metadata, labels: { from: 'snapshot' } } }, create: [] };
      },
    });
    const claim = (name: string): KubeObject => ({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name, namespace: 'restored' },
      spec: { volumeName: 'pv-old' },
    });
    const fs = await s.preparePvc(claim('data-db-0'), 'app');
    assert.equal((fs.pvc.spec as { volumeName?: string }).volumeName, undefined);
    const csi = await s.preparePvc(claim('snap'), 'app');
    assert.deepEqual(calls, ['snap CSISnapshot']);
    assert.equal(csi.pvc.metadata?.labels?.from, 'snapshot');
    const plain = await s.preparePvc(claim('other'), 'app');
    assert.equal((plain.pvc.spec as { volumeName?: string }).volumeName, 'pv-old');
    // The PV of a claim restored by file system is not restored; others are.
    const pv = (name: string): KubeObject => ({
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name },
    });
    assert.match(s.persistentVolumeSkipReason(pv('pv-data')) ?? '', /restored by file system/);
    assert.equal(s.persistentVolumeSkipReason(pv('pv-static')), undefined);
  });

  test('PodVolumeRestores after the pod is created, awaited; failures name pod and volume', async () => {
    const pods = catalog.resolve('pods')!;
    const created = await client.create(pods, pod());
    const { s, results } = session();
    s.podCreated(created, 'app');
    const resource = lifeboatResources(catalog).PodVolumeRestore;
    // Stands in for the node agent (another part of issue 5): finishes the two requests.
    const seen = new Map<string, KubeObject>();
    while (seen.size < 2) {
      for await (const page of client.listPages(resource, { namespace: SERVER_NS }))
        for (const pvr of page.items) {
          const volume = (pvr.spec as { volume: string }).volume;
          if (seen.has(volume)) continue;
          seen.set(volume, pvr);
          const status =
            volume === 'scratch' ? { phase: 'Failed', message: 'no space left' } : { phase: 'Completed' };
          await client.updateStatus(resource, { ...pvr, status });
        }
      await new Promise((r) => setTimeout(r, 20));
    }
    const done = await s.finish({ timeoutMs: 10_000 });
    assert.equal(done.podVolumeRestores.length, 2);
    const spec = seen.get('data')?.spec as Record<string, unknown>;
    assert.equal(spec.snapshotID, 'snap-data');
    assert.equal(spec.sourceNamespace, 'app');
    assert.equal(spec.repoIdentifier, 'fs:default/restic/app');
    assert.equal(spec.backupStorageLocation, 'default');
    assert.equal((spec.pod as { uid?: string }).uid, created.metadata?.uid);
    assert.equal(seen.get('data')?.metadata?.labels?.['lifeboat.io/restore-uid'], 'restore-uid-1');
    const errors = results.toJSON().errors.namespaces?.restored ?? [];
    assert.equal(errors.length, 1);
    assert.match(
      errors[0] ?? '',
      /pod restored\/db-0 volume scratch: PodVolumeRestore .* Failed: no space left/,
    );
  });
});
