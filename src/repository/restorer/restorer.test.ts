import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  appendFileSync,
  linkSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { mkdtemp, readdir, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { createFsObjectStore } from '../../storage/fs.ts';
import { backup } from '../archiver/archiver.ts';
import { fileKey } from '../repo/layout.ts';
import { initRepository } from '../repo/repository.ts';
import { diff, dump, find, ls } from './browse.ts';
import { restore } from './restorer.ts';

const kdf = { N: 1024, r: 8, p: 1 };
const chunker = { min: 4096, avg: 16384, max: 65536 };

async function makeTree(dir: string): Promise<void> {
  mkdirSync(join(dir, 'sub/deep'), { recursive: true });
  writeFileSync(join(dir, 'random.bin'), randomBytes(300_000));
  writeFileSync(join(dir, 'sub/text.txt'), 'hello world\n'.repeat(5000));
  writeFileSync(join(dir, 'sub/deep/empty'), '');
  writeFileSync(join(dir, 'sub/mode.sh'), '#!/bin/sh\n', { mode: 0o751 });
  symlinkSync('../random.bin', join(dir, 'sub/link'));
  linkSync(join(dir, 'sub/text.txt'), join(dir, 'hard.txt'));
  await writeFile(join(dir, 'sparse'), 'start');
  await truncate(join(dir, 'sparse'), 400_000);
  appendFileSync(join(dir, 'sparse'), 'end');
  utimesSync(join(dir, 'sub/text.txt'), 1_600_000_000.25, 1_500_000_000.5);
}

async function treeSignature(dir: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const name of (await readdir(join(dir, rel))).sort()) {
    const p = join(dir, rel, name);
    const st = lstatSync(p);
    const id = `${join(rel, name)} ${st.mode.toString(8)} ${Math.round(st.mtimeMs)}`;
    if (st.isDirectory()) out.push(id, ...(await treeSignature(dir, join(rel, name))));
    else if (st.isSymbolicLink()) out.push(`${id} -> ${lstatSync(p).size}`);
    else
      out.push(
        `${id} ${readFileSync(p).toString('base64').length} ${readFileSync(p).subarray(0, 64).toString('hex')}`,
      );
  }
  return out;
}

test('backup then restore reproduces content, modes, times, symlinks, hard links and holes; browse works', async () => {
  const root = await mkdtemp(join(tmpdir(), 'lb-rt-'));
  try {
    const src = join(root, 'src');
    mkdirSync(src);
    await makeTree(src);
    const repo = await initRepository(
      createFsObjectStore({ root: join(root, 'repo'), durable: false }),
      'pw',
      {
        kdf,
      },
    );
    const events: number[] = [];
    const first = await backup(repo, {
      paths: ['.'],
      cwd: src,
      tags: ['t1'],
      workers: 2,
      chunker,
      onProgress: (p) => events.push(p.filesDone),
    });
    assert.deepEqual(first.warnings, []);
    assert.equal(first.stats.filesNew, 6);
    assert.ok(events.length > 0 && events.at(-1) === 6);
    assert.deepEqual(first.snapshot.tags, ['t1']);

    const out = join(root, 'out');
    const res = await restore(repo, first.snapshot, { target: out });
    assert.deepEqual(res.errors, []);
    assert.deepEqual(await treeSignature(out), await treeSignature(src));
    assert.deepEqual(readFileSync(join(out, 'random.bin')), readFileSync(join(src, 'random.bin')));
    assert.equal(statSync(join(out, 'hard.txt')).ino, statSync(join(out, 'sub/text.txt')).ino);
    assert.equal(statSync(join(out, 'sub/mode.sh')).mode & 0o777, 0o751);
    assert.ok(statSync(join(out, 'sparse')).blocks * 512 < 200_000, 'holes stay holes');
    assert.deepEqual(readFileSync(join(out, 'sparse')), readFileSync(join(src, 'sparse')));

    // Unchanged files are not read again; a changed one is.
    writeFileSync(join(src, 'sub/text.txt'), 'changed\n');
    const second = await backup(repo, { paths: ['.'], cwd: src, chunker });
    assert.equal(second.snapshot.parent, first.snapshotId);
    assert.equal(second.stats.filesUnmodified, 4);
    assert.equal(second.stats.filesChanged, 2); // text.txt and its hard link
    assert.ok(second.stats.bytesRead < 100);

    const d = await diff(repo, first.snapshot, second.snapshot);
    assert.deepEqual(
      d.filter((e) => e.change === 'M').map((e) => e.path),
      ['/hard.txt', '/sub/text.txt'],
    );
    const names = (await ls(repo, second.snapshot, '/sub')).map((e) => e.path);
    assert.deepEqual(names, [
      '/sub',
      '/sub/deep',
      '/sub/deep/empty',
      '/sub/link',
      '/sub/mode.sh',
      '/sub/text.txt',
    ]);
    assert.equal((await find(repo, [first.snapshot, second.snapshot], '*.sh')).length, 2);
    const chunks: Buffer[] = [];
    const sink = new Writable({
      write(c, _e, cb) {
        chunks.push(c);
        cb();
      },
    });
    assert.equal(await dump(repo, first.snapshot, '/random.bin', sink), 300_000);
    assert.deepEqual(Buffer.concat(chunks), readFileSync(join(src, 'random.bin')));

    // A single file, selected by path.
    const one = join(root, 'one');
    const r1 = await restore(repo, second.snapshot, { target: one, include: ['/sub/text.txt'] });
    assert.equal(r1.filesRestored, 1);
    assert.equal(readFileSync(join(one, 'sub/text.txt'), 'utf8'), 'changed\n');
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('a corrupt pack fails only the files that need it, loudly', async () => {
  const root = await mkdtemp(join(tmpdir(), 'lb-corrupt-'));
  try {
    const src = join(root, 'src');
    mkdirSync(src);
    writeFileSync(join(src, 'a.bin'), randomBytes(50_000));
    writeFileSync(join(src, 'b.bin'), randomBytes(50_000));
    const store = createFsObjectStore({ root: join(root, 'repo'), durable: false });
    // Tiny packs so each file's data sits in its own pack.
    const repo = await initRepository(store, 'pw', { kdf, packSize: 10_000 });
    const snap = await backup(repo, { paths: ['.'], cwd: src, chunker, workers: 1 });
    const tree = await repo.loadTree(snap.snapshot.tree);
    const aNode = tree.find((n) => n.name === 'a.bin');
    const loc = repo.index.lookup('data', aNode?.content?.[0] as string);
    assert.ok(loc);
    const packPath = join(root, 'repo', fileKey('data', loc.packId));
    const bytes = readFileSync(packPath);
    bytes[loc.offset + 40] ^= 0xff;
    writeFileSync(packPath, bytes);
    const res = await restore(repo, snap.snapshot, { target: join(root, 'out') });
    assert.equal(res.errors.length, 1);
    assert.match(res.errors[0], /a\.bin: pack [0-9a-f]{64}: data blob [0-9a-f]{64} is damaged/);
    assert.deepEqual(readFileSync(join(root, 'out/b.bin')), readFileSync(join(src, 'b.bin')));
    assert.throws(() => statSync(join(root, 'out/a.bin')), /ENOENT/);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
