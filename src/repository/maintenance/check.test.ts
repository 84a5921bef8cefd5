import assert from 'node:assert/strict';
import { readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { backup } from '../archiver/archiver.ts';
import { fileKey } from '../repo/layout.ts';
import type { Repository } from '../repo/repository.ts';
import { restore } from '../restorer/restorer.ts';
import { findNode } from '../restorer/tree-walk.ts';
import { check } from './check.ts';
import { IndexView } from './index-view.ts';
import { parseReadDataSubset, selectPacks } from './read-data-subset.ts';
import {
  contentDigest,
  repoTemplate,
  restic,
  seededBytes,
  TEST_CHUNKER,
  withTempRepo,
  writeTree,
} from './testing.ts';

interface Fixture {
  src: string;
  snapshotId: string;
  digest: Map<string, string>;
}

/** One backup of four files of 100–150 kB (several blobs each, over several packs) and an empty file. */
const fixture = repoTemplate(async (repo, dir): Promise<Fixture> => {
  const src = join(dir, 'src');
  writeTree(src, {
    'a/one': seededBytes('one', 100_000),
    'a/two': seededBytes('two', 150_000),
    'b/three': seededBytes('three', 120_000),
    'b/deep/four': seededBytes('four', 110_000),
    empty: '',
  });
  const r = await backup(repo, { paths: [src], chunker: TEST_CHUNKER, workers: 1, lock: false });
  return { src, snapshotId: r.snapshotId, digest: contentDigest(src) };
});

/** The pack holding the first data blob of `path` (a path below the source directory), and that blob. */
async function packOf(
  repo: Repository,
  f: Fixture,
  path: string,
): Promise<{ packId: string; blobId: string }> {
  const snap = await repo.findSnapshot(f.snapshotId);
  const node = await findNode(repo, snap.tree, join(f.src, path));
  const blobId = (node.content ?? [])[0];
  const { view } = await IndexView.load(repo);
  return { packId: view.copies('data', blobId)[0].packId, blobId };
}

/** Which of the fixture's files use a blob of `packId` (relative paths, sorted). */
async function filesUsingPack(
  repo: Repository,
  f: Fixture,
  packId: string,
  blobs?: Set<string>,
): Promise<string[]> {
  const { view } = await IndexView.load(repo);
  const snap = await repo.findSnapshot(f.snapshotId);
  const out: string[] = [];
  for (const rel of f.digest.keys()) {
    const node = await findNode(repo, snap.tree, join(f.src, rel));
    const hit = (node.content ?? []).some(
      (id) => (blobs ? blobs.has(id) : true) && view.copies('data', id).some((c) => c.packId === packId),
    );
    if (hit) out.push(rel);
  }
  return out.sort();
}

test('a sound repository checks clean, with and without reading the data', async () => {
  await withTempRepo(async (t) => {
    const { repo } = await fixture(t);
    const report = await check(repo);
    assert.deepEqual(report.errors, []);
    assert.deepEqual(report.warnings, []);
    assert.equal(report.ok, true);
    assert.equal(report.counts.snapshots, 1);
    assert.equal(report.counts.keys, 1);
    assert.ok(report.counts.packs >= 3, `packs ${report.counts.packs}`);
    assert.ok(report.counts.trees >= 4);
    assert.equal(report.counts.unusedBlobs, 0);
    assert.equal(report.readData, undefined);
    const full = await check(repo, { readData: true });
    assert.equal(full.ok, true);
    assert.equal(full.counts.packsRead, full.counts.packs);
    assert.equal(full.counts.blobsRead, full.counts.blobs);
    assert.deepEqual(full.readData, { selected: full.counts.packs, total: full.counts.packs });
    // No lock is left behind.
    assert.deepEqual(await repo.listIds('locks'), []);
  });
});

test('a truncated pack: check names the pack, the blobs lost and the files they belong to; the rest restores', async () => {
  await withTempRepo(async (t) => {
    const { repo, value: f } = await fixture(t);
    const { packId } = await packOf(repo, f, 'a/two');
    const path = join(t.repoDir, fileKey('data', packId));
    const size = readFileSync(path).length;
    truncateSync(path, Math.floor(size / 2));
    const { view } = await IndexView.load(repo);
    const beyond = (view.packs.get(packId) ?? []).filter((b) => b.offset + b.length > Math.floor(size / 2));

    const report = await check(repo);
    assert.equal(report.ok, false);
    assert.equal(report.errors.length, 1);
    assert.equal(report.errors[0].id, packId);
    assert.match(
      report.errors[0].message,
      new RegExp(`pack ${packId}: truncated: ${Math.floor(size / 2)} bytes`),
    );
    assert.equal(report.damagedPacks.length, 1);
    assert.deepEqual(
      report.damagedPacks[0].lostBlobs.map((b) => b.id).sort(),
      beyond.map((b) => b.id).sort(),
    );
    const affectedFiles = await filesUsingPack(repo, f, packId, new Set(beyond.map((b) => b.id)));
    assert.ok(affectedFiles.length > 0);
    assert.deepEqual(report.affected.length, 1);
    assert.equal(report.affected[0].snapshotId, f.snapshotId);
    assert.deepEqual(report.affected[0].paths, affectedFiles.map((p) => join(f.src, p)).sort());

    // A restore fails loudly for the affected files only, and restores the others byte for byte.
    const target = join(t.root, 'out');
    const res = await restore(repo, await repo.findSnapshot(f.snapshotId), { target });
    assert.equal(res.errors.length, affectedFiles.length);
    const restored = contentDigest(join(target, f.src));
    for (const [rel, digest] of f.digest) {
      if (affectedFiles.includes(rel))
        assert.equal(restored.has(rel), false, `${rel} was not left half-written`);
      else assert.equal(restored.get(rel), digest, `${rel} restored intact`);
    }
  });
});

test('a flipped byte in a data blob: --read-data names pack, blob and file; restic agrees it is damaged', async () => {
  await withTempRepo(async (t) => {
    const { repo, value: f } = await fixture(t);
    const { packId, blobId } = await packOf(repo, f, 'b/three');
    const { view } = await IndexView.load(repo);
    const loc = view.copies('data', blobId)[0];
    const path = join(t.repoDir, fileKey('data', packId));
    const bytes = readFileSync(path);
    bytes[loc.offset + 40] ^= 0x01;
    writeFileSync(path, bytes);

    // Sizes and headers are fine: only reading the data finds it (as with restic).
    assert.equal((await check(repo)).ok, true);
    const report = await check(repo, { readData: true });
    assert.equal(report.ok, false);
    const messages = report.errors.map((e) => e.message).join('\n');
    assert.match(messages, new RegExp(`pack ${packId}: content does not match its name`));
    assert.match(messages, new RegExp(`pack ${packId}: 1 blob\\(s\\) do not verify: data ${blobId}`));
    assert.deepEqual(report.lostBlobs, [{ type: 'data', id: blobId }]);
    assert.deepEqual(report.affected, [
      {
        snapshotId: f.snapshotId,
        time: (await repo.findSnapshot(f.snapshotId)).time,
        paths: [join(f.src, 'b/three')],
      },
    ]);
    await assert.rejects(
      restic(t.repoDir, t.passwordFile, ['check', '--read-data']),
      /Fatal: repository contains errors/,
    );
  });
});

test('a damaged tree blob: the structure check finds it and names the directory whose listing is lost', async () => {
  await withTempRepo(async (t) => {
    const { repo, value: f } = await fixture(t);
    const snap = await repo.findSnapshot(f.snapshotId);
    const dir = await findNode(repo, snap.tree, join(f.src, 'b'));
    const { view } = await IndexView.load(repo);
    const loc = view.copies('tree', dir.subtree as string)[0];
    const path = join(t.repoDir, fileKey('data', loc.packId));
    const bytes = readFileSync(path);
    bytes[loc.offset + 20] ^= 0x80;
    writeFileSync(path, bytes);

    const report = await check(repo);
    assert.equal(report.ok, false);
    assert.ok(report.errors.some((e) => e.kind === 'tree' && e.id === dir.subtree));
    assert.deepEqual(report.lostBlobs, [{ type: 'tree', id: dir.subtree }]);
    assert.deepEqual(report.affected[0].paths, [`${join(f.src, 'b')}/`]);
  });
});

test('missing packs and damaged index or key files are errors; stray packs and duplicates are warnings', async () => {
  await withTempRepo(async (t) => {
    const { repo, value: f } = await fixture(t);
    // A stray pack (an interrupted upload) and a duplicate copy of a blob: warnings only.
    const { view } = await IndexView.load(repo);
    const anyPack = [...view.packs.keys()][0];
    const strayId = 'ab'.repeat(32);
    await repo.store.put(fileKey('data', strayId), Buffer.from('left over'));
    const dup = await repo.loadBlob('data', (await packOf(repo, f, 'a/one')).blobId);
    const { BlobSaver } = await import('../repo/blob-saver.ts');
    const saver = new BlobSaver(repo);
    saver.add('data', (await packOf(repo, f, 'a/one')).blobId, repo.key.seal(dup), dup.length);
    await saver.flush();
    let report = await check(repo);
    assert.equal(report.ok, true, JSON.stringify(report.errors));
    assert.equal(report.counts.orphanPacks, 1);
    assert.equal(report.counts.duplicateBlobs, 1);
    assert.ok(
      report.warnings.some((w) => w.message.includes(`pack ${strayId}: not referenced in any index`)),
    );
    assert.ok(report.warnings.some((w) => /1 blob\(s\) are stored more than once/.test(w.message)));

    // A missing pack loses its blobs, unless another copy exists.
    rmSync(join(t.repoDir, fileKey('data', anyPack)));
    const indexId = (await repo.listIds('index'))[0];
    const indexPath = join(t.repoDir, fileKey('index', indexId));
    writeFileSync(indexPath, Buffer.concat([readFileSync(indexPath), Buffer.from('x')]));
    const keyId = (await repo.listIds('keys'))[0];
    writeFileSync(join(t.repoDir, fileKey('keys', keyId)), '{"kdf":"scrypt"');
    report = await check(repo);
    assert.equal(report.ok, false);
    const kinds = report.errors.map((e) => `${e.kind} ${e.id?.slice(0, 8)}`);
    assert.ok(kinds.includes(`index ${indexId.slice(0, 8)}`), kinds.join(', '));
    assert.ok(kinds.includes(`key ${keyId.slice(0, 8)}`), kinds.join(', '));
    // Without that index file, the snapshot's blobs it listed (or the removed pack's) are reported lost.
    assert.ok(report.lostBlobs.length > 0);
    assert.ok(report.affected.length === 1 && report.affected[0].paths.length > 0);
  });
});

test('--read-data-subset: n/t splits packs by first id byte, x% picks that share; bad values are refused', async () => {
  const ids = Array.from({ length: 40 }, (_, i) => (i * 7).toString(16).padStart(2, '0') + 'f'.repeat(62));
  const parts = [1, 2, 3].map((n) => selectPacks(ids, parseReadDataSubset(`${n}/3`)));
  assert.deepEqual(parts.flat().sort(), [...ids].sort());
  assert.ok(parts.every((p) => p.length > 0));
  assert.ok(parts[0].every((id) => Number.parseInt(id.slice(0, 2), 16) % 3 === 0));
  assert.equal(selectPacks(ids, parseReadDataSubset('25%'), () => 0.5).length, 10);
  assert.equal(selectPacks(ids, parseReadDataSubset('0.1%')).length, 1);
  assert.equal(new Set(selectPacks(ids, parseReadDataSubset('50%'))).size, 20);
  for (const bad of ['0/3', '4/3', '0%', '101%', 'half'])
    assert.throws(() => parseReadDataSubset(bad), /read-data-subset/);

  await withTempRepo(async (t) => {
    const { repo } = await fixture(t);
    const report = await check(repo, { readDataSubset: '1/1' });
    assert.equal(report.counts.packsRead, report.counts.packs);
    const one = await check(repo, { readDataSubset: '1%' });
    assert.equal(one.counts.packsRead, 1);
    assert.equal(one.ok, true);
  });
});
