import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { isLifeboatError } from '../core/errors.ts';
import { readAll } from './body.ts';
import { createFaultyObjectStore, SimulatedCrash } from './faulty.ts';
import { createMemoryObjectStore } from './memory.ts';

const transient = (e: unknown): boolean => isLifeboatError(e, 'Unavailable') && e.retryable;
const crash = (e: unknown): boolean => e instanceof SimulatedCrash;

test('a rule fires on the nth matching call, for its number of times, on matching keys only', async () => {
  const inner = createMemoryObjectStore();
  const store = createFaultyObjectStore(inner, [
    { method: 'put', key: /^data\//, nth: 2, times: 2, action: 'fail' },
  ]);
  await store.put('data/1', 'a');
  await store.put('index/1', 'not matching');
  await assert.rejects(store.put('data/2', 'b'), transient);
  await assert.rejects(store.put('data/3', 'c'), transient);
  await store.put('data/4', 'd');
  assert.deepEqual([...inner.bucket.keys()].sort(), ['data/1', 'data/4', 'index/1']);
  assert.deepEqual(
    store.calls.map((c) => `${c.key}:${c.fault ?? ''}`),
    ['data/1:', 'index/1:', 'data/2:fail', 'data/3:fail', 'data/4:'],
  );
});

test('throw rejects with the given permanent error; a string key matches by prefix', async () => {
  const boom = new Error('disk on fire');
  const store = createFaultyObjectStore(createMemoryObjectStore(), [
    {
      method: ['stat', 'exists'],
      key: 'locks/',
      action: 'throw',
      error: boom,
      times: Number.POSITIVE_INFINITY,
    },
  ]);
  await assert.rejects(store.stat('locks/a'), (e) => e === boom);
  await assert.rejects(store.exists('locks/b'), (e) => e === boom);
  assert.equal(await store.exists('keys/a'), false);
});

test('crash stops the "process": nothing is stored and every later call fails until revive', async () => {
  const inner = createMemoryObjectStore();
  const store = createFaultyObjectStore(inner, [
    { method: 'put', key: 'backups/b/velero-backup.json', action: 'crash' },
  ]);
  await store.put('backups/b/b.tar.gz', 'tar');
  await assert.rejects(store.put('backups/b/velero-backup.json', Readable.from([Buffer.from('{}')])), crash);
  assert.equal(store.crashed, true);
  await assert.rejects(store.getBuffer('backups/b/b.tar.gz'), crash);
  await assert.rejects(store.delete('backups/b/b.tar.gz'), crash);
  assert.equal(await inner.exists('backups/b/velero-backup.json'), false);
  store.revive();
  assert.equal((await store.getBuffer('backups/b/b.tar.gz')).toString(), 'tar');
});

test('crash-after and fail-after let the call take effect first', async () => {
  const inner = createMemoryObjectStore();
  const store = createFaultyObjectStore(inner, [
    { method: 'delete', action: 'fail-after' },
    { method: 'put', key: 'k2', action: 'crash-after' },
  ]);
  await inner.put('k1', 'v');
  await assert.rejects(store.delete('k1'), transient);
  assert.equal(await inner.exists('k1'), false, 'the delete happened');
  await assert.rejects(store.put('k2', 'v2'), crash);
  assert.equal((await inner.getBuffer('k2')).toString(), 'v2');
});

test('truncate leaves a partial object (a non-atomic store crashing mid-upload); drop loses the write', async () => {
  const inner = createMemoryObjectStore();
  const store = createFaultyObjectStore(inner, [
    { method: 'put', key: 'data/pack1', action: 'truncate', bytes: 3 },
    { method: 'put', key: 'data/pack2', action: 'drop' },
  ]);
  await store.put('data/pack2', 'lost');
  assert.equal(await inner.exists('data/pack2'), false);
  await assert.rejects(
    store.put('data/pack1', Readable.from([Buffer.from('0123456789')]), { contentLength: 10 }),
    crash,
  );
  assert.equal((await inner.getBuffer('data/pack1')).toString(), '012');
  assert.equal(store.crashed, true);
});

test('break cuts a download or a listing part-way with a transient error', async () => {
  const inner = createMemoryObjectStore();
  await inner.put('big', Buffer.alloc(100, 1));
  for (const k of ['l/a', 'l/b', 'l/c']) await inner.put(k, k);
  const store = createFaultyObjectStore(inner, [
    { method: 'get', action: 'break', bytes: 40 },
    { method: 'list', action: 'break', items: 2 },
  ]);
  const stream = await store.get('big');
  const received: Buffer[] = [];
  await assert.rejects(
    (async () => {
      for await (const chunk of stream) received.push(chunk as Buffer);
    })(),
    transient,
  );
  assert.equal(Buffer.concat(received).length, 40);
  const listed: string[] = [];
  await assert.rejects(
    (async () => {
      for await (const info of store.list('l/')) listed.push(info.key);
    })(),
    transient,
  );
  assert.deepEqual(listed, ['l/a', 'l/b']);
  assert.equal((await readAll(await store.get('big'))).length, 100, 'the rule fired once');
});

test('rules can be added and cleared while running', async () => {
  const store = createFaultyObjectStore(createMemoryObjectStore());
  await store.put('a', '1');
  store.inject({ action: 'fail', times: Number.POSITIVE_INFINITY });
  await assert.rejects(store.getBuffer('a'), transient);
  await assert.rejects(store.listCommonPrefixes(''), transient);
  store.clear();
  assert.equal((await store.getBuffer('a')).toString(), '1');
});
