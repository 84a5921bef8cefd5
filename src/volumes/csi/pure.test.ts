import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import { LABELS } from '../../api/labels.ts';
import { systemClock } from '../../core/clock.ts';
import type { DynamicClient, KubeObject, ResourceCatalog } from '../../kube/types.ts';
import type { ObjectStore } from '../../storage/object-store.ts';
import { labelValue, objectName } from './names.ts';
import { chooseSnapshotClass } from './snapshot-class.ts';
import { CsiSnapshotter } from './snapshotter.ts';
import { testBackup } from './test-support.ts';

const cls = (name: string, driver: string, labelled: boolean): KubeObject => ({
  metadata: { name, ...(labelled ? { labels: { [LABELS.csiVolumeSnapshotClass]: 'true' } } : {}) },
  driver,
});
const pv = (driver: string): KubeObject => ({
  metadata: { name: 'pv' },
  spec: { csi: { driver, volumeHandle: 'h' } },
});

test('chooseSnapshotClass: PVC annotation, then backup annotation per driver, then the one labelled class', () => {
  const classes = [cls('a', 'd1', true), cls('b', 'd1', false), cls('c', 'd2', true)];
  const pvc = { metadata: { name: 'p' } };
  assert.equal(chooseSnapshotClass(classes, pvc, pv('d1')), 'a');
  assert.equal(chooseSnapshotClass(classes, pvc, pv('d2')), 'c');
  assert.equal(chooseSnapshotClass(classes, pvc, pv('d3')), undefined);
  const backup = testBackup('x', {}, { [`${LABELS.csiVolumeSnapshotClass}_d1`]: 'b' });
  assert.equal(chooseSnapshotClass(classes, pvc, pv('d1'), backup), 'b');
  const annotated = { metadata: { name: 'p', annotations: { [LABELS.csiVolumeSnapshotClass]: 'a' } } };
  assert.equal(chooseSnapshotClass(classes, annotated, pv('d1'), backup), 'a');
  assert.throws(
    () => chooseSnapshotClass(classes, annotated, pv('d2')),
    /is for driver d1, not the volume's d2/,
  );
  assert.throws(
    () => chooseSnapshotClass([...classes, cls('e', 'd1', true)], pvc, pv('d1')),
    /several VolumeSnapshotClasses for driver d1 are labelled .*: a, e/,
  );
});

test('names: label values shortened as Velero does; object names bounded, stable, distinct', () => {
  assert.equal(labelValue('short'), 'short');
  const long = labelValue('x'.repeat(80));
  assert.equal(long.length, 63);
  assert.ok(long.startsWith('x'.repeat(57)));
  const a = objectName('lifeboat', 'Data_Volume'.repeat(10), 'uid-1');
  assert.ok(a.length <= 63 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(a), a);
  assert.equal(a, objectName('lifeboat', 'Data_Volume'.repeat(10), 'uid-1'));
  assert.notEqual(a, objectName('lifeboat', 'Data_Volume'.repeat(10), 'uid-2'));
});

test('without the snapshot API the snapshotter still constructs; deletion has nothing to do, a snapshot says why', async () => {
  const catalog: ResourceCatalog = {
    preferred: () => [],
    versionsOf: () => [],
    resolve: () => undefined,
    forKind: () => undefined,
  };
  const logger = pino({ level: 'silent' });
  const snapshotter = new CsiSnapshotter({
    client: {} as DynamicClient,
    catalog,
    logger,
    clock: systemClock,
    namespace: 'lifeboat',
  });
  assert.deepEqual(
    await snapshotter.deleteForBackup({ backup: testBackup('b'), store: {} as ObjectStore, logger }),
    [],
  );
  await assert.rejects(
    snapshotter.snapshot(testBackup('b'), { metadata: { name: 'p', namespace: 'n' } }, pv('d1')),
    /does not serve VolumeSnapshots: install the CSI snapshot CRDs/,
  );
});
