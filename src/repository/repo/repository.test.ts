import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isLifeboatError, LifeboatError } from '../../core/errors.ts';
import { createFsObjectStore } from '../../storage/fs.ts';
import type { ObjectStore } from '../../storage/object-store.ts';
import { BlobSaver } from './blob-saver.ts';
import { initRepository, openRepository } from './repository.ts';

const kdf = { N: 1024, r: 8, p: 1 };

async function withStore(fn: (store: ObjectStore, dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'lb-repo-'));
  try {
    await fn(createFsObjectStore({ root: dir, durable: false }), dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('init then open; a wrong password is one clear line; init twice refuses', async () => {
  await withStore(async (store) => {
    const repo = await initRepository(store, 'pw', { kdf });
    assert.equal(repo.config.version, 2);
    const again = await openRepository(store, 'pw');
    assert.equal(again.config.id, repo.config.id);
    assert.equal(again.keyId, repo.keyId);
    await assert.rejects(openRepository(store, 'nope'), (e) => {
      return isLifeboatError(e, 'PermissionDenied') && e.message === 'wrong password or no key found';
    });
    await assert.rejects(initRepository(store, 'pw', { kdf }), (e) => isLifeboatError(e, 'AlreadyExists'));
    await assert.rejects(initRepository(store, '', { kdf }), /password is required/);
  });
});

test('blob saver: packs, then index; reopened repository finds and verifies every blob', async () => {
  await withStore(async (store) => {
    const repo = await initRepository(store, 'pw', { kdf, packSize: 100_000 });
    const saver = new BlobSaver(repo);
    const blobs = Array.from({ length: 30 }, (_, i) =>
      i % 3 === 0 ? Buffer.alloc(10_000, i) : randomBytes(10_000),
    );
    const ids = blobs.map((b) => saver.saveData(b));
    assert.equal(saver.saveData(blobs[0]), ids[0]); // dedup
    const treeId = saver.saveTree(Buffer.from('{"nodes":[]}\n'));
    const indexIds = await saver.flush();
    assert.equal(indexIds.length, 1);
    assert.ok(saver.stats.packs >= 3, `packs ${saver.stats.packs}`);
    assert.equal(saver.stats.dataBlobs, 30);

    const reopened = await openRepository(store, 'pw');
    await reopened.loadIndex();
    for (let i = 0; i < blobs.length; i++)
      assert.deepEqual(await reopened.loadBlob('data', ids[i]), blobs[i]);
    assert.deepEqual(await reopened.loadTree(treeId), []);
    // Every pack header lists what the index says it holds.
    const packIds = [...reopened.index.packIds()];
    for (const packId of packIds) {
      const header = await reopened.readPackHeader(packId);
      for (const b of header) assert.equal(reopened.index.lookup(b.type, b.id)?.packId, packId);
    }
  });
});

test('a pack whose upload fails is never named by an index, and the failure surfaces', async () => {
  await withStore(async (base) => {
    let failData = false;
    const store = new Proxy(base, {
      get(target, prop) {
        if (prop === 'put') {
          return async (key: string, body: Buffer, opts?: object) => {
            if (failData && key.startsWith('data/')) throw new LifeboatError('PermissionDenied', 'injected');
            return target.put(key, body, opts);
          };
        }
        const v = Reflect.get(target, prop);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    const repo = await initRepository(store, 'pw', { kdf, packSize: 50_000 });
    const saver = new BlobSaver(repo);
    failData = true;
    for (let i = 0; i < 10; i++) saver.saveData(randomBytes(10_000));
    await assert.rejects(saver.flush(), /injected/);
    const reopened = await openRepository(base, 'pw');
    await reopened.loadIndex();
    assert.equal(reopened.index.size, 0);
    assert.deepEqual(await reopened.listIds('index'), []);
  });
});
