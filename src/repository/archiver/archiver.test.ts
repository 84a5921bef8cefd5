import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createFsObjectStore } from '../../storage/fs.ts';
import { initRepository } from '../repo/repository.ts';
import { restore } from '../restorer/restorer.ts';
import { walkTree } from '../restorer/tree-walk.ts';
import { type BackupProgress, backup } from './archiver.ts';

const kdf = { N: 1024, r: 8, p: 1 };
const chunker = { min: 4096, avg: 16384, max: 65536 };

/** Nested directories with more small files than one task takes, two large files, links and an empty dir. */
function makeTree(src: string): string[] {
  const files: string[] = [];
  for (let a = 0; a < 3; a++) {
    for (let b = 0; b < 4; b++) {
      const dir = join(`d${a}`, `e${b}`);
      mkdirSync(join(src, dir), { recursive: true });
      for (let f = 0; f < 25; f++) {
        const rel = join(dir, `f${f}.txt`);
        writeFileSync(join(src, rel), `file ${rel}\n`.repeat(1 + ((a * 7 + b * 3 + f) % 50)));
        files.push(rel);
      }
    }
  }
  for (const name of ['large-1', 'large-2']) {
    writeFileSync(join(src, 'd1', name), randomBytes(1_300_000));
    files.push(join('d1', name));
  }
  linkSync(join(src, 'd0/e0/f0.txt'), join(src, 'hardlink.txt'));
  files.push('hardlink.txt');
  symlinkSync('d2/e3/f24.txt', join(src, 'symlink'));
  mkdirSync(join(src, 'empty'));
  return files;
}

test('deep trees: every entry is stored in order, unchanged re-backups read nothing, restore matches', async () => {
  const root = await mkdtemp(join(tmpdir(), 'lb-arch-'));
  try {
    const src = join(root, 'src');
    mkdirSync(src);
    const files = makeTree(src);
    const repo = await initRepository(
      createFsObjectStore({ root: join(root, 'repo'), durable: false }),
      'pw',
      {
        kdf,
      },
    );
    let last: BackupProgress | undefined;
    const first = await backup(repo, {
      paths: ['.'],
      cwd: src,
      chunker,
      workers: 2,
      onProgress: (p) => {
        last = p;
      },
      progressIntervalMs: 0,
    });
    assert.deepEqual(first.warnings, []);
    assert.equal(first.stats.filesNew, files.length);
    assert.equal(first.stats.dirs, 1 + 3 + 12 + 1);
    assert.ok(last?.totalsFinal);
    assert.equal(last?.filesDone, files.length);
    assert.equal(last?.filesTotal, files.length);

    const paths: string[] = [];
    for await (const e of walkTree(repo, first.snapshot.tree)) paths.push(e.path);
    for (const f of files) assert.ok(paths.includes(`/${f}`), `${f} stored`);
    assert.ok(paths.includes('/symlink') && paths.includes('/empty'));
    // Depth-first, names in byte order within each directory.
    const inD0 = paths.filter((p) => /^\/d0\/e0\/f\d+\.txt$/.test(p));
    assert.deepEqual(inD0, [...inD0].sort());

    for (let i = 0; i < 2; i++) {
      const again = await backup(repo, { paths: ['.'], cwd: src, chunker, workers: 2 });
      assert.equal(again.stats.bytesRead, 0, 'nothing read');
      assert.equal(again.stats.filesUnmodified, files.length);
      assert.ok(again.stats.dataAdded < 200_000, `only trees added (${again.stats.dataAdded})`);
    }

    const out = join(root, 'out');
    const res = await restore(repo, first.snapshot, { target: out });
    assert.deepEqual(res.errors, []);
    for (const f of files) assert.deepEqual(readFileSync(join(out, f)), readFileSync(join(src, f)), f);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('a backup path that does not exist fails loudly and writes no snapshot', async () => {
  const root = await mkdtemp(join(tmpdir(), 'lb-arch-'));
  try {
    const repo = await initRepository(
      createFsObjectStore({ root: join(root, 'repo'), durable: false }),
      'pw',
      {
        kdf,
      },
    );
    await assert.rejects(backup(repo, { paths: [join(root, 'missing')], chunker }), /cannot back up/);
    assert.deepEqual(await repo.listIds('snapshots'), []);
    assert.deepEqual(await repo.listIds('locks'), [], 'the lock is released');
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
