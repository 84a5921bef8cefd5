import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cpSync, rmSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { isLifeboatError, LifeboatError } from '../../core/errors.ts';
import {
  createFaultyObjectStore,
  type FaultAction,
  type FaultRule,
  type StoreMethod,
} from '../../storage/faulty.ts';
import { createFsObjectStore } from '../../storage/fs.ts';
import type { ObjectStore } from '../../storage/object-store.ts';
import { backup } from '../archiver/archiver.ts';
import type { LockJSON } from '../format/lock.ts';
import type { PackedBlob } from '../format/pack.ts';
import { formatGoTime } from '../format/time.ts';
import { fileKey } from '../repo/layout.ts';
import { removeLocks } from '../repo/locks.ts';
import { mapLimit, openRepository, type Repository } from '../repo/repository.ts';
import { restore } from '../restorer/restorer.ts';
import { check } from './check.ts';
import { forget } from './forget.ts';
import { blobHandle, IndexView } from './index-view.ts';
import { prune } from './prune.ts';
import { planPrune } from './prune-plan.ts';
import {
  contentDigest,
  repoTemplate,
  restic,
  seededBytes,
  TEST_CHUNKER,
  TEST_PASSWORD,
  type TempRepo,
  withTempRepo,
  writeTree,
} from './testing.ts';

interface Scenario {
  src: string;
  /** Snapshot id → digest of the source tree when it was taken, for the snapshots that stay. */
  expected: Map<string, Map<string, string>>;
}

/**
 * Three backups: A (six files), B (two deleted, one rewritten, one added) and C (a large file of its own);
 * then A and C are forgotten. Packs end up fully used, partly used and unused.
 */
async function buildScenario(repo: Repository, root: string): Promise<Scenario> {
  const src = join(root, 'src');
  const files: Record<string, Buffer> = {};
  for (let i = 1; i <= 6; i++) files[`dir${i % 2}/f${i}`] = seededBytes(`f${i}`, 100_000);
  writeTree(src, files);
  const opts = { paths: [src], chunker: TEST_CHUNKER, workers: 1, lock: false };
  const a = await backup(repo, opts);
  unlinkSync(join(src, 'dir0/f2'));
  unlinkSync(join(src, 'dir1/f5'));
  writeTree(src, { 'dir1/f3': seededBytes('f3 again', 90_000), 'dir0/f7': seededBytes('f7', 50_000) });
  const b = await backup(repo, opts);
  const bDigest = contentDigest(src);
  writeTree(src, { 'big/c': seededBytes('c', 700_000) });
  const c = await backup(repo, opts);
  rmSync(join(src, 'big'), { recursive: true });
  await forget(repo, { snapshotIds: [a.snapshotId, c.snapshotId], lock: false });
  return { src, expected: new Map([[b.snapshotId, bDigest]]) };
}

const withScenario = async (t: TempRepo) => {
  const { repo, value } = await scenarioTemplate(t);
  return { repo, scenario: value };
};
const scenarioTemplate = repoTemplate(buildScenario);

async function assertRestores(repo: Repository, scenario: Scenario, dir: string): Promise<void> {
  const snapshots = await repo.listSnapshots();
  assert.deepEqual(snapshots.map((s) => s.id).sort(), [...scenario.expected.keys()].sort());
  for (const s of snapshots) {
    const target = join(dir, `restore-${s.id.slice(0, 8)}`);
    const res = await restore(repo, s, { target });
    assert.deepEqual(res.errors, []);
    assert.deepEqual(contentDigest(join(target, scenario.src)), scenario.expected.get(s.id));
    rmSync(target, { recursive: true, force: true });
  }
}

async function packBytes(repo: Repository): Promise<number> {
  return (await repo.listFiles('data')).reduce((n, f) => n + f.size, 0);
}

test('prune reclaims the space of forgotten snapshots; data stays intact and restic check --read-data agrees', async () => {
  await withTempRepo(async (t) => {
    const { root, repoDir, passwordFile, reopen } = t;
    const { repo, scenario } = await withScenario(t);
    const before = await packBytes(repo);
    const result = await prune(repo);
    assert.equal(result.dryRun, false);
    assert.ok(result.plan.remove.length > 0, 'some packs were entirely unused');
    assert.ok(result.packsDeleted > 0);
    const after = await packBytes(repo);
    assert.ok(before - after >= 700_000, `reclaimed ${before - after} bytes`);
    assert.equal(result.bytesFreed, before - after);
    // Every unused blob left is within the 5 % tolerance.
    const again = await prune(await reopen(), { dryRun: true });
    assert.equal(again.plan.remove.length, 0);
    assert.ok(again.stats.size.unused <= 0.06 * again.stats.size.used, JSON.stringify(again.stats.size));

    const fresh = await reopen();
    const report = await check(fresh, { readData: true });
    assert.deepEqual(report.errors, []);
    assert.ok(report.ok);
    assert.match(await restic(repoDir, passwordFile, ['check', '--read-data']), /no errors were found/);
    await assertRestores(fresh, scenario, root);
  });
});

test('prune with --max-unused 0% repacks every partly used pack, leaving no unused blob', async () => {
  await withTempRepo(async (t) => {
    const { root, repoDir, passwordFile, reopen } = t;
    const { repo, scenario } = await withScenario(t);
    const result = await prune(repo, { maxUnused: { kind: 'percent', value: 0 } });
    assert.ok(result.plan.repack.length > 0, 'some packs were repacked');
    assert.ok(result.newPacks.length > 0);
    const fresh = await reopen();
    const dry = await prune(fresh, { dryRun: true });
    assert.equal(dry.stats.blobs.unused, 0);
    assert.equal(dry.stats.blobs.duplicate, 0);
    // One index file set, superseding the old ones.
    const { view } = await IndexView.load(fresh);
    assert.ok(view.files.at(-1) !== undefined);
    assert.match(await restic(repoDir, passwordFile, ['check', '--read-data']), /no errors were found/);
    await assertRestores(fresh, scenario, root);
  });
});

test('Lifeboat reads a repository after restic pruned it, and restic reads one after Lifeboat did', async () => {
  await withTempRepo(async (t) => {
    const { root, repoDir, passwordFile, reopen } = t;
    const { scenario } = await withScenario(t);
    // restic prunes what we wrote (with its own rules), and we check and restore the result.
    await restic(repoDir, passwordFile, ['prune', '--max-unused', '0%']);
    const afterRestic = await reopen();
    const report = await check(afterRestic, { readData: true });
    assert.deepEqual(report.errors, []);
    await assertRestores(afterRestic, scenario, root);
    // Another backup and forget, then our prune over restic's index files.
    writeTree(scenario.src, { 'dir1/f9': seededBytes('f9', 120_000) });
    const d = await backup(afterRestic, { paths: [scenario.src], chunker: TEST_CHUNKER, workers: 1 });
    await forget(afterRestic, { snapshotIds: [...scenario.expected.keys()] });
    const expected = new Map([[d.snapshotId, contentDigest(scenario.src)]]);
    await prune(afterRestic, { maxUnused: { kind: 'percent', value: 0 } });
    assert.match(await restic(repoDir, passwordFile, ['check', '--read-data']), /no errors were found/);
    await assertRestores(await reopen(), { src: scenario.src, expected }, root);
  });
});

test('prune refuses while another process holds a lock, naming its host, PID and time', async () => {
  await withTempRepo(async ({ repo }) => {
    const theirs: LockJSON = {
      time: formatGoTime(BigInt(Date.now()) * 1_000_000n),
      exclusive: false,
      hostname: 'backup-node-7',
      username: 'restic',
      pid: 4242,
    };
    await repo.saveUnpacked('locks', theirs);
    await assert.rejects(prune(repo), (err) => {
      assert.ok(isLifeboatError(err, 'Locked'));
      assert.match(err.message, /PID 4242 on backup-node-7/);
      assert.match(err.message, new RegExp(theirs.time.slice(0, 19)));
      return true;
    });
    // Nothing of ours is left behind, and a stale lock (older than 30 minutes) does not block.
    assert.equal((await repo.listIds('locks')).length, 1);
    await removeLocks(repo, true);
    await repo.saveUnpacked('locks', {
      ...theirs,
      time: formatGoTime(BigInt(Date.now() - 3_600_000) * 1_000_000n),
    });
    const result = await prune(repo);
    assert.equal(result.packsDeleted, 0);
  });
});

test('prune refuses, changing nothing, when a snapshot needs a tree that is gone', async () => {
  await withTempRepo(async (t) => {
    const { repo } = await withScenario(t);
    const { view } = await IndexView.load(repo);
    const snap = (await repo.listSnapshots())[0];
    const treePack = view.copies('tree', snap.tree)[0].packId;
    await repo.deleteFile('data', treePack);
    const before = (await repo.listFiles('data')).map((f) => f.id).sort();
    await assert.rejects(prune(repo), /tree cannot be loaded.*run check before pruning/);
    assert.deepEqual((await repo.listFiles('data')).map((f) => f.id).sort(), before);
  });
});

function blob(type: 'data' | 'tree', n: number, offset: number, length = 100): PackedBlob {
  return { type, id: n.toString(16).padStart(64, '0'), offset, length, uncompressedLength: 200 };
}

test('prune planning: duplicates count once, unneeded missing packs are dropped, needed ones refuse', () => {
  const p1 = '1'.repeat(64);
  const p2 = '2'.repeat(64);
  const p3 = '3'.repeat(64);
  const view = new IndexView([
    {
      id: 'i1',
      supersedes: [],
      packs: [
        { packId: p1, blobs: [blob('data', 1, 0), blob('data', 2, 100)] },
        { packId: p2, blobs: [blob('data', 2, 0), blob('data', 3, 100)] },
      ],
    },
    { id: 'i2', supersedes: [], packs: [{ packId: p3, blobs: [blob('data', 4, 0)] }] },
  ]);
  const size = (blobs: PackedBlob[]) => blobs.reduce((n, b) => n + b.length + 41, 0) + 36;
  const stored = new Map([
    [p1, size(view.packs.get(p1)!)],
    [p2, size(view.packs.get(p2)!)],
    ['9'.repeat(64), 500],
  ]);
  const used = new Set([
    blobHandle('data', blob('data', 1, 0).id),
    blobHandle('data', blob('data', 2, 0).id),
  ]);
  const plan = planPrune(view, stored, used, {
    maxUnused: { kind: 'percent', value: 0 },
    packSize: 1000,
    repoVersion: 2,
  });
  // p1 holds both used blobs (the duplicate in p2 counts as unused); p2 is then unused; p3 is missing but
  // unneeded; the stray pack is unreferenced.
  assert.deepEqual(plan.remove, [p2]);
  assert.deepEqual(plan.ignore, [p3]);
  assert.deepEqual(plan.removeFirst, ['9'.repeat(64)]);
  assert.deepEqual(plan.repack, []);
  assert.equal(plan.stats.blobs.duplicate, 1);
  assert.equal(plan.stats.size.unref, 500);

  stored.delete(p1);
  assert.throws(
    () => planPrune(view, stored, used, { maxUnused: { kind: 'unlimited' }, packSize: 1000, repoVersion: 2 }),
    (err) => err instanceof LifeboatError && /missing from storage: 1{64}/.test(err.message),
  );
  stored.set(p1, 17);
  assert.throws(
    () => planPrune(view, stored, used, { maxUnused: { kind: 'unlimited' }, packSize: 1000, repoVersion: 2 }),
    /differ in size from their index entries/,
  );
  assert.throws(
    () =>
      planPrune(view, stored, new Set([blobHandle('tree', 'f'.repeat(64))]), {
        maxUnused: { kind: 'unlimited' },
        packSize: 1000,
        repoVersion: 2,
      }),
    /1 blob\(s\) that snapshots need are in no index/,
  );
});

const MUTATIONS = ['put', 'delete'] as StoreMethod[];

function bindAll(store: ObjectStore): ObjectStore {
  return {
    provider: store.provider,
    put: store.put.bind(store),
    get: store.get.bind(store),
    getBuffer: store.getBuffer.bind(store),
    getRange: store.getRange.bind(store),
    stat: store.stat.bind(store),
    exists: store.exists.bind(store),
    list: store.list.bind(store),
    listCommonPrefixes: store.listCommonPrefixes.bind(store),
    delete: store.delete.bind(store),
    signedUrl: store.signedUrl.bind(store),
  };
}

test('a prune that crashes at any put or delete leaves a repository that checks clean and restores fully', async () => {
  await withTempRepo(async (t) => {
    const { root, repoDir, passwordFile } = t;
    const { repo, scenario } = await withScenario(t);
    // A pack from an interrupted upload (no index names it), so the unreferenced-pack step runs too.
    const stray = seededBytes('stray', 5000);
    const strayId = createHash('sha256').update(stray).digest('hex');
    await repo.store.put(fileKey('data', strayId), stray);

    const pristine = join(root, 'pristine');
    cpSync(repoDir, pristine, { recursive: true });
    const open = async (dir: string, rules: FaultRule[] = []) => {
      const fs = createFsObjectStore({ root: dir, durable: false });
      // The faulty wrapper's `truncate` stores half a body but passes the whole body's contentLength on, which
      // the fs store rightly refuses; without the length the half-written pack lands as intended.
      const lax: ObjectStore = {
        ...bindAll(fs),
        put: (key, body, opts) => fs.put(key, body, { ...opts, contentLength: undefined }),
      };
      const store = createFaultyObjectStore(lax, rules);
      return { store, repo: await openRepository(store, TEST_PASSWORD, { packSize: 256 * 1024 }) };
    };
    const options = {
      maxUnused: { kind: 'percent', value: 0 } as const,
      concurrency: 1,
      lockOptions: { settleMs: 0 },
    };

    // A clean run, to list the mutations a prune makes.
    const dry = join(root, 'count');
    cpSync(pristine, dry, { recursive: true });
    const counted = await open(dry);
    const full = await prune(counted.repo, options);
    assert.ok(
      full.plan.removeFirst.length === 1 && full.plan.repack.length > 0 && full.plan.remove.length > 0,
    );
    const mutations = counted.store.calls.filter((c) => MUTATIONS.includes(c.method));
    const kinds = new Set(mutations.map((m) => `${m.method} ${m.key.split('/')[0]}`));
    assert.deepEqual([...kinds].sort(), [
      'delete data',
      'delete index',
      'delete locks',
      'put data',
      'put index',
      'put locks',
    ]);
    rmSync(dry, { recursive: true });

    const crashed: Array<{ dir: string; label: string; repo: Repository }> = [];
    for (let k = 1; k <= mutations.length; k++) {
      // After each call takes effect, and for new packs a half-written upload on a non-atomic store. A crash
      // just before call k leaves what a crash just after call k − 1 leaves (this prune runs its mutations one
      // at a time), so only the first call also gets a crash before it.
      const actions: FaultAction[] = k === 1 ? ['crash', 'crash-after'] : ['crash-after'];
      if (mutations[k - 1].method === 'put' && mutations[k - 1].key.startsWith('data/'))
        actions.push('truncate');
      for (const action of actions) {
        const label = `${action} at ${mutations[k - 1].method} ${mutations[k - 1].key}`;
        const dir = join(root, `crash-${k}-${action}`);
        cpSync(pristine, dir, { recursive: true });
        const { store, repo: r } = await open(dir, [{ method: MUTATIONS, nth: k, action }]);
        // The crash surfaces as itself, or wrapped by the blob saver as a failed pack upload.
        await assert.rejects(prune(r, options), /simulated crash/, label);
        assert.ok(store.crashed, label);
        // The dead process's lock would go stale; remove it as `unlock` would.
        const survivor = await openRepository(
          createFsObjectStore({ root: dir, durable: false }),
          TEST_PASSWORD,
        );
        await removeLocks(survivor, true);
        const report = await check(survivor, { readData: true, lock: false });
        assert.deepEqual(report.errors, [], `our check after a ${label}`);
        await assertRestores(survivor, scenario, root);
        crashed.push({ dir, label, repo: survivor });
      }
    }
    // restic's verdict on every crashed state (a few processes at a time: most of their time is start-up).
    await mapLimit(crashed, 4, async ({ dir, label }) => {
      const out = await restic(dir, passwordFile, ['check', '--read-data', '--no-lock']);
      assert.match(out, /no errors were found/, `restic check after a ${label}`);
    });
    // And in each, a second prune completes the job.
    for (const { dir, label, repo: survivor } of crashed) {
      await prune(survivor, options);
      assert.equal((await prune(survivor, { ...options, dryRun: true })).stats.blobs.unused, 0, label);
      rmSync(dir, { recursive: true });
    }
    assert.ok(crashed.length > mutations.length);
  });
});
