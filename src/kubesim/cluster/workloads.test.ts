import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { KubeObject } from '../registry/types.ts';
import { startTestCluster, type TestCluster } from './testing.ts';

type Status = Record<string, unknown>;
const template = (app: string, extra: Record<string, unknown> = {}) => ({
  metadata: { labels: { app } },
  spec: { containers: [{ name: app, image: `${app}:1` }], ...extra },
});

describe('daemonset, job, endpoints, scheduler and garbage collection', () => {
  let c: TestCluster;
  before(async () => {
    c = await startTestCluster({ nodes: 3 });
  });
  after(async () => {
    await c.stop();
  });

  test('a DaemonSet runs one pod per node, pinned by node affinity', async () => {
    c.api.create(c.ref('apps', 'daemonsets'), 'default', {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'agent', namespace: 'default' },
      spec: { selector: { matchLabels: { app: 'agent' } }, template: template('agent') },
    });
    const ds = await c.waitFor('3 available', () => {
      const d = c.get('apps', 'daemonsets', 'default', 'agent');
      const s = d?.status as Status | undefined;
      return s?.numberAvailable === 3 && s.updatedNumberScheduled === 3 ? s : undefined;
    });
    assert.equal(ds.desiredNumberScheduled, 3);
    const pods = c.api.list(c.ref('', 'pods'), { namespace: 'default', labelSelector: 'app=agent' }).items;
    const nodes = pods.map((p) => (p.spec as { nodeName: string }).nodeName).sort();
    assert.deepEqual(nodes, ['kubesim-node-1', 'kubesim-node-2', 'kubesim-node-3']);
  });

  test('a Job with completions 3 and parallelism 2 completes with labelled pods', async () => {
    c.api.create(c.ref('batch', 'jobs'), 'default', {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'migrate', namespace: 'default' },
      spec: { completions: 3, parallelism: 2, template: template('migrate', { restartPolicy: 'Never' }) },
    });
    const job = await c.waitFor('the job to complete', () => {
      const j = c.get('batch', 'jobs', 'default', 'migrate');
      const conditions =
        (j?.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? [];
      return conditions.some((x) => x.type === 'Complete' && x.status === 'True') ? j : undefined;
    });
    const status = job.status as Status;
    assert.equal(status.succeeded, 3);
    assert.equal(status.active, 0);
    assert.ok(status.completionTime);
    const pods = c.api.list(c.ref('', 'pods'), {
      namespace: 'default',
      labelSelector: 'job-name=migrate',
    }).items;
    assert.equal(pods.length, 3);
    for (const pod of pods) {
      assert.equal(pod.metadata.labels?.['batch.kubernetes.io/controller-uid'], job.metadata.uid);
      assert.equal((pod.status as { phase: string }).phase, 'Succeeded');
      const state = (
        pod.status as {
          containerStatuses: { state: { terminated?: { exitCode: number; reason: string } } }[];
        }
      ).containerStatuses[0].state;
      assert.deepEqual([state.terminated?.exitCode, state.terminated?.reason], [0, 'Completed']);
    }
  });

  test('Endpoints list the ready pods of a Service with resolved named ports', async () => {
    c.api.create(c.ref('apps', 'deployments'), 'default', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'api', namespace: 'default' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'api' } },
        template: {
          metadata: { labels: { app: 'api' } },
          spec: {
            containers: [{ name: 'api', image: 'api:1', ports: [{ name: 'http', containerPort: 8080 }] }],
          },
        },
      },
    });
    c.api.create(c.ref('', 'services'), 'default', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'api', namespace: 'default' },
      spec: { selector: { app: 'api' }, ports: [{ name: 'web', port: 80, targetPort: 'http' }] },
    });
    const eps = await c.waitFor('2 addresses', () => {
      const e = c.get('', 'endpoints', 'default', 'api');
      const subsets = (e?.subsets ?? []) as { addresses?: unknown[] }[];
      return subsets[0]?.addresses?.length === 2 ? e : undefined;
    });
    const subset = (
      eps.subsets as { addresses: { ip: string; targetRef: { kind: string } }[]; ports: unknown[] }[]
    )[0];
    assert.deepEqual(subset.ports, [{ name: 'web', port: 8080, protocol: 'TCP' }]);
    for (const a of subset.addresses) {
      assert.match(a.ip, /^10\.244\./);
      assert.equal(a.targetRef.kind, 'Pod');
    }
    c.api.delete(c.ref('', 'services'), 'default', 'api');
    await c.waitFor('the endpoints to go', () => c.get('', 'endpoints', 'default', 'api') === undefined);
  });

  test('an unschedulable pod stays Pending with the scheduler reason, and is placed once a node fits', async () => {
    const pods = c.ref('', 'pods');
    c.api.create(pods, 'default', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'picky', namespace: 'default' },
      spec: { nodeSelector: { disk: 'ssd' }, containers: [{ name: 'c', image: 'c:1' }] },
    });
    const pending = await c.waitFor('the Unschedulable condition', () => {
      const p = c.get('', 'pods', 'default', 'picky');
      const cond = (
        p?.status as { conditions?: { type: string; reason?: string; message?: string }[] } | undefined
      )?.conditions?.find((x) => x.type === 'PodScheduled');
      return cond?.reason === 'Unschedulable' ? cond : undefined;
    });
    assert.match(
      pending.message!,
      /^0\/3 nodes are available: 3 node\(s\) didn't match Pod's node affinity\/selector\./,
    );
    c.api.patch(c.ref('', 'nodes'), undefined, 'kubesim-node-2', 'merge', {
      metadata: { labels: { disk: 'ssd' } },
    });
    const placed = await c.waitFor('the pod to run', () => {
      const p = c.get('', 'pods', 'default', 'picky');
      return (p?.status as { phase?: string } | undefined)?.phase === 'Running' ? p : undefined;
    });
    assert.equal((placed.spec as { nodeName: string }).nodeName, 'kubesim-node-2');
  });

  test('a node taint keeps pods away unless they tolerate it', async () => {
    const nodes = c.ref('', 'nodes');
    for (const n of ['kubesim-node-1', 'kubesim-node-3']) {
      c.api.patch(nodes, undefined, n, 'merge', {
        spec: { taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] },
      });
    }
    const pods = c.ref('', 'pods');
    for (let i = 0; i < 3; i++) {
      c.api.create(pods, 'default', {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: `plain-${i}`, namespace: 'default' },
        spec: { containers: [{ name: 'c', image: 'c:1' }] },
      });
    }
    await c.waitFor('plain pods to be scheduled', () =>
      [0, 1, 2].every(
        (i) =>
          (c.get('', 'pods', 'default', `plain-${i}`)?.spec as { nodeName?: string } | undefined)?.nodeName,
      ),
    );
    for (let i = 0; i < 3; i++) {
      assert.equal(
        (c.get('', 'pods', 'default', `plain-${i}`)!.spec as { nodeName: string }).nodeName,
        'kubesim-node-2',
      );
    }
    for (const n of ['kubesim-node-1', 'kubesim-node-3'])
      c.api.patch(nodes, undefined, n, 'merge', { spec: { taints: null } });
  });

  test('foreground deletion waits for blocking dependents; orphan deletion leaves them without the owner', async () => {
    const cms = c.ref('', 'configmaps');
    const owner = c.api.create(cms, 'default', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'owner', namespace: 'default' },
    });
    const ref = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      name: 'owner',
      uid: owner.metadata.uid!,
      blockOwnerDeletion: true,
    };
    c.api.create(cms, 'default', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'child', namespace: 'default', ownerReferences: [ref], finalizers: ['test/hold'] },
    });
    c.api.delete(cms, 'default', 'owner', { propagationPolicy: 'Foreground' });
    await c.waitFor(
      'the child to be marked for deletion',
      () => c.get('', 'configmaps', 'default', 'child')?.metadata.deletionTimestamp,
    );
    await new Promise((r) => setTimeout(r, 100));
    assert.ok(c.get('', 'configmaps', 'default', 'owner'), 'the owner waits for its blocking dependent');
    const child = c.get('', 'configmaps', 'default', 'child')!;
    c.api.patch(cms, 'default', 'child', 'merge', {
      metadata: { resourceVersion: child.metadata.resourceVersion, finalizers: null },
    });
    await c.waitFor('the owner to go', () => c.get('', 'configmaps', 'default', 'owner') === undefined);

    const owner2 = c.api.create(cms, 'default', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'owner2', namespace: 'default' },
    });
    const ref2 = { apiVersion: 'v1', kind: 'ConfigMap', name: 'owner2', uid: owner2.metadata.uid! };
    c.api.create(cms, 'default', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'kept', namespace: 'default', ownerReferences: [ref2] },
    });
    c.api.delete(cms, 'default', 'owner2', { propagationPolicy: 'Orphan' });
    await c.waitFor('the owner to go', () => c.get('', 'configmaps', 'default', 'owner2') === undefined);
    const kept = c.get('', 'configmaps', 'default', 'kept');
    assert.ok(kept);
    assert.equal(kept.metadata.ownerReferences, undefined);
  });

  test('a dependent whose owner never existed is collected; one with another live owner only loses the dangling reference', async () => {
    const cms = c.ref('', 'configmaps');
    const live = c.api.create(cms, 'default', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'live', namespace: 'default' },
    });
    const ghost = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      name: 'ghost',
      uid: '00000000-0000-4000-8000-000000000000',
    };
    const alive = { apiVersion: 'v1', kind: 'ConfigMap', name: 'live', uid: live.metadata.uid! };
    c.api.create(cms, 'default', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'orphan', namespace: 'default', ownerReferences: [ghost] },
    });
    c.api.create(cms, 'default', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'shared', namespace: 'default', ownerReferences: [ghost, alive] },
    });
    await c.waitFor(
      'the orphan to be collected',
      () => c.get('', 'configmaps', 'default', 'orphan') === undefined,
    );
    const shared = await c.waitFor('the dangling reference to go', () => {
      const s = c.get('', 'configmaps', 'default', 'shared') as KubeObject;
      return s.metadata.ownerReferences?.length === 1 ? s : undefined;
    });
    assert.equal(shared.metadata.ownerReferences?.[0].uid, live.metadata.uid);
  });
});
