import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { csiVolumeDir } from '../csi/paths.ts';
import type { KubeObject } from '../registry/types.ts';
import { createContainerRuntime } from '../runtime/runtime.ts';
import type { ContainerRuntime } from '../runtime/types.ts';
import { startTestCluster, type TestCluster } from './testing.ts';

type Conditions = { conditions?: { type: string; status: string; reason?: string }[] };
const hasCondition = (obj: KubeObject | undefined, type: string): boolean =>
  ((obj?.status as Conditions | undefined)?.conditions ?? []).some(
    (c) => c.type === type && c.status === 'True',
  );

describe('more workload behaviour', () => {
  let c: TestCluster;
  let runtime: ContainerRuntime;
  const runtimeDir = mkdtempSync(join(tmpdir(), 'kubesim-runtime-'));
  before(async () => {
    runtime = await createContainerRuntime({ dataDir: runtimeDir });
    c = await startTestCluster({ nodes: 2, runtime });
  });
  after(async () => {
    await c.stop();
    await runtime.close();
    rmSync(runtimeDir, { recursive: true, force: true });
  });

  test('an Indexed Job gives each pod its completion index and reports completedIndexes', async () => {
    c.api.create(c.ref('batch', 'jobs'), 'default', {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'shards', namespace: 'default' },
      spec: {
        completions: 3,
        parallelism: 3,
        completionMode: 'Indexed',
        template: { spec: { restartPolicy: 'Never', containers: [{ name: 'w', image: 'worker:1' }] } },
      },
    });
    const job = await c.waitFor('completion', () => {
      const j = c.get('batch', 'jobs', 'default', 'shards');
      return hasCondition(j, 'Complete') ? j : undefined;
    });
    assert.equal((job.status as { completedIndexes: string }).completedIndexes, '0-2');
    const indexes = c.api
      .list(c.ref('', 'pods'), { namespace: 'default', labelSelector: 'job-name=shards' })
      .items.map((p) => p.metadata.annotations?.['batch.kubernetes.io/job-completion-index'])
      .sort();
    assert.deepEqual(indexes, ['0', '1', '2']);
  });

  test('a Job whose pods keep failing stops at backoffLimit with the real reason', async () => {
    c.api.create(c.ref('batch', 'jobs'), 'default', {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'broken', namespace: 'default' },
      spec: {
        backoffLimit: 1,
        template: {
          spec: {
            restartPolicy: 'Never',
            containers: [{ name: 'w', image: 'busybox', command: ['sh', '-c', 'exit 2'] }],
          },
        },
      },
    });
    const job = await c.waitFor('failure', () => {
      const j = c.get('batch', 'jobs', 'default', 'broken');
      return hasCondition(j, 'Failed') ? j : undefined;
    });
    const status = job.status as Conditions & { failed: number };
    assert.equal(status.failed, 2);
    assert.equal(status.conditions?.find((x) => x.type === 'Failed')?.reason, 'BackoffLimitExceeded');
  });

  test('a Job past its activeDeadlineSeconds fails with DeadlineExceeded and its pods are removed', async () => {
    c.api.create(c.ref('batch', 'jobs'), 'default', {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'slow', namespace: 'default' },
      spec: {
        activeDeadlineSeconds: 1,
        template: {
          spec: {
            restartPolicy: 'Never',
            containers: [{ name: 'w', image: 'busybox', command: ['sleep', '30'] }],
          },
        },
      },
    });
    const job = await c.waitFor('the deadline', () => {
      const j = c.get('batch', 'jobs', 'default', 'slow');
      return hasCondition(j, 'Failed') ? j : undefined;
    });
    assert.equal(
      (job.status as Conditions).conditions?.find((x) => x.type === 'Failed')?.reason,
      'DeadlineExceeded',
    );
    await c.waitFor(
      'its pod to go',
      () =>
        c.api.list(c.ref('', 'pods'), { namespace: 'default', labelSelector: 'job-name=slow' }).items
          .length === 0,
    );
  });

  test('a Recreate Deployment takes the old pods down before the new ones come up', async () => {
    const deployments = c.ref('apps', 'deployments');
    const spec = (image: string) => ({
      replicas: 2,
      strategy: { type: 'Recreate' },
      selector: { matchLabels: { app: 'rec' } },
      template: { metadata: { labels: { app: 'rec' } }, spec: { containers: [{ name: 'r', image }] } },
    });
    c.api.create(deployments, 'default', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'rec', namespace: 'default' },
      spec: spec('rec:1'),
    });
    await c.waitFor(
      'v1 available',
      () =>
        (c.get('apps', 'deployments', 'default', 'rec')?.status as { availableReplicas?: number } | undefined)
          ?.availableReplicas === 2,
    );
    let overlap = false;
    const pods = c.ref('', 'pods');
    const watcher = c.api.watch(pods, { namespace: 'default', labelSelector: 'app=rec' }, () => {
      const images = new Set(
        c.api
          .list(pods, { namespace: 'default', labelSelector: 'app=rec' })
          .items.filter((p) => !p.metadata.deletionTimestamp)
          .map((p) => (p.spec as { containers: { image: string }[] }).containers[0].image),
      );
      if (images.size > 1) overlap = true;
    });
    c.api.patch(deployments, 'default', 'rec', 'merge', {
      spec: { template: { spec: { containers: [{ name: 'r', image: 'rec:2' }] } } },
    });
    await c.waitFor('v2 rolled out', () => {
      const d = c.get('apps', 'deployments', 'default', 'rec')!;
      const s = d.status as {
        updatedReplicas?: number;
        availableReplicas?: number;
        replicas?: number;
        observedGeneration?: number;
      };
      return (
        s.observedGeneration === d.metadata.generation &&
        s.updatedReplicas === 2 &&
        s.availableReplicas === 2 &&
        s.replicas === 2
      );
    });
    watcher.stop();
    assert.equal(overlap, false, 'no moment with both versions running');
  });

  test('a DaemonSet template change replaces its pods on every node', async () => {
    const sets = c.ref('apps', 'daemonsets');
    const template = (image: string) => ({
      metadata: { labels: { app: 'ds' } },
      spec: { containers: [{ name: 'd', image }] },
    });
    c.api.create(sets, 'default', {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'ds', namespace: 'default' },
      spec: { selector: { matchLabels: { app: 'ds' } }, template: template('ds:1') },
    });
    await c.waitFor(
      '2 available',
      () =>
        (c.get('apps', 'daemonsets', 'default', 'ds')?.status as { numberAvailable?: number } | undefined)
          ?.numberAvailable === 2,
    );
    c.api.patch(sets, 'default', 'ds', 'merge', { spec: { template: template('ds:2') } });
    await c.waitFor('2 updated and available', () => {
      const ds = c.get('apps', 'daemonsets', 'default', 'ds')!;
      const s = ds.status as {
        updatedNumberScheduled?: number;
        numberAvailable?: number;
        observedGeneration?: number;
      };
      return (
        s.observedGeneration === ds.metadata.generation &&
        s.updatedNumberScheduled === 2 &&
        s.numberAvailable === 2
      );
    });
    const images = c.api
      .list(c.ref('', 'pods'), { namespace: 'default', labelSelector: 'app=ds' })
      .items.filter((p) => !p.metadata.deletionTimestamp)
      .map((p) => (p.spec as { containers: { image: string }[] }).containers[0].image);
    assert.deepEqual(images, ['ds:2', 'ds:2']);
  });

  test('a claim cloned from another claim starts with its data', async () => {
    const pvcs = c.ref('', 'persistentvolumeclaims');
    const claim = (name: string, extra: Record<string, unknown> = {}) => ({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name, namespace: 'default' },
      spec: {
        accessModes: ['ReadWriteOnce'],
        resources: { requests: { storage: '1Gi' } },
        storageClassName: 'standard',
        ...extra,
      },
    });
    const pod = (name: string, claimName: string) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'default' },
      spec: {
        containers: [{ name: 'c', image: 'c:1' }],
        volumes: [{ name: 'd', persistentVolumeClaim: { claimName } }],
      },
    });
    c.api.create(pvcs, 'default', claim('origin'));
    c.api.create(c.ref('', 'pods'), 'default', pod('origin-user', 'origin'));
    const origin = await c.waitFor('origin bound', () => {
      const p = c.get('', 'persistentvolumeclaims', 'default', 'origin');
      return (p?.spec as { volumeName?: string } | undefined)?.volumeName ? p : undefined;
    });
    const handleOf = (pvc: KubeObject) =>
      (
        c.get('', 'persistentvolumes', undefined, (pvc.spec as { volumeName: string }).volumeName)!.spec as {
          csi: { volumeHandle: string };
        }
      ).csi.volumeHandle;
    writeFileSync(join(csiVolumeDir(c.dataDir, handleOf(origin)), 'seed.txt'), 'seeded');
    c.api.create(
      pvcs,
      'default',
      claim('copy', { dataSource: { kind: 'PersistentVolumeClaim', name: 'origin' } }),
    );
    c.api.create(c.ref('', 'pods'), 'default', pod('copy-user', 'copy'));
    const copy = await c.waitFor('copy bound', () => {
      const p = c.get('', 'persistentvolumeclaims', 'default', 'copy');
      return (p?.status as { phase?: string } | undefined)?.phase === 'Bound' ? p : undefined;
    });
    assert.equal(readFileSync(join(csiVolumeDir(c.dataDir, handleOf(copy)), 'seed.txt'), 'utf8'), 'seeded');
  });
});
