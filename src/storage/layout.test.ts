import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isLifeboatError } from '../core/errors.ts';
import {
  assertLocationLayout,
  backupKeys,
  classifyTopLevel,
  DOWNLOAD_TARGET_KINDS,
  downloadTargetKey,
  foreignTopLevelMessage,
  kopiaRepositoryPrefix,
  listBackupNames,
  resticRepositoryPrefix,
  restoreKeys,
} from './layout.ts';
import { createMemoryObjectStore } from './memory.ts';

test("a backup's keys are Velero's, byte for byte", () => {
  assert.deepEqual(backupKeys('nightly-20260101020000'), {
    dir: 'backups/nightly-20260101020000/',
    metadata: 'backups/nightly-20260101020000/velero-backup.json',
    contents: 'backups/nightly-20260101020000/nightly-20260101020000.tar.gz',
    log: 'backups/nightly-20260101020000/nightly-20260101020000-logs.gz',
    podVolumeBackups: 'backups/nightly-20260101020000/nightly-20260101020000-podvolumebackups.json.gz',
    resourceList: 'backups/nightly-20260101020000/nightly-20260101020000-resource-list.json.gz',
    results: 'backups/nightly-20260101020000/nightly-20260101020000-results.gz',
    volumeSnapshots: 'backups/nightly-20260101020000/nightly-20260101020000-volumesnapshots.json.gz',
    itemOperations: 'backups/nightly-20260101020000/nightly-20260101020000-itemoperations.json.gz',
    volumeInfo: 'backups/nightly-20260101020000/nightly-20260101020000-volumeinfo.json.gz',
    csiVolumeSnapshots: 'backups/nightly-20260101020000/nightly-20260101020000-csi-volumesnapshots.json.gz',
    csiVolumeSnapshotContents:
      'backups/nightly-20260101020000/nightly-20260101020000-csi-volumesnapshotcontents.json.gz',
    csiVolumeSnapshotClasses:
      'backups/nightly-20260101020000/nightly-20260101020000-csi-volumesnapshotclasses.json.gz',
  });
});

test("a restore's keys are Velero's, including the volume info without the restore- prefix", () => {
  assert.deepEqual(restoreKeys('r1'), {
    dir: 'restores/r1/',
    log: 'restores/r1/restore-r1-logs.gz',
    results: 'restores/r1/restore-r1-results.gz',
    resourceList: 'restores/r1/restore-r1-resource-list.json.gz',
    itemOperations: 'restores/r1/restore-r1-itemoperations.json.gz',
    volumeInfo: 'restores/r1/r1-volumeinfo.json.gz',
    dryRunPlan: 'restores/r1/restore-r1-dryrun-plan.json.gz',
  });
});

test('repositories live per namespace under restic/ and kopia/', () => {
  assert.equal(resticRepositoryPrefix('shop'), 'restic/shop/');
  assert.equal(kopiaRepositoryPrefix('shop'), 'kopia/shop/');
});

test('names that are not one path segment are Invalid', () => {
  for (const bad of ['', '.', '..', 'a/b', 'a\\b', 'a\0b'])
    assert.throws(
      () => backupKeys(bad),
      (e) => isLifeboatError(e, 'Invalid'),
      JSON.stringify(bad),
    );
  assert.throws(
    () => restoreKeys('x/y'),
    (e) => isLifeboatError(e, 'Invalid'),
  );
  assert.throws(
    () => resticRepositoryPrefix('../etc'),
    (e) => isLifeboatError(e, 'Invalid'),
  );
});

test('every download target kind names a key of its backup or restore', () => {
  for (const kind of DOWNLOAD_TARGET_KINDS) {
    const key = downloadTargetKey(kind, 'x');
    assert.ok(key.startsWith(kind.startsWith('Restore') ? 'restores/x/' : 'backups/x/'), `${kind} → ${key}`);
  }
  assert.equal(downloadTargetKey('BackupContents', 'b'), 'backups/b/b.tar.gz');
  assert.equal(downloadTargetKey('RestoreVolumeInfo', 'r'), 'restores/r/r-volumeinfo.json.gz');
  assert.equal(downloadTargetKey('CSIBackupVolumeSnapshots', 'b'), 'backups/b/b-csi-volumesnapshots.json.gz');
  assert.throws(
    () => downloadTargetKey('Nope' as 'BackupLog', 'b'),
    (e) => isLifeboatError(e, 'Invalid'),
  );
});

test('foreign top-level entries are found and named, at most three shown', () => {
  assert.deepEqual(
    classifyTopLevel(['backups/', 'restores/', 'restic/', 'kopia/', 'metadata/', 'plugins/']),
    [],
  );
  assert.deepEqual(classifyTopLevel(['backups/', 'docs/', 'tmp', 'backupsx/']), ['docs', 'tmp', 'backupsx']);
  assert.equal(
    foreignTopLevelMessage(['a', 'b']),
    'backup store contains invalid top-level directories: [a b]',
  );
  assert.equal(
    foreignTopLevelMessage(['a', 'b', 'c', 'd', 'e']),
    'backup store contains invalid top-level directories: [a b c] and 2 more',
  );
});

test('a location is checked through its store: foreign directories make it Unavailable', async () => {
  const store = createMemoryObjectStore({ prefix: 'team' });
  await store.put(backupKeys('b1').metadata, '{}');
  await store.put(`${resticRepositoryPrefix('ns')}config`, 'c');
  await store.put('README', 'top-level files are not directories, and Velero ignores them');
  await assertLocationLayout(store);
  assert.deepEqual(await listBackupNames(store), ['b1']);
  await store.put('photos/cat.jpg', 'x');
  await assert.rejects(
    assertLocationLayout(store),
    (e) => isLifeboatError(e, 'Unavailable') && !e.retryable && /\[photos\]/.test(e.message),
  );
});
