import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { createFsObjectStore } from '../../storage/fs.ts';
import { backup } from '../archiver/archiver.ts';
import type { CompressionMode } from '../blobs/compression.ts';
import { initRepository, openRepository } from '../repo/repository.ts';
import { restore } from '../restorer/restorer.ts';

/**
 * Compatibility with the real restic binary (0.14, Debian's; `.ci/run` installs it): restic reads what we
 * write (check --read-data, restore, snapshots) and we restore what restic writes, byte for byte.
 */
const run = promisify(execFile);
const kdf = { N: 1024, r: 8, p: 1 };
const chunker = { min: 16 * 1024, avg: 64 * 1024, max: 256 * 1024 };

async function restic(repo: string, pwFile: string, ...args: string[]): Promise<string> {
  const { stdout } = await run('restic', ['-r', repo, '--no-cache', ...args], {
    env: { ...process.env, RESTIC_PASSWORD_FILE: pwFile, RESTIC_PASSWORD: '' },
    maxBuffer: 64 << 20,
  });
  return stdout;
}

function makeSource(dir: string): void {
  mkdirSync(join(dir, 'docs/nested'), { recursive: true });
  writeFileSync(join(dir, 'random.bin'), randomBytes(2_500_000));
  writeFileSync(join(dir, 'docs/text.txt'), 'the quick brown fox\n'.repeat(40_000));
  writeFileSync(join(dir, 'docs/nested/small'), 'x');
  writeFileSync(join(dir, 'docs/empty'), '');
  writeFileSync(join(dir, 'exec.sh'), '#!/bin/sh\necho hi\n', { mode: 0o700 });
  symlinkSync('docs/text.txt', join(dir, 'link'));
  utimesSync(join(dir, 'docs/text.txt'), 1_600_000_000, 1_500_000_000.123456);
}

/** path → [type, perms, mtime in µs, content hash] for every entry under `dir`. */
function signature(dir: string, rel = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const name of readdirSync(join(dir, rel)).sort()) {
    const p = join(dir, rel, name);
    const st = lstatSync(p, { bigint: true });
    const kind = st.isDirectory() ? 'd' : st.isSymbolicLink() ? 'l' : 'f';
    const content = kind === 'f' ? readFileSync(p).toString('base64') : '';
    out.set(
      join(rel, name),
      `${kind} ${(st.mode & 0o7777n).toString(8)} ${st.mtimeNs / 1000n} ${content.length}:${content.slice(0, 32)}`,
    );
    if (kind === 'd') for (const [k, v] of signature(dir, join(rel, name))) out.set(k, v);
  }
  return out;
}

for (const compression of ['auto', 'off'] as CompressionMode[]) {
  test(`restic 0.14 checks, lists and restores a repository Lifeboat wrote (compression ${compression})`, async () => {
    const root = await mkdtemp(join(tmpdir(), 'lb-compat-'));
    try {
      const src = join(root, 'src');
      mkdirSync(src);
      makeSource(src);
      const pw = join(root, 'pw');
      writeFileSync(pw, 'correct horse\n');
      const repoDir = join(root, 'repo');
      const repo = await initRepository(createFsObjectStore({ root: repoDir }), 'correct horse', {
        kdf,
        compression,
        packSize: 1 << 20,
      });
      const first = await backup(repo, { paths: [src], tags: ['one'], chunker, workers: 2 });
      writeFileSync(join(src, 'docs/nested/small'), 'changed');
      const second = await backup(repo, { paths: [src], chunker, workers: 2 });

      const check = await restic(repoDir, pw, 'check', '--read-data');
      assert.match(check, /no errors were found/);

      const listed = JSON.parse(await restic(repoDir, pw, 'snapshots', '--json')) as Array<
        Record<string, unknown>
      >;
      const ours = await repo.listSnapshots();
      assert.deepEqual(
        listed.map((s) => [s.id, s.tree, s.paths, s.hostname, s.tags ?? null, s.parent ?? null]),
        ours.map((s) => [s.id, s.tree, s.paths, s.hostname, s.tags ?? null, s.parent ?? null]),
      );
      assert.deepEqual(
        ours.map((s) => s.id),
        [first.snapshotId, second.snapshotId],
      );

      const out = join(root, 'restic-out');
      await restic(repoDir, pw, 'restore', second.snapshotId, '--target', out);
      assert.deepEqual(signature(join(out, src)), signature(src));
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
}

test('Lifeboat restores a snapshot restic made, byte for byte with modes and times', async () => {
  const root = await mkdtemp(join(tmpdir(), 'lb-compat-'));
  try {
    const src = join(root, 'src');
    mkdirSync(src);
    makeSource(src);
    const pw = join(root, 'pw');
    writeFileSync(pw, 'pw');
    const repoDir = join(root, 'repo');
    await restic(repoDir, pw, 'init');
    await restic(repoDir, pw, 'backup', src);
    const repo = await openRepository(createFsObjectStore({ root: repoDir }), 'pw');
    assert.equal(repo.config.version, 2);
    const snap = await repo.findSnapshot('latest');
    const out = join(root, 'out');
    const res = await restore(repo, snap, { target: out });
    assert.deepEqual(res.errors, []);
    assert.deepEqual(signature(join(out, src)), signature(src));
    // And a Lifeboat backup into restic's repository deduplicates nothing wrongly and still checks.
    await backup(repo, { paths: [src], chunker, workers: 1 });
    assert.match(await restic(repoDir, pw, 'check', '--read-data'), /no errors were found/);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
