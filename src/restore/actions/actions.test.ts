import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseResource } from '../../api/validation/validate.ts';
import type { KubeObject } from '../../kube/types.ts';
import type { RestoreItemAction, RestoreItemActionOutput } from '../types.ts';
import { builtinActions } from './builtin.ts';
import { changeStorageClassAction } from './change-storage-class.ts';
import { clusterManagedAction } from './cluster-managed.ts';
import { jobAction } from './job.ts';
import { persistentVolumeAction, persistentVolumeClaimAction } from './persistent-volumes.ts';
import { podAction } from './pod.ts';
import { roleBindingsAction } from './role-bindings.ts';
import { secretAction } from './secret.ts';
import { serviceAction } from './service.ts';
import { serviceAccountAction } from './service-account.ts';

const restore = (spec: Record<string, unknown> = {}) =>
  parseResource('Restore', {
    apiVersion: 'lifeboat.io/v1',
    kind: 'Restore',
    metadata: { name: 'r', namespace: 'lifeboat' },
    spec: { backupName: 'b', ...spec },
  });

async function run(
  action: RestoreItemAction,
  item: KubeObject,
  options: { spec?: Record<string, unknown>; backup?: Record<string, KubeObject> } = {},
): Promise<RestoreItemActionOutput> {
  return action.execute({
    item: structuredClone(item),
    itemFromBackup: item,
    restore: restore(options.spec),
    sourceNamespace: item.metadata?.namespace,
    backupItem: async (id) => options.backup?.[`${id.groupResource}/${id.name}`],
  });
}

describe('built-in restore item actions', () => {
  const svc = {
    kind: 'Service',
    metadata: {
      name: 's',
      annotations: {
        'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify({
          spec: { ports: [{ nodePort: 30002 }] },
        }),
      },
    },
    spec: {
      clusterIP: '10.0.0.1',
      clusterIPs: ['10.0.0.1'],
      ports: [
        { port: 80, nodePort: 30001 },
        { port: 81, nodePort: 30002 },
      ],
      healthCheckNodePort: 30009,
    },
  };

  test('service: cluster IPs cleared, generated node ports dropped, explicit ones kept', async () => {
    const out = (await run(serviceAction, svc)).updatedItem.spec as Record<string, unknown>;
    assert.equal(out.clusterIP, undefined);
    assert.equal(out.clusterIPs, undefined);
    assert.deepEqual(out.ports, [{ port: 80 }, { port: 81, nodePort: 30002 }]);
    assert.equal(out.healthCheckNodePort, undefined);
    const kept = (await run(serviceAction, svc, { spec: { preserveNodePorts: true } })).updatedItem
      .spec as Record<string, unknown>;
    assert.deepEqual(kept.ports, svc.spec.ports);
    const headless = (await run(serviceAction, { kind: 'Service', spec: { clusterIP: 'None' } })).updatedItem
      .spec;
    assert.deepEqual(headless, { clusterIP: 'None' });
  });

  test('job: finished jobs skipped; controller-uid labels and the generated selector removed', async () => {
    const job = {
      kind: 'Job',
      metadata: { name: 'j' },
      spec: {
        selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u' } },
        template: {
          metadata: {
            labels: { 'batch.kubernetes.io/controller-uid': 'u', 'controller-uid': 'u', app: 'x' },
          },
        },
      },
    };
    const out = (await run(jobAction, job)).updatedItem.spec as typeof job.spec;
    assert.equal(out.selector, undefined);
    assert.deepEqual(out.template.metadata.labels, { app: 'x' });
    const done = await run(jobAction, { ...job, status: { completionTime: '2026-01-01T00:00:00Z' } });
    assert.equal(done.skipRestore, true);
  });

  test('pod: finished and mirror pods skipped; nodeName, priority and token volumes dropped; claims as additional items', async () => {
    const pod = {
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'n' },
      spec: {
        nodeName: 'node1',
        priority: 5,
        serviceAccountName: 'sa',
        volumes: [{ name: 'sa-token-abc' }, { name: 'data', persistentVolumeClaim: { claimName: 'pvc1' } }],
        containers: [{ name: 'c', volumeMounts: [{ name: 'sa-token-abc' }, { name: 'data' }] }],
      },
      status: { phase: 'Running' },
    };
    const out = await run(podAction, pod);
    const spec = out.updatedItem.spec as typeof pod.spec;
    assert.equal(spec.nodeName, undefined);
    assert.equal(spec.priority, undefined);
    assert.deepEqual(
      spec.volumes.map((v) => v.name),
      ['data'],
    );
    assert.deepEqual(spec.containers[0].volumeMounts, [{ name: 'data' }]);
    assert.deepEqual(out.additionalItems, [
      { groupResource: 'persistentvolumeclaims', namespace: 'n', name: 'pvc1' },
    ]);
    assert.equal((await run(podAction, { ...pod, status: { phase: 'Succeeded' } })).skipRestore, true);
    assert.equal(
      (
        await run(podAction, {
          ...pod,
          metadata: { name: 'm', annotations: { 'kubernetes.io/config.mirror': 'x' } },
        })
      ).skipRestore,
      true,
    );
  });

  test('PV: Delete-policy volumes not restored; others get their claimRef remapped and unbound', async () => {
    const action = persistentVolumeAction({ old: 'new' });
    const pv = {
      kind: 'PersistentVolume',
      metadata: { name: 'pv1' },
      spec: {
        persistentVolumeReclaimPolicy: 'Retain',
        claimRef: { namespace: 'old', name: 'c', uid: 'u', resourceVersion: '1' },
      },
    };
    const out = await run(action, pv);
    assert.deepEqual((out.updatedItem.spec as typeof pv.spec).claimRef, { namespace: 'new', name: 'c' });
    const del = await run(action, { ...pv, spec: { ...pv.spec, persistentVolumeReclaimPolicy: 'Delete' } });
    assert.equal(del.skipRestore, true);
  });

  test('PVC: binding annotations dropped; volumeName kept with its restored PV, dropped otherwise', async () => {
    const pvc = {
      kind: 'PersistentVolumeClaim',
      metadata: {
        name: 'c',
        namespace: 'n',
        annotations: { 'pv.kubernetes.io/bind-completed': 'yes', keep: 'me' },
      },
      spec: { volumeName: 'pv1' },
    };
    const retained = { kind: 'PersistentVolume', spec: { persistentVolumeReclaimPolicy: 'Retain' } };
    const deleted = { kind: 'PersistentVolume', spec: { persistentVolumeReclaimPolicy: 'Delete' } };
    const kept = await run(persistentVolumeClaimAction, pvc, {
      backup: { 'persistentvolumes/pv1': retained },
    });
    assert.equal((kept.updatedItem.spec as { volumeName?: string }).volumeName, 'pv1');
    assert.deepEqual(kept.updatedItem.metadata?.annotations, { keep: 'me' });
    assert.deepEqual(kept.additionalItems, [{ groupResource: 'persistentvolumes', name: 'pv1' }]);
    const dropped = await run(persistentVolumeClaimAction, pvc, {
      backup: { 'persistentvolumes/pv1': deleted },
    });
    assert.equal((dropped.updatedItem.spec as { volumeName?: string }).volumeName, undefined);
  });

  test('change-storage-class maps PVs, PVCs and StatefulSet claim templates', async () => {
    const action = changeStorageClassAction({ slow: 'fast' });
    const pvc = await run(action, { kind: 'PersistentVolumeClaim', spec: { storageClassName: 'slow' } });
    assert.equal((pvc.updatedItem.spec as { storageClassName: string }).storageClassName, 'fast');
    const sts = await run(action, {
      kind: 'StatefulSet',
      spec: {
        volumeClaimTemplates: [
          { spec: { storageClassName: 'slow' } },
          { spec: { storageClassName: 'other' } },
        ],
      },
    });
    assert.deepEqual(
      (
        sts.updatedItem.spec as { volumeClaimTemplates: { spec: { storageClassName: string } }[] }
      ).volumeClaimTemplates.map((t) => t.spec.storageClassName),
      ['fast', 'other'],
    );
  });

  test('service accounts, token secrets and role bindings', async () => {
    const sa = await run(serviceAccountAction, {
      kind: 'ServiceAccount',
      metadata: { name: 'sa' },
      secrets: [{ name: 'sa-token-x' }, { name: 'pull' }],
    });
    assert.deepEqual(sa.updatedItem.secrets, [{ name: 'pull' }]);
    const token = {
      kind: 'Secret',
      type: 'kubernetes.io/service-account-token',
      metadata: {
        name: 'sa-token-x',
        annotations: { 'kubernetes.io/service-account.name': 'sa', 'kubernetes.io/service-account.uid': 'u' },
      },
      data: { token: 't', 'ca.crt': 'c', extra: 'e' },
    };
    assert.equal((await run(secretAction, token)).skipRestore, true);
    const manual = await run(secretAction, { ...token, metadata: { ...token.metadata, name: 'manual' } });
    assert.deepEqual(manual.updatedItem.data, { extra: 'e' });
    const rb = await run(roleBindingsAction({ a: 'b' }), {
      kind: 'RoleBinding',
      subjects: [
        { kind: 'ServiceAccount', namespace: 'a', name: 'x' },
        { kind: 'User', name: 'u' },
      ],
    });
    assert.deepEqual(rb.updatedItem.subjects, [
      { kind: 'ServiceAccount', namespace: 'b', name: 'x' },
      { kind: 'User', name: 'u' },
    ]);
  });

  test('built-ins are registered in name order, change-storage-class only when configured', () => {
    const names = builtinActions({ namespaceMapping: {} }).map((a) => a.name);
    assert.deepEqual(names, [...names].sort());
    assert.ok(!names.includes('lifeboat.io/change-storage-class'));
    assert.ok(
      builtinActions({ namespaceMapping: {}, storageClassMapping: {} }).some(
        (a) => a.name === 'lifeboat.io/change-storage-class',
      ),
    );
  });

  test('objects the target cluster makes for itself are skipped', async () => {
    const api = {
      kind: 'APIService',
      metadata: { name: 'v1.apps', labels: { 'kube-aggregator.kubernetes.io/automanaged': 'onstart' } },
    };
    assert.equal((await run(clusterManagedAction, api)).skipRestore, true);
    assert.equal(
      (await run(clusterManagedAction, { ...api, metadata: { name: 'v1.custom' } })).skipRestore,
      undefined,
    );
    assert.equal(
      (
        await run(clusterManagedAction, {
          kind: 'ConfigMap',
          metadata: { name: 'kube-root-ca.crt', namespace: 'a' },
        })
      ).skipRestore,
      true,
    );
    assert.equal(
      (await run(clusterManagedAction, { kind: 'ConfigMap', metadata: { name: 'app', namespace: 'a' } }))
        .skipRestore,
      undefined,
    );
  });
});
