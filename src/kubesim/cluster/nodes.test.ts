import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ManualClock } from '../../core/clock.ts';
import type { KubeObject } from '../registry/types.ts';
import { startTestCluster, type TestCluster } from './testing.ts';

describe('nodes, leases and cron jobs on the injected clock', () => {
  let c: TestCluster;
  const clock = new ManualClock('2026-03-01T10:00:30Z');
  before(async () => {
    c = await startTestCluster({ nodes: 3, clock });
  });
  after(async () => {
    await c.stop();
  });

  test('nodes are registered Ready with a kubelet v1.32.4 identity, a pod CIDR and a host root', async () => {
    await c.sim.settled();
    assert.ok(
      c.get('', 'serviceaccounts', 'default', 'default'),
      'settled: the namespace controller has run',
    );
    const nodes = c.api.list(c.ref('', 'nodes')).items;
    assert.deepEqual(
      nodes.map((n) => n.metadata.name),
      ['kubesim-node-1', 'kubesim-node-2', 'kubesim-node-3'],
    );
    for (const [i, node] of nodes.entries()) {
      const status = node.status as {
        conditions: { type: string; status: string }[];
        nodeInfo: { kubeletVersion: string };
        addresses: { type: string; address: string }[];
        allocatable: Record<string, string>;
      };
      assert.deepEqual(
        status.conditions.map((x) => [x.type, x.status]),
        [
          ['MemoryPressure', 'False'],
          ['DiskPressure', 'False'],
          ['PIDPressure', 'False'],
          ['Ready', 'True'],
        ],
      );
      assert.equal(status.nodeInfo.kubeletVersion, 'v1.32.4');
      assert.equal(status.allocatable.pods, '110');
      assert.ok(status.addresses.some((a) => a.type === 'InternalIP'));
      assert.equal((node.spec as { podCIDR: string }).podCIDR, `10.244.${i + 1}.0/24`);
      assert.equal(node.metadata.labels?.['kubernetes.io/hostname'], node.metadata.name);
      assert.ok(existsSync(join(c.sim.nodes[i].rootDir, 'var', 'lib', 'kubelet', 'pods')));
    }
  });

  test('each node renews its Lease in kube-node-lease every 10 s of the clock', async () => {
    const lease = (): KubeObject =>
      c.get('coordination.k8s.io', 'leases', 'kube-node-lease', 'kubesim-node-2')!;
    const first = lease();
    assert.equal((first.spec as { holderIdentity: string }).holderIdentity, 'kubesim-node-2');
    assert.equal((first.spec as { renewTime: string }).renewTime, '2026-03-01T10:00:30.000000Z');
    assert.equal(first.metadata.ownerReferences?.[0].kind, 'Node');
    clock.advance(10_000);
    const renewed = await c.waitFor('the lease to be renewed', () => {
      const t = (lease().spec as { renewTime: string }).renewTime;
      return t === '2026-03-01T10:00:40.000000Z' ? t : undefined;
    });
    assert.ok(renewed);
  });

  test('a CronJob creates its Job at the scheduled minute and records lastScheduleTime', async () => {
    c.api.create(c.ref('batch', 'cronjobs'), 'default', {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'tick', namespace: 'default' },
      spec: {
        schedule: '*/5 * * * *',
        jobTemplate: {
          spec: {
            template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 't', image: 'busybox' }] } },
          },
        },
      },
    });
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(
      c.api.list(c.ref('batch', 'jobs'), { namespace: 'default' }).items.length,
      0,
      'nothing before 10:05',
    );
    clock.set('2026-03-01T10:05:01Z');
    c.api.patch(c.ref('batch', 'cronjobs'), 'default', 'tick', 'merge', {
      metadata: { labels: { nudge: '1' } },
    });
    const job = await c.waitFor(
      'the job',
      () => c.api.list(c.ref('batch', 'jobs'), { namespace: 'default' }).items[0],
    );
    assert.equal(job.metadata.name, `tick-${Date.parse('2026-03-01T10:05:00Z') / 60_000}`);
    assert.equal(job.metadata.ownerReferences?.[0].kind, 'CronJob');
    const cj = await c.waitFor('lastScheduleTime', () => {
      const x = c.get('batch', 'cronjobs', 'default', 'tick');
      return (x?.status as { lastScheduleTime?: string } | undefined)?.lastScheduleTime ? x : undefined;
    });
    assert.equal((cj.status as { lastScheduleTime: string }).lastScheduleTime, '2026-03-01T10:05:00Z');
  });
});
