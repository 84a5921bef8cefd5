import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Backup } from '../api/resources/backup.ts';
import type { BackupRepository } from '../api/resources/backup-repository.ts';
import { systemClock } from '../core/clock.ts';
import { ResultsCollector } from '../core/results.ts';
import { connect } from '../kube/client.ts';
import { discoverResources } from '../kube/discovery.ts';
import { createDynamicClient } from '../kube/dynamic-client.ts';
import { ensureCrds, lifeboatResources } from '../kube/lifeboat-client.ts';
import type { DynamicClient, KubeObject, ResourceCatalog } from '../kube/types.ts';
import { type Kubesim, startKubesim } from '../kubesim/index.ts';
import { BackupVolumeCoordinator, type BackupVolumeSessionDeps } from './backup-session.ts';
import type { EnsureRepository } from './pod-volume-backups.ts';
import type { BackupHookRunner, CsiSnapshotPort, RunLogger } from './services.ts';
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
  const ns = catalog.resolve('namespaces')!;
  for (const name of [SERVER_NS, 'app'])
    await client.create(ns, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
});

after(async () => {
  await sim?.stop();
});

function claim(name: string, labels: Record<string, string> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name, namespace: 'app', labels },
    spec: {
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: '1Gi' } },
      storageClassName: 'standard',
    },
  };
}

async function runningPod(
  name: string,
  volumes: KubeObject[],
  annotations: Record<string, string> = {},
): Promise<KubeObject> {
  const pods = catalog.resolve('pods')!;
  const created = await client.create(pods, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'app', annotations },
    spec: {
      nodeName: 'node-a',
      containers: [
        {
          name: 'c',
          image: 'busybox',
          volumeMounts: volumes.map((v) => ({ name: v.name, mountPath: `/${v.name}` })),
        },
      ],
      volumes,
    },
  });
  return client.updateStatus(pods, { ...created, status: { phase: 'Running' } });
}

/**
 * Stands in for the node agents (issue 5's `lifeboat node-agent`, another part): finishes every PodVolumeBackup
 * it sees, failing those of volumes named in `fail`. Stopped by the returned function.
 */
function standInAgent(fail: Set<string>): { stop(): Promise<void>; seen: KubeObject[] } {
  const resource = lifeboatResources(catalog).PodVolumeBackup;
  const seen: KubeObject[] = [];
  const handled = new Set<string>();
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      for await (const page of client.listPages(resource, { namespace: SERVER_NS })) {
        for (const pvb of page.items) {
          const name = pvb.metadata?.name ?? '';
          if (handled.has(name)) continue;
          handled.add(name);
          seen.push(pvb);
          const volume = (pvb.spec as { volume: string }).volume;
          const status = fail.has(volume)
            ? { phase: 'Failed', message: 'disk on fire' }
            : {
                phase: 'Completed',
                snapshotID: `snap-${volume}`,
                progress: { totalBytes: 42, bytesDone: 42 },
              };
          await client.updateStatus(resource, { ...pvb, status });
        }
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  return {
    seen,
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

const ensureRepository: EnsureRepository = async (_client, options) =>
  ({
    apiVersion: 'lifeboat.io/v1',
    kind: 'BackupRepository',
    metadata: { name: `${options.volumeNamespace}-${options.location}-restic`, namespace: options.namespace },
    spec: {
      volumeNamespace: options.volumeNamespace,
      backupStorageLocation: options.location,
      repositoryType: 'restic',
      resticIdentifier: `repo-of-${options.volumeNamespace}`,
      maintenanceFrequency: '1h',
    },
    status: { phase: 'Ready' },
  }) as BackupRepository;

function coordinator(backup: Backup, extra: Partial<BackupVolumeSessionDeps> = {}, hooks?: BackupHookRunner) {
  const results = new ResultsCollector();
  const session = new BackupVolumeCoordinator(
    {
      client,
      catalog,
      clock: systemClock,
      namespace: SERVER_NS,
      ensureRepository,
      pollIntervalMs: 20,
      ...extra,
    },
    { backup, results, log: quiet, hooks },
  );
  return { session, results };
}

function backupOf(name: string, spec: Backup['spec'] = {}): Backup {
  return {
    apiVersion: 'lifeboat.io/v1',
    kind: 'Backup',
    metadata: { name, namespace: SERVER_NS, uid: `uid-${name}` },
    spec: { storageLocation: 'default', ...spec },
  };
}

describe('BackupVolumeCoordinator', () => {
  test('fs-backup by annotation and default: one PodVolumeBackup per volume, hooks around them, failures name pod and volume', async () => {
    const pvcs = catalog.resolve('persistentvolumeclaims')!;
    const data = await client.create(pvcs, claim('data'));
    const logs = await client.create(pvcs, claim('logs'));
    const pod = await runningPod(
      'db-0',
      [
        { name: 'data', persistentVolumeClaim: { claimName: 'data' } },
        { name: 'logs', persistentVolumeClaim: { claimName: 'logs' } },
        { name: 'scratch', emptyDir: {} },
        { name: 'conf', configMap: { name: 'x' } },
      ],
      { 'backup.lifeboat.io/backup-volumes': 'data,scratch' },
    );
    const agent = standInAgent(new Set(['scratch']));
    const calls: string[] = [];
    const hooks: BackupHookRunner = {
      async pre(p) {
        calls.push(`pre ${p.metadata?.name} pvbs=${agent.seen.length}`);
        return { proceed: true };
      },
      async post(p) {
        calls.push(`post ${p.metadata?.name} pvbs=${agent.seen.length}`);
      },
    };
    const backup = backupOf('b1', { snapshotVolumes: false });
    const { session, results } = coordinator(backup, {}, hooks);
    session.observe('pods', pod);
    session.observe('persistentvolumeclaims', data);
    session.observe('persistentvolumeclaims', logs);
    const done = await session.finish({ timeoutMs: 10_000 });
    await agent.stop();

    assert.deepEqual(calls, ['pre db-0 pvbs=0', 'post db-0 pvbs=2']);
    assert.equal(done.podVolumeBackups.length, 2);
    const pvbData = agent.seen.find((p) => (p.spec as { volume: string }).volume === 'data')!;
    const spec = pvbData.spec as Record<string, unknown>;
    assert.equal(spec.node, 'node-a');
    assert.equal(spec.backupStorageLocation, 'default');
    assert.equal(spec.repoIdentifier, 'repo-of-app');
    assert.equal((spec.pod as { uid?: string }).uid, pod.metadata?.uid);
    assert.equal(pvbData.metadata?.labels?.['lifeboat.io/backup-name'], 'b1');
    assert.equal(pvbData.metadata?.labels?.['lifeboat.io/pvc-uid'], data.metadata?.uid);
    assert.equal(pvbData.metadata?.annotations?.['lifeboat.io/pvc-name'], 'data');
    assert.equal(pvbData.metadata?.ownerReferences?.[0]?.name, 'b1');

    const byVolume = new Map(done.volumeInfos.map((i) => [i.pvbInfo?.volumeName ?? i.pvcName, i] as const));
    const dataInfo = byVolume.get('data')!;
    assert.equal(dataInfo.backupMethod, 'PodVolumeBackup');
    assert.equal(dataInfo.result, 'succeeded');
    assert.equal(dataInfo.pvcName, 'data');
    assert.equal(dataInfo.pvbInfo?.snapshotHandle, 'snap-data');
    assert.equal(byVolume.get('scratch')?.result, 'failed');
    const logsInfo = byVolume.get('logs')!;
    assert.equal(logsInfo.skipped, true);
    assert.match(logsInfo.skippedReason ?? '', /snapshotVolumes is false/);
    assert.match(byVolume.get('conf')?.skippedReason ?? '', /configMap/);
    const errors = results.toJSON().errors.namespaces?.app ?? [];
    assert.equal(errors.length, 1);
    assert.match(errors[0]!, /pod app\/db-0 volume scratch: PodVolumeBackup .* Failed: disk on fire/);
  });

  test('a failed Fail pre hook leaves the pod’s volumes out; claims go to the CSI port all at once; policies decide', async () => {
    const pvcs = catalog.resolve('persistentvolumeclaims')!;
    const cms = catalog.resolve('configmaps')!;
    await client.create(cms, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'policies', namespace: SERVER_NS },
      data: {
        'policies.yaml':
          'version: v1\nvolumePolicies:\n- conditions: {pvcLabels: {tier: cache}}\n  action: {type: skip}\n',
      },
    });
    const claims = [];
    for (let i = 0; i < 5; i++)
      claims.push(await client.create(pvcs, claim(`snap-${i}`, i === 4 ? { tier: 'cache' } : {})));
    // Bound claims: the snapshot port needs their PVs.
    const pvs = catalog.resolve('persistentvolumes')!;
    const bound: KubeObject[] = [];
    for (const c of claims) {
      const pvName = `pv-${c.metadata?.name}`;
      await client.create(pvs, {
        apiVersion: 'v1',
        kind: 'PersistentVolume',
        metadata: { name: pvName },
        spec: {
          capacity: { storage: '1Gi' },
          accessModes: ['ReadWriteOnce'],
          csi: { driver: 'hostpath.csi.k8s.io', volumeHandle: pvName },
        },
      });
      bound.push({ ...c, spec: { ...(c.spec as object), volumeName: pvName } });
    }
    const pod = await runningPod('web-0', [{ name: 'data', persistentVolumeClaim: { claimName: 'snap-0' } }]);
    let inFlight = 0;
    let peak = 0;
    const csi: CsiSnapshotPort = {
      async snapshot(_backup, pvc, pv): Promise<VolumeInfo> {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await new Promise((r) => setTimeout(r, 50));
        inFlight--;
        if (pvc.metadata?.name === 'snap-3') throw new Error('snapshot class missing');
        return {
          pvcName: pvc.metadata?.name,
          pvcNamespace: 'app',
          pvName: pv.metadata?.name,
          backupMethod: 'CSISnapshot',
          snapshotDataMoved: false,
          preserveLocalSnapshot: false,
          skipped: false,
          result: 'succeeded',
        };
      },
    };
    const hooks: BackupHookRunner = {
      pre: async () => ({ proceed: false }),
      post: async () => assert.fail('post hooks must not run after a failed pre hook'),
    };
    const backup = backupOf('b2', {
      defaultVolumesToFsBackup: true,
      resourcePolicy: { kind: 'configmap', name: 'policies' },
    });
    const { session, results } = coordinator(backup, { csi }, hooks);
    session.observe('pods', pod);
    for (const c of bound) session.observe('persistentvolumeclaims', c);
    const done = await session.finish({ timeoutMs: 10_000 });

    const byClaim = new Map(done.volumeInfos.map((i) => [i.pvcName, i] as const));
    assert.match(byClaim.get('snap-0')?.skippedReason ?? '', /pre hook/);
    assert.equal(byClaim.get('snap-1')?.backupMethod, 'CSISnapshot');
    assert.equal(byClaim.get('snap-3')?.result, 'failed');
    assert.equal(byClaim.get('snap-4')?.skippedReason, 'resource policy #1 says skip');
    assert.equal(done.csiVolumeSnapshotsAttempted, 3);
    assert.equal(done.csiVolumeSnapshotsCompleted, 2);
    assert.equal(peak, 3, 'all snapshots in flight at once');
    assert.equal(done.podVolumeBackups.length, 0);
    assert.match(
      (results.toJSON().errors.namespaces?.app ?? []).join('\n'),
      /snap-3: CSI snapshot failed: snapshot class missing/,
    );
  });

  test('volume work that outlives the timeout is cancelled and reported', async () => {
    const pod = await runningPod('slow-0', [{ name: 'scratch', emptyDir: {} }]);
    const backup = backupOf('b3', { defaultVolumesToFsBackup: true });
    const { session, results } = coordinator(backup);
    session.observe('pods', pod);
    const started = Date.now();
    const done = await session.finish({ timeoutMs: 300 });
    assert.ok(Date.now() - started < 5_000);
    assert.equal(done.volumeInfos[0]?.result, 'failed');
    assert.match(
      (results.toJSON().errors.namespaces?.app ?? [])[0] ?? '',
      /slow-0 volume scratch: not finished in time .*cancelled/,
    );
    const pvb = done.podVolumeBackups[0];
    const fresh = await client.get(
      lifeboatResources(catalog).PodVolumeBackup,
      SERVER_NS,
      pvb?.metadata?.name ?? '',
    );
    assert.equal((fresh?.spec as { cancel?: boolean } | undefined)?.cancel, true);
  });
});
