import assert from 'node:assert/strict';
import { randomFillSync } from 'node:crypto';
import { mkdirSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isLifeboatError } from '../../core/errors.ts';
import { createFsObjectStore } from '../../storage/fs.ts';
import type { ObjectStore } from '../../storage/object-store.ts';
import { check } from '../maintenance/check.ts';
import { prune } from '../maintenance/prune.ts';
import { acquireLock, listLocks } from '../repo/locks.ts';
import { initRepository, openRepository } from '../repo/repository.ts';
import { type BackupProgress, backup } from './archiver.ts';

const kdf = { N: 1024, r: 8, p: 1 };
const MiB = 1 << 20;

/** `count` files of incompressible data, `size` bytes each, made from one random block (cheap to generate). */
function writeData(dir: string, count: number, size: number): number {
  mkdirSync(dir, { recursive: true });
  const block = randomFillSync(Buffer.alloc(size));
  for (let i = 0; i < count; i++) {
    // A different first word per 64 KiB keeps each file's chunks its own (no dedup across files).
    for (let off = 0; off < size; off += 65536) block.writeUInt32LE(i * 1_000_003 + off, off);
    writeFileSync(join(dir, `part-${i}`), block);
  }
  return count * size;
}

/** Descriptors of this process (workers included) that point into `dir`. */
function openUnder(dir: string): string[] {
  const out: string[] = [];
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      if (target.startsWith(dir)) out.push(target);
    } catch {
      // closed meanwhile
    }
  }
  return out;
}

async function withRepo(fn: (root: string, store: ObjectStore) => Promise<void>): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'lb-cancel-'));
  try {
    await fn(root, createFsObjectStore({ root: join(root, 'repo'), durable: false }));
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

test('a backup aborted after its first progress event stops reading, writes no snapshot, releases its lock, and leaves a repository that checks and prunes clean', async () => {
  await withRepo(async (root, store) => {
    const src = join(root, 'src');
    const total = writeData(src, 8, 25 * MiB);
    const repo = await initRepository(store, 'pw', { kdf });
    const controller = new AbortController();
    const events: BackupProgress[] = [];
    await assert.rejects(
      backup(repo, {
        paths: ['.'],
        cwd: src,
        workers: 2,
        parent: null,
        progressIntervalMs: 0,
        signal: controller.signal,
        onProgress: (p) => {
          events.push(p);
          if (p.bytesDone > 0) controller.abort();
        },
      }),
      (err) => isLifeboatError(err, 'Canceled') && /backup cancelled/.test(err.message),
    );
    assert.ok(events.length > 0, 'progress was reported before the abort');
    const read = Math.max(...events.map((e) => e.bytesDone));
    // Each worker finishes at most the window it is reading: far from the 200 MiB.
    assert.ok(read > 0 && read < total / 4, `read ${read} of ${total} bytes`);
    assert.deepEqual(openUnder(src), [], 'the workers closed the files they were reading');

    const fresh = await openRepository(store, 'pw');
    assert.deepEqual(await fresh.listSnapshots(), []);
    assert.deepEqual(await listLocks(fresh), [], 'the lock is released');
    const report = await check(fresh);
    assert.equal(report.ok, true, JSON.stringify(report.errors.slice(0, 3)));
    assert.equal(report.counts.orphanPacks, 0, 'every pack uploaded is in an index');
    // An exclusive lock is granted at once, and prune removes what the cancelled backup uploaded.
    const exclusive = await acquireLock(fresh, { exclusive: true, settleMs: 0 });
    await exclusive.release();
    await prune(fresh);
    const after = await check(await openRepository(store, 'pw'));
    assert.equal(after.ok, true, JSON.stringify(after.errors.slice(0, 3)));
    assert.equal(after.counts.orphanPacks, 0);
    assert.equal(after.counts.packs, 0, 'nothing of the cancelled backup is left');
  });
});

test('a backup aborted before it starts, or while it waits for its lock, rejects Canceled and leaves no lock', async () => {
  await withRepo(async (root, store) => {
    const src = join(root, 'src');
    writeData(src, 2, MiB);
    const repo = await initRepository(store, 'pw', { kdf });
    const reason = new Error('the request was withdrawn');

    await assert.rejects(
      backup(repo, { paths: ['.'], cwd: src, signal: AbortSignal.abort(reason) }),
      (err) => isLifeboatError(err, 'Canceled') && err.cause === reason && /withdrawn/.test(err.message),
    );
    assert.deepEqual(await listLocks(repo), []);

    const controller = new AbortController();
    const running = backup(repo, { paths: ['.'], cwd: src, signal: controller.signal });
    // The lock file is written, its settle time (200 ms) not over yet.
    await new Promise((r) => setTimeout(r, 50));
    controller.abort();
    await assert.rejects(running, (err) => isLifeboatError(err, 'Canceled'));
    assert.deepEqual(await listLocks(repo), []);
    assert.deepEqual(await (await openRepository(store, 'pw')).listSnapshots(), []);

    // The same repository backs up fine afterwards, and an abort after the end changes nothing.
    const late = new AbortController();
    const done = await backup(repo, { paths: ['.'], cwd: src, signal: late.signal });
    late.abort();
    assert.equal((await repo.listSnapshots()).length, 1);
    assert.equal(done.stats.bytesRead, 2 * MiB);
  });
});

test('what a cancelled backup uploaded is indexed: the next backup does not upload it again', async () => {
  await withRepo(async (root, store) => {
    const src = join(root, 'src');
    const total = writeData(src, 4, 6 * MiB);
    // Small packs, so that several are uploaded before the abort.
    const repo = await initRepository(store, 'pw', { kdf, packSize: MiB / 2 });
    const controller = new AbortController();
    await assert.rejects(
      backup(repo, {
        paths: ['.'],
        cwd: src,
        workers: 2,
        progressIntervalMs: 0,
        signal: controller.signal,
        onProgress: (p) => {
          if (p.bytesDone >= total / 2) controller.abort();
        },
      }),
      (err) => isLifeboatError(err, 'Canceled'),
    );
    const fresh = await openRepository(store, 'pw', { packSize: MiB / 2 });
    const report = await check(fresh);
    assert.equal(report.ok, true, JSON.stringify(report.errors.slice(0, 3)));
    assert.equal(report.counts.orphanPacks, 0);
    assert.ok(report.counts.packs > 0, 'packs were uploaded before the abort');
    assert.equal(report.counts.snapshots, 0);

    const done = await backup(fresh, { paths: ['.'], cwd: src, workers: 2 });
    assert.equal(done.stats.bytesRead, total);
    // Every chunk is unique: whatever is not added again was found in the cancelled backup's packs.
    assert.ok(total - done.stats.dataAdded >= 2 * MiB, `added ${done.stats.dataAdded} of ${total}`);
    const after = await check(await openRepository(store, 'pw'));
    assert.equal(after.ok, true, JSON.stringify(after.errors.slice(0, 3)));
  });
});
