import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { DirectWriter } from './direct-writer.ts';
import { createFsObjectStore } from './fs.ts';

const scratch = mkdtempSync(join(tmpdir(), 'lifeboat-direct-'));

/** Whether this directory's file system accepts O_DIRECT at all (tmpfs before Linux 6.6 does not). */
function acceptsDirect(dir: string): boolean {
  const probe = join(dir, 'probe');
  try {
    closeSync(openSync(probe, constants.O_WRONLY | constants.O_CREAT | constants.O_DIRECT));
    return true;
  } catch {
    return false;
  } finally {
    rmSync(probe, { force: true });
  }
}

describe('DirectWriter', () => {
  after(() => rmSync(scratch, { recursive: true, force: true }));
  const direct = acceptsDirect(scratch);

  test('bodies of every alignment come back byte for byte, more writes at once than staging slots', async () => {
    // Two 1 MiB slots for six writes: writes wait for slots, and bodies span several slots.
    const writer = new DirectWriter(2, 1 << 20);
    const sizes = [1 << 20, (16 << 20) + 123, 4 << 20, (3 << 20) + 4095, (1 << 20) + 1, (2 << 20) + 4096];
    const bodies = sizes.map((n) => randomBytes(n));
    const paths = sizes.map((_, i) => join(scratch, `body-${i}`));
    const results = await Promise.all(bodies.map((b, i) => writer.write(paths[i], b, true)));
    for (let i = 0; i < sizes.length; i++) {
      assert.equal(
        results[i],
        direct,
        `write ${i} went the direct way exactly when the file system allows it`,
      );
      if (results[i])
        assert.ok(readFileSync(paths[i]).equals(bodies[i]), `body ${i} (${sizes[i]} bytes) intact`);
      else assert.equal(existsSync(paths[i]), false, 'a refused direct write leaves no file');
    }
  });

  test('a body under the threshold is left to the buffered path: false, and no file', async () => {
    const path = join(scratch, 'small');
    assert.equal(await new DirectWriter().write(path, randomBytes(DirectWriter.MIN_BYTES - 1), true), false);
    assert.equal(existsSync(path), false);
  });

  test('an existing file is neither overwritten nor removed', async () => {
    const path = join(scratch, 'taken');
    writeFileSync(path, 'keep me');
    await assert.rejects(new DirectWriter().write(path, randomBytes(2 << 20), true), /EEXIST/);
    assert.equal(readFileSync(path, 'utf8'), 'keep me');
  });
});

describe('fs object store with direct writes', () => {
  test('a pack-sized put reads back whole, in a new directory, with or without if-none-match', async () => {
    const store = createFsObjectStore({ root: join(scratch, 'store') });
    const body = randomBytes((16 << 20) + 7);
    await store.put('data/ab/abcdef', body);
    assert.ok((await store.getBuffer('data/ab/abcdef')).equals(body));
    await store.put('data/cd/cdef01', body, { ifNoneMatch: true });
    assert.ok((await store.getBuffer('data/cd/cdef01')).equals(body));
    await assert.rejects(store.put('data/cd/cdef01', body, { ifNoneMatch: true }), { code: 'AlreadyExists' });
    const listed = [];
    for await (const o of store.list('data/')) listed.push([o.key, o.size]);
    assert.deepEqual(listed, [
      ['data/ab/abcdef', body.length],
      ['data/cd/cdef01', body.length],
    ]);
  });

  test('a body whose announced length is wrong writes nothing, direct or not', async () => {
    const store = createFsObjectStore({ root: join(scratch, 'store-len') });
    await assert.rejects(store.put('data/x', randomBytes(2 << 20), { contentLength: 5 }), {
      code: 'Invalid',
    });
    assert.equal(await store.exists('data/x'), false);
  });
});
