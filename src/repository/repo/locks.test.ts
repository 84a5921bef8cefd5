import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isLifeboatError } from '../../core/errors.ts';
import { createFsObjectStore } from '../../storage/fs.ts';
import { formatGoTime } from '../format/time.ts';
import { BlobSaver } from './blob-saver.ts';
import { acquireLock, beginLock, listLocks, removeLocks } from './locks.ts';
import { initRepository } from './repository.ts';

test('shared locks coexist, exclusive excludes, stale locks are ignored and removable, refresh replaces', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lb-lock-'));
  try {
    const repo = await initRepository(createFsObjectStore({ root: dir, durable: false }), 'pw', {
      kdf: { N: 1024, r: 8, p: 1 },
    });
    const opts = { settleMs: 5 };
    const a = await acquireLock(repo, opts);
    const b = await acquireLock(repo, opts);
    await assert.rejects(acquireLock(repo, { ...opts, exclusive: true }), (e) => {
      return isLifeboatError(e, 'Locked') && /already locked by PID/.test(e.message);
    });
    const before = a.id;
    await a.refresh();
    assert.notEqual(a.id, before);
    assert.equal((await listLocks(repo)).length, 2);
    await a.release();
    await b.release();
    assert.equal((await listLocks(repo)).length, 0);

    // A lock from a dead process on this host is stale: it blocks nobody and unlock removes it.
    await repo.saveUnpacked('locks', {
      time: formatGoTime(BigInt(Date.now()) * 1_000_000n),
      exclusive: true,
      hostname: repo.hostname,
      username: 'x',
      pid: 2 ** 22 + 12345,
    });
    const live = await repo.saveUnpacked('locks', {
      time: formatGoTime(BigInt(Date.now()) * 1_000_000n),
      exclusive: false,
      hostname: 'another-host',
      username: 'y',
      pid: 1,
    });
    const c = await acquireLock(repo, opts);
    await c.release();
    await assert.rejects(acquireLock(repo, { ...opts, exclusive: true }), /another-host/);
    const removed = await removeLocks(repo);
    assert.equal(removed.length, 1);
    assert.deepEqual(
      (await listLocks(repo)).map((l) => l.id),
      [live],
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('beginLock: work runs during the settle time, and a rival that shows up then fails the lock and its commits', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lb-lock-'));
  try {
    const repo = await initRepository(createFsObjectStore({ root: dir, durable: false }), 'pw', {
      kdf: { N: 1024, r: 8, p: 1 },
    });
    const pending = await beginLock(repo, { settleMs: 100 });
    assert.equal((await listLocks(repo)).length, 1, 'the lock file is written before the settle time');
    // An exclusive lock appears while ours settles (a prune that did not see us yet).
    await repo.saveUnpacked('locks', {
      time: formatGoTime(BigInt(Date.now()) * 1_000_000n),
      exclusive: true,
      hostname: 'another-host',
      username: 'pruner',
      pid: 1,
    });
    const saver = new BlobSaver(repo, { commitAfter: pending.confirmed });
    saver.saveData(Buffer.from('data written while the lock settles'));
    await assert.rejects(saver.flush(), (e) => isLifeboatError(e, 'Locked'));
    await assert.rejects(pending.confirmed, /already locked exclusively/);
    assert.deepEqual(await repo.listIds('index'), [], 'no index names the pack');
    const left = await listLocks(repo);
    assert.deepEqual(
      left.map((l) => l.lock.username),
      ['pruner'],
      'our lock file is gone',
    );
    await pending.handle.release(); // idempotent after the failed confirmation
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
