import assert from 'node:assert/strict';
import {
  chmodSync,
  closeSync,
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { copyTree, Limiter, treeSize } from './copy-tree.ts';

const root = mkdtempSync(join(tmpdir(), 'copy-tree-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** Builds a tree with every kind of entry a volume holds. */
export function makeTree(dir: string): void {
  mkdirSync(join(dir, 'sub', 'deeper'), { recursive: true });
  writeFileSync(join(dir, 'plain.txt'), 'hello\n');
  chmodSync(join(dir, 'plain.txt'), 0o640);
  writeFileSync(join(dir, 'sub', 'deeper', 'script.sh'), '#!/bin/sh\necho hi\n');
  chmodSync(join(dir, 'sub', 'deeper', 'script.sh'), 0o755);
  symlinkSync('../plain.txt', join(dir, 'sub', 'link'));
  linkSync(join(dir, 'plain.txt'), join(dir, 'sub', 'hard.txt'));
  const fd = openSync(join(dir, 'sparse.img'), 'w');
  writeSync(fd, Buffer.from('head'), 0, 4, 0);
  writeSync(fd, Buffer.from('tail'), 0, 4, 8 * 1024 * 1024);
  closeSync(fd);
  utimesSync(join(dir, 'plain.txt'), new Date('2020-01-02T03:04:05Z'), new Date('2021-02-03T04:05:06Z'));
  chmodSync(join(dir, 'sub'), 0o750);
  utimesSync(join(dir, 'sub'), new Date('2019-01-01T00:00:00Z'), new Date('2019-06-01T00:00:00Z'));
}

test('copyTree keeps content, modes, timestamps, symlinks, hard links and holes', async () => {
  const src = join(root, 'src');
  const dst = join(root, 'dst');
  makeTree(src);
  const result = await copyTree(src, dst);
  assert.equal(result.files, 3, 'the hard link is a link, not another file');
  assert.equal(readFileSync(join(dst, 'plain.txt'), 'utf8'), 'hello\n');
  assert.equal(statSync(join(dst, 'plain.txt')).mode & 0o777, 0o640);
  assert.equal(statSync(join(dst, 'sub', 'deeper', 'script.sh')).mode & 0o777, 0o755);
  assert.equal(statSync(join(dst, 'plain.txt')).mtime.toISOString(), '2021-02-03T04:05:06.000Z');
  assert.equal(statSync(join(dst, 'sub')).mode & 0o777, 0o750);
  assert.equal(statSync(join(dst, 'sub')).mtime.toISOString(), '2019-06-01T00:00:00.000Z');
  assert.ok(lstatSync(join(dst, 'sub', 'link')).isSymbolicLink());
  assert.equal(readlinkSync(join(dst, 'sub', 'link')), '../plain.txt');
  assert.equal(statSync(join(dst, 'sub', 'hard.txt')).ino, statSync(join(dst, 'plain.txt')).ino);
  const sparse = statSync(join(dst, 'sparse.img'));
  assert.equal(sparse.size, 8 * 1024 * 1024 + 4);
  assert.ok(sparse.blocks * 512 < 1024 * 1024, `holes kept (${sparse.blocks * 512} bytes allocated)`);
  const data = readFileSync(join(dst, 'sparse.img'));
  assert.equal(data.subarray(0, 4).toString(), 'head');
  assert.equal(data.subarray(8 * 1024 * 1024).toString(), 'tail');
  assert.equal(await treeSize(dst), 6 + 6 + 18 + 8 * 1024 * 1024 + 4);
});

test('Limiter runs at most its limit at once', async () => {
  const limiter = new Limiter(2);
  let running = 0;
  let peak = 0;
  await Promise.all(
    Array.from({ length: 6 }, () =>
      limiter.run(async () => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 5));
        running--;
      }),
    ),
  );
  assert.equal(peak, 2);
});
