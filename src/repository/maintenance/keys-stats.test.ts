import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { isLifeboatError } from '../../core/errors.ts';
import { backup } from '../archiver/archiver.ts';
import type { LockJSON } from '../format/lock.ts';
import { formatGoTime } from '../format/time.ts';
import { acquireLock } from '../repo/locks.ts';
import { openRepository } from '../repo/repository.ts';
import { addKey, changePassword, listKeys, removeKey } from './keys.ts';
import { stats } from './stats.ts';
import {
  repoTemplate,
  restic,
  seededBytes,
  TEST_CHUNKER,
  TEST_KDF,
  TEST_PASSWORD,
  withTempRepo,
  writeTree,
} from './testing.ts';
import { unlock } from './unlock.ts';

/** Two snapshots sharing most data: a hard link, a compressible file, an incompressible one. */
const fixture = repoTemplate(async (repo, dir) => {
  const src = join(dir, 'src');
  writeTree(src, {
    'text.txt': 'all work and no play makes jack a dull boy\n'.repeat(5000),
    'random.bin': seededBytes('r', 200_000),
    'sub/small': 'x',
  });
  const { linkSync } = await import('node:fs');
  linkSync(join(src, 'random.bin'), join(src, 'sub/hardlink.bin'));
  const opts = { paths: [src], chunker: TEST_CHUNKER, workers: 1, lock: false };
  await backup(repo, opts);
  writeTree(src, { 'sub/small': 'changed' });
  await backup(repo, opts);
  return src;
});

test('stats agree with restic stats in restore-size and raw-data modes, and report dedup and compression', async () => {
  await withTempRepo(async (t) => {
    const { repo } = await fixture(t);
    const s = await stats(repo);
    const restoreSize = JSON.parse(
      await restic(t.repoDir, t.passwordFile, ['stats', '--json', '--mode', 'restore-size']),
    );
    const rawData = JSON.parse(
      await restic(t.repoDir, t.passwordFile, ['stats', '--json', '--mode', 'raw-data']),
    );
    assert.equal(s.snapshotsCount, 2);
    assert.equal(s.restoreSize, restoreSize.total_size);
    assert.equal(s.totalFileCount, restoreSize.total_file_count);
    assert.equal(s.rawDataSize, rawData.total_size);
    assert.equal(s.blobCount, rawData.total_blob_count);
    // Hard links count once: two snapshots × (text + random + small) bytes.
    const text = 'all work and no play makes jack a dull boy\n'.length * 5000;
    assert.equal(s.restoreSize, 2 * (text + 200_000) + 1 + 7);
    // The same content twice over dedups to about half; the text compresses a lot.
    assert.ok(s.dedupRatio > 1.9 && s.dedupRatio < 2.1, `dedup ${s.dedupRatio}`);
    assert.ok(s.compressionRatio > 1.3, `compression ${s.compressionRatio}`);
    assert.ok(s.rawDataSize < s.uncompressedSize);
    assert.equal(s.repository.snapshots, 2);
    // One snapshot only.
    const [first] = await repo.listSnapshots();
    const one = await stats(repo, { snapshots: [first] });
    assert.equal(one.snapshotsCount, 1);
    assert.equal(one.restoreSize, text + 200_000 + 1);
  });
});

test('passwd: the old password stops working, the new one opens the repository for us and for restic', async () => {
  await withTempRepo(async (t) => {
    const { repo } = await fixture(t);
    const { oldKeyId, newKeyId } = await changePassword(repo, 'a new password', { kdf: TEST_KDF });
    assert.notEqual(oldKeyId, newKeyId);
    await assert.rejects(openRepository(t.store, TEST_PASSWORD), (e) =>
      isLifeboatError(e, 'PermissionDenied'),
    );
    const reopened = await openRepository(t.store, 'a new password');
    assert.equal(reopened.keyId, newKeyId);
    assert.equal(reopened.config.id, repo.config.id);
    const pw = join(t.root, 'new-password');
    (await import('node:fs')).writeFileSync(pw, 'a new password\n');
    assert.match(await restic(t.repoDir, pw, ['snapshots']), /2 snapshots/);
    await assert.rejects(restic(t.repoDir, t.passwordFile, ['snapshots']), /wrong password|no key found/);
    // Data is untouched: the repository still restores (it checks with restic too).
    assert.match(await restic(t.repoDir, pw, ['check']), /no errors were found/);
  });
});

test('key add, list and remove; the key in use and the last key are never removed', async () => {
  await withTempRepo(async (t) => {
    const { repo } = await fixture(t);
    const second = await addKey(repo, 'second', { kdf: TEST_KDF, hostname: 'laptop', username: 'ops' });
    const keys = await listKeys(repo);
    assert.equal(keys.length, 2);
    assert.deepEqual(keys.map((k) => k.current).sort(), [false, true]);
    const added = keys.find((k) => k.id === second);
    assert.equal(added?.hostname, 'laptop');
    assert.equal(added?.username, 'ops');
    assert.match(added?.created ?? '', /^\d{4}-\d\d-\d\dT/);
    // Both passwords open it.
    await openRepository(t.store, 'second');
    await assert.rejects(removeKey(repo, repo.keyId.slice(0, 8)), /it is the key in use/);
    // From the second key's session, the first key can go; then the second is the last and stays.
    const viaSecond = await openRepository(t.store, 'second');
    assert.equal(await removeKey(viaSecond, repo.keyId.slice(0, 6)), repo.keyId);
    await assert.rejects(openRepository(t.store, TEST_PASSWORD), /wrong password/);
    await assert.rejects(removeKey(viaSecond, second), /key in use|last key/);
    await assert.rejects(removeKey(viaSecond, 'ffff'), /no key matches ffff/);
    assert.equal((await listKeys(viaSecond)).length, 1);
  });
});

test('unlock removes stale locks only; --remove-all removes every lock file', async () => {
  await withTempRepo(async (t) => {
    const { repo } = t;
    const lock = (hostname: string, ageMs: number, pid = 1): LockJSON => ({
      time: formatGoTime(BigInt(Date.now() - ageMs) * 1_000_000n),
      exclusive: false,
      hostname,
      username: 'u',
      pid,
    });
    const old = await repo.saveUnpacked('locks', lock('elsewhere', 31 * 60_000));
    const fresh = await repo.saveUnpacked('locks', lock('elsewhere', 60_000));
    // On this host, by a process that no longer exists: stale at once.
    const dead = await repo.saveUnpacked('locks', lock(repo.hostname, 1000, 2 ** 22 + 12345));
    const held = await acquireLock(repo, { settleMs: 0 });
    await repo.store.put(`locks/${'cd'.repeat(32)}`, Buffer.from('not a lock'));
    const removed = await unlock(repo);
    assert.deepEqual(removed.map((r) => r.id).sort(), [old, dead].sort());
    assert.ok(removed.every((r) => r.stale && r.lock));
    const left = await repo.listIds('locks');
    assert.deepEqual(left.sort(), [fresh, held.id, 'cd'.repeat(32)].sort());
    const all = await unlock(repo, true);
    assert.equal(all.length, 3);
    assert.deepEqual(await repo.listIds('locks'), []);
    await held.release();
  });
});
