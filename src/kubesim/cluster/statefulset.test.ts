import assert from 'node:assert/strict';
import { existsSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { csiVolumeDir } from '../csi/paths.ts';
import { podVolumeDir } from '../kubelet/layout.ts';
import type { KubeObject } from '../registry/types.ts';
import { startTestCluster, type TestCluster } from './testing.ts';

const set = (replicas: number, image = 'postgres:17'): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name: 'pg', namespace: 'default' },
  spec: {
    replicas,
    serviceName: 'pg',
    selector: { matchLabels: { app: 'pg' } },
    template: {
      metadata: { labels: { app: 'pg' } },
      spec: {
        containers: [
          { name: 'pg', image, volumeMounts: [{ name: 'data', mountPath: '/var/lib/postgresql/data' }] },
        ],
      },
    },
    volumeClaimTemplates: [
      {
        metadata: { name: 'data' },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
      },
    ],
  },
});

type Status = Record<string, number | string>;

describe('statefulset controller with the hostpath CSI driver', () => {
  let c: TestCluster;
  before(async () => {
    c = await startTestCluster({ nodes: 2 });
  });
  after(async () => {
    await c.stop();
  });

  test('pods are created in order with claims bound to node-local volumes that appear in the kubelet layout', async () => {
    c.api.create(c.ref('apps', 'statefulsets'), 'default', set(2));
    const sts = await c.waitFor('2 ready replicas', () => {
      const s = c.get('apps', 'statefulsets', 'default', 'pg');
      return (s?.status as Status | undefined)?.readyReplicas === 2 ? s : undefined;
    });
    const status = sts.status as Status;
    assert.equal(status.currentRevision, status.updateRevision);
    assert.match(String(status.updateRevision), /^pg-[a-z0-9]+$/);
    const revisions = c.api.list(c.ref('apps', 'controllerrevisions'), { namespace: 'default' }).items;
    assert.deepEqual(
      revisions.map((r) => r.metadata.name),
      [status.updateRevision],
    );

    const pod0 = c.get('', 'pods', 'default', 'pg-0')!;
    const pod1 = c.get('', 'pods', 'default', 'pg-1')!;
    assert.ok(pod0.metadata.creationTimestamp! <= pod1.metadata.creationTimestamp!);
    assert.equal((pod0.spec as { hostname: string }).hostname, 'pg-0');
    assert.equal(pod0.metadata.labels?.['controller-revision-hash'], status.updateRevision);
    for (const [ordinal, pod] of [pod0, pod1].entries()) {
      const pvc = c.get('', 'persistentvolumeclaims', 'default', `data-pg-${ordinal}`)!;
      assert.equal((pvc.status as { phase: string }).phase, 'Bound');
      assert.equal(pvc.metadata.annotations?.['pv.kubernetes.io/bind-completed'], 'yes');
      assert.equal(
        pvc.metadata.annotations?.['volume.kubernetes.io/selected-node'],
        (pod.spec as { nodeName: string }).nodeName,
      );
      assert.equal((pvc.spec as { storageClassName: string }).storageClassName, 'standard');
      const pvName = (pvc.spec as { volumeName: string }).volumeName;
      assert.equal(pvName, `pvc-${pvc.metadata.uid}`);
      const pv = c.get('', 'persistentvolumes', undefined, pvName)!;
      const pvSpec = pv.spec as {
        csi: { volumeHandle: string; driver: string };
        nodeAffinity: { required: { nodeSelectorTerms: { matchExpressions: { values: string[] }[] }[] } };
        persistentVolumeReclaimPolicy: string;
      };
      assert.equal(pvSpec.csi.driver, 'hostpath.csi.k8s.io');
      assert.equal(pv.metadata.annotations?.['pv.kubernetes.io/provisioned-by'], 'hostpath.csi.k8s.io');
      assert.equal(pvSpec.persistentVolumeReclaimPolicy, 'Delete');
      assert.equal((pv.status as { phase: string }).phase, 'Bound');
      const nodeName = (pod.spec as { nodeName: string }).nodeName;
      assert.deepEqual(pvSpec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].values, [
        nodeName,
      ]);
      const backing = csiVolumeDir(c.dataDir, pvSpec.csi.volumeHandle);
      assert.ok(existsSync(backing));
      const node = c.sim.nodes.find((n) => n.name === nodeName)!;
      const dir = podVolumeDir(node.rootDir, pod.metadata.uid!, 'kubernetes.io~csi', pvName);
      assert.equal(realpathSync(join(dir, 'mount')), realpathSync(backing));
      const volData = JSON.parse(readFileSync(join(dir, 'vol_data.json'), 'utf8'));
      assert.equal(volData.volumeHandle, pvSpec.csi.volumeHandle);
      writeFileSync(join(dir, 'mount', 'PG_VERSION'), '17\n');
      assert.equal(readFileSync(join(backing, 'PG_VERSION'), 'utf8'), '17\n');
    }
  });

  test('a recreated pod keeps its claim and lands on the node that holds its volume', async () => {
    const before = c.get('', 'pods', 'default', 'pg-1')!;
    const nodeName = (before.spec as { nodeName: string }).nodeName;
    c.api.delete(c.ref('', 'pods'), 'default', 'pg-1');
    const after = await c.waitFor('pg-1 to come back running', () => {
      const p = c.get('', 'pods', 'default', 'pg-1');
      return p &&
        p.metadata.uid !== before.metadata.uid &&
        (p.status as { phase?: string }).phase === 'Running'
        ? p
        : undefined;
    });
    assert.equal((after.spec as { nodeName: string }).nodeName, nodeName);
  });

  test('a template change rolls pods from the highest ordinal and moves currentRevision', async () => {
    const old = (c.get('apps', 'statefulsets', 'default', 'pg')!.status as Status).currentRevision;
    c.api.patch(c.ref('apps', 'statefulsets'), 'default', 'pg', 'merge', {
      spec: {
        template: {
          spec: {
            containers: [
              {
                name: 'pg',
                image: 'postgres:17.1',
                volumeMounts: [{ name: 'data', mountPath: '/var/lib/postgresql/data' }],
              },
            ],
          },
        },
      },
    });
    const done = await c.waitFor('the rolling update to finish', () => {
      const s = c.get('apps', 'statefulsets', 'default', 'pg')!;
      const st = s.status as Status;
      return st.updatedReplicas === 2 &&
        st.readyReplicas === 2 &&
        st.currentRevision === st.updateRevision &&
        st.currentRevision !== old
        ? st
        : undefined;
    });
    for (const name of ['pg-0', 'pg-1']) {
      assert.equal(
        c.get('', 'pods', 'default', name)!.metadata.labels?.['controller-revision-hash'],
        done.updateRevision,
      );
    }
  });

  test('scaling down removes the highest ordinal and keeps its claim (Retain)', async () => {
    c.api.patch(c.ref('apps', 'statefulsets'), 'default', 'pg', 'merge', { spec: { replicas: 1 } });
    await c.waitFor('pg-1 to go', () => c.get('', 'pods', 'default', 'pg-1') === undefined);
    assert.ok(c.get('', 'pods', 'default', 'pg-0'));
    assert.ok(c.get('', 'persistentvolumeclaims', 'default', 'data-pg-1'));
  });
});
