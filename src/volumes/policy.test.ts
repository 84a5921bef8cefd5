import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ResourcePolicies } from '../api/config/resource-policies.ts';
import type { KubeObject } from '../kube/types.ts';
import { decideVolume, volumeSourceType } from './policy.ts';
import { inCapacityRange, parseQuantity } from './quantity.ts';

const pod = (annotations: Record<string, string> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'db-0', namespace: 'app', annotations },
});
const pvc = (labels: Record<string, string> = {}, storageClassName = 'fast'): KubeObject => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name: 'data-db-0', namespace: 'app', labels },
  spec: { storageClassName, volumeName: 'pv-1', resources: { requests: { storage: '5Gi' } } },
  status: { phase: 'Bound', capacity: { storage: '5Gi' } },
});
const pv = (driver = 'hostpath.csi.k8s.io'): KubeObject => ({
  apiVersion: 'v1',
  kind: 'PersistentVolume',
  metadata: { name: 'pv-1' },
  spec: { storageClassName: 'fast', capacity: { storage: '5Gi' }, csi: { driver, volumeHandle: 'h' } },
});
const claimVolume = { name: 'data', persistentVolumeClaim: { claimName: 'data-db-0' } };

describe('decideVolume', () => {
  it('skips volumes whose data is not the pod’s, whatever the settings', () => {
    for (const source of ['secret', 'configMap', 'projected', 'downwardAPI', 'hostPath']) {
      const d = decideVolume(
        { pod: pod(), podVolume: { name: 'v', [source]: {} } },
        { defaultVolumesToFsBackup: true },
      );
      assert.equal(d.action, 'skip', source);
      assert.equal(d.source, 'volume-type');
    }
  });

  it('a matching policy wins over annotations and defaults; first match wins', () => {
    const policies: ResourcePolicies = {
      version: 'v1',
      volumePolicies: [
        { conditions: { storageClass: ['slow'] }, action: { type: 'fs-backup' } },
        {
          conditions: { csi: { driver: 'hostpath.csi.k8s.io' }, capacity: '1Gi,10Gi' },
          action: { type: 'skip' },
        },
        { conditions: { volumeTypes: ['csi'] }, action: { type: 'fs-backup' } },
      ],
    };
    const subject = {
      pod: pod({ 'backup.lifeboat.io/backup-volumes': 'data' }),
      podVolume: claimVolume,
      pvc: pvc(),
      pv: pv(),
    };
    const d = decideVolume(subject, { defaultVolumesToFsBackup: true }, policies);
    assert.deepEqual(d, { action: 'skip', source: 'policy', reason: 'resource policy #2 says skip' });
    // Outside the capacity range the third policy matches.
    const bigPv = pv();
    (bigPv.spec as { capacity: { storage: string } }).capacity.storage = '20Gi';
    const big = { ...subject, pv: bigPv };
    assert.equal(decideVolume(big, {}, policies).reason, 'resource policy #3 says fs-backup');
  });

  it('pvcLabels and pvcPhase conditions', () => {
    const policies: ResourcePolicies = {
      version: 'v1',
      volumePolicies: [
        { conditions: { pvcLabels: { tier: 'cache' }, pvcPhase: ['Bound'] }, action: { type: 'skip' } },
      ],
    };
    assert.equal(decideVolume({ pvc: pvc({ tier: 'cache' }), pv: pv() }, {}, policies).action, 'skip');
    assert.equal(decideVolume({ pvc: pvc({ tier: 'db' }), pv: pv() }, {}, policies).action, 'snapshot');
  });

  it('annotations: opt-in, excludes; excluded claims fall back to snapshots', () => {
    const opted = decideVolume(
      { pod: pod({ 'backup.lifeboat.io/backup-volumes': 'logs, data' }), podVolume: claimVolume, pvc: pvc() },
      {},
    );
    assert.equal(opted.action, 'fs-backup');
    assert.equal(opted.source, 'annotation');
    const excluded = decideVolume(
      {
        pod: pod({ 'backup.lifeboat.io/backup-volumes-excludes': 'data' }),
        podVolume: claimVolume,
        pvc: pvc(),
      },
      { defaultVolumesToFsBackup: true },
    );
    assert.equal(excluded.action, 'snapshot');
    assert.match(excluded.reason, /backup-volumes-excludes/);
    const emptyDir = decideVolume(
      {
        pod: pod({ 'backup.lifeboat.io/backup-volumes-excludes': 'scratch' }),
        podVolume: { name: 'scratch', emptyDir: {} },
      },
      { defaultVolumesToFsBackup: true },
    );
    assert.equal(emptyDir.action, 'skip');
  });

  it('defaults: defaultVolumesToFsBackup, snapshotVolumes false', () => {
    assert.equal(
      decideVolume(
        { pod: pod(), podVolume: { name: 'scratch', emptyDir: {} } },
        { defaultVolumesToFsBackup: true },
      ).action,
      'fs-backup',
    );
    const notOpted = decideVolume({ pod: pod(), podVolume: { name: 'scratch', emptyDir: {} } }, {});
    assert.equal(notOpted.action, 'skip');
    assert.match(notOpted.reason, /not opted in/);
    const noSnap = decideVolume(
      { pod: pod(), podVolume: claimVolume, pvc: pvc() },
      { snapshotVolumes: false },
    );
    assert.equal(noSnap.action, 'skip');
    assert.match(noSnap.reason, /snapshotVolumes is false/);
  });

  it('decisions that cannot be carried out become skips', () => {
    const policies: ResourcePolicies = {
      version: 'v1',
      volumePolicies: [
        { conditions: { volumeTypes: ['emptyDir'] }, action: { type: 'snapshot' } },
        { conditions: { volumeTypes: ['csi'] }, action: { type: 'fs-backup' } },
      ],
    };
    assert.match(
      decideVolume({ pod: pod(), podVolume: { name: 's', emptyDir: {} } }, {}, policies).reason,
      /not a PersistentVolumeClaim/,
    );
    assert.match(decideVolume({ pvc: pvc(), pv: pv() }, {}, policies).reason, /no pod in the backup mounts/);
  });
});

describe('quantities', () => {
  it('parses binary and decimal suffixes and exponents', () => {
    assert.equal(parseQuantity('10Gi'), 10 * 2 ** 30);
    assert.equal(parseQuantity('500M'), 5e8);
    assert.equal(parseQuantity('1.5e3'), 1500);
    assert.equal(parseQuantity('nope'), undefined);
    assert.equal(inCapacityRange(',10Gi', 2 ** 30), true);
    assert.equal(inCapacityRange('10Gi,', 2 ** 30), false);
    assert.equal(volumeSourceType({ name: 'x', persistentVolumeClaim: {} }), 'persistentVolumeClaim');
  });
});
