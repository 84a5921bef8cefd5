import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createFsObjectStore } from '../../storage/fs.ts';
import { backup } from '../archiver/archiver.ts';
import { fileKey } from '../repo/layout.ts';
import { initRepository } from '../repo/repository.ts';
import { restore } from './restorer.ts';

const kdf = { N: 1024, r: 8, p: 1 };
const chunker = { min: 4096, avg: 16384, max: 65536 };

test('a file spread over many packs and jobs is written whole and finished (mode, times) once', async () => {
  const root = await mkdtemp(join(tmpdir(), 'lb-jobs-'));
  try {
    const src = join(root, 'src');
    mkdirSync(src);
    const big = randomBytes(900_000);
    writeFileSync(join(src, 'big.bin'), big);
    chmodSync(join(src, 'big.bin'), 0o640);
    utimesSync(join(src, 'big.bin'), 1_600_000_000, 1_500_000_000.25);
    // Small packs: the file's ~55 chunks land in many packs, hence many jobs on both workers.
    const repo = await initRepository(
      createFsObjectStore({ root: join(root, 'repo'), durable: false }),
      'pw',
      {
        kdf,
        packSize: 100_000,
      },
    );
    const snap = await backup(repo, { paths: ['.'], cwd: src, chunker, workers: 2 });
    const out = join(root, 'out');
    const res = await restore(repo, snap.snapshot, { target: out, workers: 2 });
    assert.deepEqual(res.errors, []);
    assert.equal(res.filesRestored, 1);
    assert.equal(res.bytesWritten, big.length);
    assert.deepEqual(readFileSync(join(out, 'big.bin')), big);
    const st = statSync(join(out, 'big.bin'));
    assert.equal(st.mode & 0o777, 0o640);
    assert.equal(Math.round(st.mtimeMs), 1_500_000_000_250);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('restoring over an existing tree replaces files (no stale bytes in holes or past the end)', async () => {
  const root = await mkdtemp(join(tmpdir(), 'lb-over-'));
  try {
    const src = join(root, 'src');
    mkdirSync(join(src, 'sub'), { recursive: true });
    // A sparse file: data, a long zero run (restored as a hole), data.
    const sparse = Buffer.concat([randomBytes(70_000), Buffer.alloc(300_000), randomBytes(1000)]);
    writeFileSync(join(src, 'sub/sparse'), sparse);
    writeFileSync(join(src, 'sub/short.txt'), 'short\n');
    const repo = await initRepository(
      createFsObjectStore({ root: join(root, 'repo'), durable: false }),
      'pw',
      {
        kdf,
      },
    );
    const snap = await backup(repo, { paths: ['.'], cwd: src, chunker, workers: 1 });
    const out = join(root, 'out');
    mkdirSync(join(out, 'sub'), { recursive: true });
    // Stale content where the snapshot has holes, and a longer file where it has a short one.
    writeFileSync(join(out, 'sub/sparse'), Buffer.alloc(sparse.length + 5000, 0xee));
    writeFileSync(join(out, 'sub/short.txt'), 'a much longer stale file\n'.repeat(100));
    const res = await restore(repo, snap.snapshot, { target: out });
    assert.deepEqual(res.errors, []);
    assert.deepEqual(readFileSync(join(out, 'sub/sparse')), sparse);
    assert.equal(readFileSync(join(out, 'sub/short.txt'), 'utf8'), 'short\n');
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('a damaged compressed blob is caught by its MAC before it is decompressed; only its file fails', async () => {
  const root = await mkdtemp(join(tmpdir(), 'lb-zbad-'));
  try {
    const src = join(root, 'src');
    mkdirSync(src);
    writeFileSync(join(src, 'a.txt'), 'compressible text\n'.repeat(3000));
    writeFileSync(join(src, 'b.txt'), 'other compressible text\n'.repeat(3000));
    const store = createFsObjectStore({ root: join(root, 'repo'), durable: false });
    const repo = await initRepository(store, 'pw', { kdf, packSize: 2000 });
    const snap = await backup(repo, { paths: ['.'], cwd: src, chunker, workers: 1 });
    const tree = await repo.loadTree(snap.snapshot.tree);
    const loc = repo.index.lookup('data', tree.find((n) => n.name === 'a.txt')?.content?.[0] as string);
    assert.ok(loc?.uncompressedLength, 'the blob is stored compressed');
    const packPath = join(root, 'repo', fileKey('data', loc.packId));
    const bytes = readFileSync(packPath);
    bytes[loc.offset + 20] ^= 0x55;
    writeFileSync(packPath, bytes);
    const res = await restore(repo, snap.snapshot, { target: join(root, 'out') });
    assert.equal(res.errors.length, 1);
    assert.match(
      res.errors[0],
      /a\.txt: pack [0-9a-f]{64}: data blob [0-9a-f]{64} is damaged \(ciphertext verification failed\)/,
    );
    assert.equal(readFileSync(join(root, 'out/b.txt'), 'utf8'), 'other compressible text\n'.repeat(3000));
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
