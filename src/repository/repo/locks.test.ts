import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isLifeboatError } from '../../core/errors.ts';
import { createFsObjectStore } from '../../storage/fs.ts';
import { formatGoTime } from '../format/time.ts';
import { acquireLock, listLocks, removeLocks } from './locks.ts';
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
