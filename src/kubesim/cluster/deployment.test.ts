import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { KubeObject } from '../registry/types.ts';
import { startTestCluster, type TestCluster } from './testing.ts';

function deployment(name: string, replicas: number, image = 'nginx:1.27'): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default', labels: { app: name } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'web', image, ports: [{ containerPort: 80 }] }] },
      },
    },
  };
}

describe('deployment controller', () => {
  let c: TestCluster;
  before(async () => {
    c = await startTestCluster({ nodes: 2 });
  });
  after(async () => {
    await c.stop();
  });

  test('a Deployment of 3 becomes available through a ReplicaSet and 3 owned, running pods', async () => {
    const deployments = c.ref('apps', 'deployments');
    c.api.create(deployments, 'default', deployment('web', 3));
    const done = await c.waitFor('web to be available', () => {
      const d = c.get('apps', 'deployments', 'default', 'web');
      const s = d?.status as Record<string, number> | undefined;
      return s?.availableReplicas === 3 &&
        s.updatedReplicas === 3 &&
        s.observedGeneration === d!.metadata.generation
        ? d
        : undefined;
    });
    assert.equal(done.metadata.annotations?.['deployment.kubernetes.io/revision'], '1');
    const conditions = (done.status as { conditions: { type: string; status: string; reason: string }[] })
      .conditions;
    assert.deepEqual(conditions.map((x) => [x.type, x.status, x.reason]).sort(), [
      ['Available', 'True', 'MinimumReplicasAvailable'],
      ['Progressing', 'True', 'NewReplicaSetAvailable'],
    ]);
    const sets = c.api.list(c.ref('apps', 'replicasets'), { namespace: 'default' }).items;
    assert.equal(sets.length, 1);
    const rs = sets[0];
    const hash = rs.metadata.labels?.['pod-template-hash'];
    assert.ok(hash);
    assert.equal(rs.metadata.name, `web-${hash}`);
    assert.equal(rs.metadata.ownerReferences?.[0].uid, done.metadata.uid);
    assert.equal(rs.metadata.ownerReferences?.[0].controller, true);
    const pods = c.api.list(c.ref('', 'pods'), { namespace: 'default' }).items;
    assert.equal(pods.length, 3);
    for (const pod of pods) {
      assert.equal(pod.metadata.ownerReferences?.[0].uid, rs.metadata.uid);
      assert.match(pod.metadata.name!, new RegExp(`^web-${hash}-[a-z0-9]{5}$`));
      const status = pod.status as {
        phase: string;
        podIP: string;
        conditions: { type: string; status: string }[];
      };
      assert.equal(status.phase, 'Running');
      assert.match(status.podIP, /^10\.244\.[12]\.\d+$/);
      assert.equal(status.conditions.find((x) => x.type === 'Ready')?.status, 'True');
    }
    const nodes = new Set(pods.map((p) => (p.spec as { nodeName: string }).nodeName));
    assert.equal(nodes.size, 2, 'pods are spread over both nodes');
  });

  test('a template change rolls out a second ReplicaSet and scales the first to zero', async () => {
    const deployments = c.ref('apps', 'deployments');
    c.api.patch(deployments, 'default', 'web', 'merge', {
      spec: { template: { spec: { containers: [{ name: 'web', image: 'nginx:1.28' }] } } },
    });
    await c.waitFor('the rollout to finish', () => {
      const d = c.get('apps', 'deployments', 'default', 'web')!;
      const s = d.status as Record<string, number>;
      return (
        s.observedGeneration === d.metadata.generation &&
        s.updatedReplicas === 3 &&
        s.replicas === 3 &&
        s.availableReplicas === 3
      );
    });
    const sets = c.api.list(c.ref('apps', 'replicasets'), { namespace: 'default' }).items;
    assert.equal(sets.length, 2);
    const byRevision = new Map(
      sets.map((s) => [s.metadata.annotations?.['deployment.kubernetes.io/revision'], s]),
    );
    assert.equal((byRevision.get('1')!.spec as { replicas: number }).replicas, 0);
    assert.equal((byRevision.get('2')!.spec as { replicas: number }).replicas, 3);
    await c.waitFor(
      'old pods to be gone',
      () => c.api.list(c.ref('', 'pods'), { namespace: 'default' }).items.length === 3,
    );
  });

  test('deleting the Deployment removes its ReplicaSets and pods (garbage collection)', async () => {
    c.api.delete(c.ref('apps', 'deployments'), 'default', 'web');
    await c.waitFor(
      'replicasets and pods to be collected',
      () =>
        c.api.list(c.ref('apps', 'replicasets'), { namespace: 'default' }).items.length === 0 &&
        c.api.list(c.ref('', 'pods'), { namespace: 'default' }).items.length === 0,
    );
  });

  test('a rollout that cannot progress reports ProgressDeadlineExceeded (kubectl rollout status then fails)', async () => {
    const stuck = deployment('stuck', 1);
    (stuck.spec as Record<string, unknown>).progressDeadlineSeconds = 1;
    (stuck.spec as { template: { spec: Record<string, unknown> } }).template.spec.nodeSelector = {
      nowhere: 'true',
    };
    c.api.create(c.ref('apps', 'deployments'), 'default', stuck);
    const condition = await c.waitFor(
      'the deadline',
      () => {
        const d = c.get('apps', 'deployments', 'default', 'stuck');
        const p = (
          d?.status as { conditions?: { type: string; status: string; reason: string }[] } | undefined
        )?.conditions?.find((x) => x.type === 'Progressing');
        return p?.status === 'False' ? p : undefined;
      },
      10_000,
    );
    assert.equal(condition.reason, 'ProgressDeadlineExceeded');
    await new Promise((r) => setTimeout(r, 1500));
    const later = (
      c.get('apps', 'deployments', 'default', 'stuck')!.status as {
        conditions: { type: string; reason: string }[];
      }
    ).conditions.find((x) => x.type === 'Progressing');
    assert.equal(later?.reason, 'ProgressDeadlineExceeded', 'it stays exceeded while nothing progresses');
  });
});
