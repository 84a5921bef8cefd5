import assert from 'node:assert/strict';
import { createHash, randomFillSync } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { isLifeboatError } from '../../core/errors.ts';
import { createFsObjectStore } from '../../storage/fs.ts';
import { backup } from '../archiver/archiver.ts';
import { listLocks } from '../repo/locks.ts';
import { initRepository } from '../repo/repository.ts';
import { type RestoreProgress, restore } from './restorer.ts';

const kdf = { N: 1024, r: 8, p: 1 };
const MiB = 1 << 20;
const BIG = 24 * MiB;

/** Regular files under `dir` by relative path: size, SHA-256, permission bits and mtime (ms). */
function files(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = lstatSync(p);
      if (st.isDirectory()) walk(p);
      else if (st.isFile()) {
        const hash = createHash('sha256').update(readFileSync(p)).digest('hex');
        out.set(
          relative(dir, p),
          `${st.size} ${hash} ${(st.mode & 0o7777).toString(8)} ${Math.round(st.mtimeMs)}`,
        );
      }
    }
  };
  walk(dir);
  return out;
}

test('a restore aborted mid-way rejects Canceled and leaves only complete files: none half-written, none of full size with missing data', async () => {
  const root = await mkdtemp(join(tmpdir(), 'lb-rcancel-'));
  try {
    const src = join(root, 'src');
    mkdirSync(join(src, 'a-small'), { recursive: true });
    const block = randomFillSync(Buffer.alloc(BIG));
    let total = 0;
    for (let i = 0; i < 40; i++) {
      const data = randomFillSync(Buffer.alloc(64 * 1024));
      writeFileSync(join(src, 'a-small', `s-${i}`), data, { mode: 0o640 });
      total += data.length;
    }
    for (let i = 0; i < 4; i++) {
      for (let off = 0; off < BIG; off += 65536) block.writeUInt32LE(i * 1_000_003 + off, off);
      writeFileSync(join(src, `big-${i}`), block);
      total += BIG;
    }
    const store = createFsObjectStore({ root: join(root, 'repo'), durable: false });
    const repo = await initRepository(store, 'pw', { kdf });
    const { snapshot } = await backup(repo, { paths: ['.'], cwd: src, workers: 2 });
    const expected = files(src);

    const target = join(root, 'target');
    const controller = new AbortController();
    const events: RestoreProgress[] = [];
    await assert.rejects(
      restore(repo, snapshot, {
        target,
        workers: 2,
        prefetch: 2,
        signal: controller.signal,
        onProgress: (p) => {
          events.push({ ...p });
          if (p.bytesDone > 0) controller.abort();
        },
      }),
      (err) => isLifeboatError(err, 'Canceled') && /restore cancelled/.test(err.message),
    );
    const written = Math.max(...events.map((e) => e.bytesDone));
    assert.ok(written > 0 && written < total / 4, `wrote ${written} of ${total} bytes`);

    // The contract: whatever file is in the target is complete (content, size, mode, time as backed up).
    const restored = files(target);
    for (const [path, signature] of restored) assert.equal(signature, expected.get(path), path);
    // Each large file needs at least six 4 MiB jobs, and at most four jobs ran (one per runner): every large
    // file was begun or not at all, and a begun one was removed.
    for (let i = 0; i < 4; i++) assert.equal(existsSync(join(target, `big-${i}`)), false, `big-${i}`);
    assert.ok(restored.size < expected.size);
    assert.deepEqual(await listLocks(repo), []);

    // Restoring again (no signal) over what the cancelled run left completes the target.
    const again = await restore(repo, snapshot, { target, workers: 2 });
    assert.deepEqual(again.errors, []);
    assert.deepEqual(files(target), expected);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('a restore whose signal fired before it started rejects Canceled without touching the target', async () => {
  const root = await mkdtemp(join(tmpdir(), 'lb-rcancel-'));
  try {
    const src = join(root, 'src');
    mkdirSync(src);
    writeFileSync(join(src, 'f'), 'data');
    const repo = await initRepository(
      createFsObjectStore({ root: join(root, 'repo'), durable: false }),
      'pw',
      {
        kdf,
      },
    );
    const { snapshot } = await backup(repo, { paths: ['.'], cwd: src });
    const target = join(root, 'target');
    await assert.rejects(restore(repo, snapshot, { target, signal: AbortSignal.abort() }), (err) =>
      isLifeboatError(err, 'Canceled'),
    );
    assert.equal(existsSync(target), false);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
