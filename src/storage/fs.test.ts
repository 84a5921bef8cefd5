import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, describe, test } from 'node:test';
import { isLifeboatError } from '../core/errors.ts';
import { runObjectStoreConformance } from './conformance.ts';
import { createFsObjectStore } from './fs.ts';

const scratch = mkdtempSync(join(tmpdir(), 'lifeboat-fs-store-'));
let counter = 0;
const freshRoot = (): string => join(scratch, `store-${counter++}`);

runObjectStoreConformance({
  name: 'fs',
  create: async () => createFsObjectStore({ root: freshRoot() }),
  cleanup: async () => undefined,
  signedUrls: false,
});

runObjectStoreConformance({
  name: 'fs with a prefix',
  create: async () => createFsObjectStore({ root: freshRoot(), prefix: '/team-a/cluster-1/' }),
  cleanup: async () => undefined,
  signedUrls: false,
});

describe('fs object store specifics', () => {
  after(() => rmSync(scratch, { recursive: true, force: true }));

  test('keys are files under root/prefix, written whole', async () => {
    const root = freshRoot();
    const store = createFsObjectStore({ root, prefix: 'pre/fix' });
    await store.put('backups/b1/velero-backup.json', '{}');
    assert.equal(readFileSync(join(root, 'pre/fix/backups/b1/velero-backup.json'), 'utf8'), '{}');
    assert.deepEqual(
      readdirSync(join(root, 'pre/fix/backups/b1')),
      ['velero-backup.json'],
      'no temporary file left',
    );
  });

  test('a key and a key below it cannot both exist: Conflict', async () => {
    const store = createFsObjectStore({ root: freshRoot() });
    await store.put('a', 'file');
    await assert.rejects(store.put('a/b', 'below'), (err) => isLifeboatError(err, 'Conflict'));
    await store.put('c/d', 'below');
    await assert.rejects(store.put('c', 'file'), (err) => isLifeboatError(err, 'Conflict'));
    assert.equal((await store.getBuffer('a')).toString(), 'file');
    await store.delete('c');
    assert.equal(await store.exists('c/d'), true, 'deleting a "directory" key deletes nothing');
  });

  test('temporary files from a crashed write are invisible and do not block deletes', async () => {
    const root = freshRoot();
    const store = createFsObjectStore({ root });
    await store.put('x/y/z', 'v');
    writeFileSync(join(root, 'x/y/.lifeboat-tmp-deadbeef'), 'partial');
    writeFileSync(join(root, '.lifeboat-tmp-0000'), 'partial');
    const keys: string[] = [];
    for await (const info of store.list('')) keys.push(info.key);
    assert.deepEqual(keys, ['x/y/z']);
    assert.deepEqual(await store.listCommonPrefixes(''), ['x/']);
    await assert.rejects(store.put('x/.lifeboat-tmp-1', 'v'), (err) => isLifeboatError(err, 'Invalid'));
    await store.delete('x/y/z');
    assert.deepEqual(await store.listCommonPrefixes(''), [], 'a directory with only leftovers is no prefix');
  });

  test('delete removes emptied parent directories up to the prefix, not the prefix itself', async () => {
    const root = freshRoot();
    const store = createFsObjectStore({ root, prefix: 'p' });
    await store.put('restic/ns1/data/ab/abcdef', 'pack');
    await store.put('restic/ns1/config', 'cfg');
    await store.delete('restic/ns1/data/ab/abcdef');
    assert.deepEqual(readdirSync(join(root, 'p/restic/ns1')), ['config']);
    await store.delete('restic/ns1/config');
    assert.deepEqual(readdirSync(join(root, 'p')), []);
  });

  test('an announced length that the stream does not deliver writes nothing', async () => {
    const store = createFsObjectStore({ root: freshRoot() });
    await assert.rejects(
      store.put('short', Readable.from([Buffer.from('abc')]), { contentLength: 10 }),
      (err) => isLifeboatError(err, 'Invalid'),
    );
    assert.equal(await store.exists('short'), false);
  });

  test('listing skips what is not a regular file and tolerates a missing root', async () => {
    const root = freshRoot();
    const store = createFsObjectStore({ root });
    assert.deepEqual(await store.listCommonPrefixes(''), []);
    mkdirSync(join(root, 'empty/dir'), { recursive: true });
    await store.put('k', 'v');
    const keys: string[] = [];
    for await (const info of store.list('')) keys.push(info.key);
    assert.deepEqual(keys, ['k']);
  });

  test('signedUrl delegates to the signer with the store-relative key', async () => {
    const calls: [string, number][] = [];
    const store = createFsObjectStore({
      root: freshRoot(),
      prefix: 'bsl',
      signer: async (key, ttl) => {
        calls.push([key, ttl]);
        return `http://127.0.0.1:1/download?token=t&key=${encodeURIComponent(key)}`;
      },
    });
    const url = await store.signedUrl('backups/b/b-logs.gz', 600_000);
    assert.equal(url, 'http://127.0.0.1:1/download?token=t&key=backups%2Fb%2Fb-logs.gz');
    assert.deepEqual(calls, [['backups/b/b-logs.gz', 600_000]]);
    await assert.rejects(store.signedUrl('../etc/passwd', 1), (err) => isLifeboatError(err, 'Invalid'));
  });

  test('a prefix may not escape the root', () => {
    assert.throws(
      () => createFsObjectStore({ root: freshRoot(), prefix: '../outside' }),
      (err) => isLifeboatError(err, 'Invalid'),
    );
  });
});
