import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { ManualClock } from '../core/clock.ts';
import { ProgressTracker } from './progress.ts';
import {
  gzipJson,
  ResourceListBuilder,
  VOLUME_DATA_SKIPPED_REASON,
  VolumeInfoBuilder,
} from './side-files.ts';

test('gzip JSON side files end with a newline, as Go encodes them', () => {
  assert.equal(gunzipSync(gzipJson(null)).toString(), 'null\n');
  assert.equal(gunzipSync(gzipJson({ a: [1] })).toString(), '{"a":[1]}\n');
});

test('the resource list is keyed by groupVersion/Kind with sorted names', () => {
  const list = new ResourceListBuilder();
  list.add('v1', 'ConfigMap', 'shop', 'b');
  list.add('apps/v1', 'Deployment', 'shop', 'web');
  list.add('v1', 'ConfigMap', 'blog', 'z');
  list.add('v1', 'PersistentVolume', undefined, 'pv-1');
  assert.deepEqual(list.toJSON(), {
    'apps/v1/Deployment': ['shop/web'],
    'v1/ConfigMap': ['blog/z', 'shop/b'],
    'v1/PersistentVolume': ['pv-1'],
  });
  assert.deepEqual(Object.keys(list.toJSON()), ['apps/v1/Deployment', 'v1/ConfigMap', 'v1/PersistentVolume']);
});

test('volume info: claims with their PV, unclaimed PVs apart, every one skipped', () => {
  const volumes = new VolumeInfoBuilder();
  volumes.observe('persistentvolumeclaims', {
    metadata: { name: 'data', namespace: 'shop' },
    spec: { volumeName: 'pv-a' },
  });
  volumes.observe('persistentvolumeclaims', { metadata: { name: 'pending', namespace: 'shop' }, spec: {} });
  volumes.observe('persistentvolumes', {
    metadata: { name: 'pv-a', labels: { zone: 'a' } },
    spec: { persistentVolumeReclaimPolicy: 'Delete', claimRef: { namespace: 'shop', name: 'data' } },
  });
  volumes.observe('persistentvolumes', {
    metadata: { name: 'pv-b' },
    spec: { persistentVolumeReclaimPolicy: 'Retain', claimRef: { namespace: 'other', name: 'logs' } },
  });
  volumes.observe('configmaps', { metadata: { name: 'ignored', namespace: 'shop' } });
  const info = volumes.build();
  assert.deepEqual(
    info.map((v) => [v.pvcNamespace, v.pvcName, v.pvName, v.pvInfo?.reclaimPolicy]),
    [
      ['shop', 'data', 'pv-a', 'Delete'],
      ['shop', 'pending', undefined, undefined],
      ['other', 'logs', 'pv-b', 'Retain'],
    ],
  );
  assert.ok(
    info.every((v) => v.skipped && v.skippedReason === VOLUME_DATA_SKIPPED_REASON && v.backupMethod === ''),
  );
});

test('progress reports at most every 500 ms, and always on flush', () => {
  const clock = new ManualClock();
  const seen: number[] = [];
  const progress = new ProgressTracker(clock, (p) => seen.push(p.itemsBackedUp));
  progress.itemsBackedUp = 1;
  progress.tick();
  progress.itemsBackedUp = 2;
  progress.tick();
  clock.advance(499);
  progress.tick();
  clock.advance(1);
  progress.itemsBackedUp = 3;
  progress.tick();
  progress.itemsBackedUp = 4;
  progress.flush();
  assert.deepEqual(seen, [1, 3, 4]);
});
