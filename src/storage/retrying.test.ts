import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import pino from 'pino';
import type { Clock } from '../core/clock.ts';
import { isLifeboatError } from '../core/errors.ts';
import { createFaultyObjectStore } from './faulty.ts';
import { createMemoryObjectStore } from './memory.ts';
import { createRetryingObjectStore } from './retrying.ts';

/** A clock whose sleeps return at once and are recorded. */
function recordingClock(): Clock & { slept: number[] } {
  const slept: number[] = [];
  return { slept, now: () => new Date(), sleep: async (ms: number) => void slept.push(ms) };
}

test('transient failures are retried with exponential, capped, jittered backoff', async () => {
  const inner = createMemoryObjectStore();
  await inner.put('k', 'v');
  const faulty = createFaultyObjectStore(inner, [{ method: 'getBuffer', action: 'fail', times: 5 }]);
  const clock = recordingClock();
  const store = createRetryingObjectStore(faulty, {
    attempts: 6,
    baseDelayMs: 100,
    maxDelayMs: 500,
    clock,
    random: () => 0.5,
  });
  assert.equal((await store.getBuffer('k')).toString(), 'v');
  assert.deepEqual(clock.slept, [50, 100, 200, 250, 250]);
  assert.equal(faulty.calls.length, 6);
});

test('permanent errors pass through at once; the last transient error after the last attempt', async () => {
  const faulty = createFaultyObjectStore(createMemoryObjectStore(), [
    { method: 'stat', action: 'fail', times: Number.POSITIVE_INFINITY },
  ]);
  const clock = recordingClock();
  const store = createRetryingObjectStore(faulty, { attempts: 3, clock });
  await assert.rejects(store.getBuffer('missing'), (e) => isLifeboatError(e, 'NotFound'));
  assert.equal(clock.slept.length, 0, 'NotFound is not retried');
  await assert.rejects(store.stat('x'), (e) => isLifeboatError(e, 'Unavailable'));
  assert.equal(faulty.calls.filter((c) => c.method === 'stat').length, 3);
  assert.equal(clock.slept.length, 2);
});

test('a streamed put is not retried (its body is spent); an in-memory one is', async () => {
  const inner = createMemoryObjectStore();
  const faulty = createFaultyObjectStore(inner, [{ method: 'put', action: 'fail', times: 2 }]);
  const store = createRetryingObjectStore(faulty, { clock: recordingClock() });
  await assert.rejects(store.put('s', Readable.from([Buffer.from('stream')])), (e) =>
    isLifeboatError(e, 'Unavailable'),
  );
  await store.put('b', Buffer.from('bytes'));
  assert.equal((await inner.getBuffer('b')).toString(), 'bytes');
  assert.equal(await inner.exists('s'), false);
});

test('a create-if-absent put whose first attempt landed succeeds; someone else’s object is AlreadyExists', async () => {
  const inner = createMemoryObjectStore();
  const faulty = createFaultyObjectStore(inner, [
    { method: 'put', key: 'locks/', action: 'fail-after', times: 2 },
  ]);
  const store = createRetryingObjectStore(faulty, { clock: recordingClock() });
  await store.put('locks/mine', 'owner=me', { ifNoneMatch: true });
  assert.equal((await inner.getBuffer('locks/mine')).toString(), 'owner=me');
  await inner.put('locks/theirs', 'owner=them');
  await assert.rejects(store.put('locks/theirs', 'owner=me', { ifNoneMatch: true }), (e) =>
    isLifeboatError(e, 'AlreadyExists'),
  );
});

test('a listing that fails part-way resumes after the last key it yielded', async () => {
  const inner = createMemoryObjectStore();
  const keys = ['p/a', 'p/b', 'p/c', 'p/d', 'p/e'];
  for (const k of keys) await inner.put(k, k);
  const faulty = createFaultyObjectStore(inner, [
    { method: 'list', action: 'break', items: 2 },
    { method: 'list', action: 'break', items: 3, nth: 2 },
  ]);
  const lines: string[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) });
  const store = createRetryingObjectStore(faulty, { clock: recordingClock(), logger });
  const listed: string[] = [];
  for await (const info of store.list('p/')) listed.push(info.key);
  assert.deepEqual(listed, keys);
  assert.equal(lines.length, 2);
  assert.match(lines[0], /"op":"list"/);
});

test('close is forwarded when the store has one', async () => {
  let closed = 0;
  const inner = Object.assign(createMemoryObjectStore(), { close: async () => void closed++ });
  const store = createRetryingObjectStore(inner);
  await store.close?.();
  assert.equal(closed, 1);
  assert.equal(createRetryingObjectStore(createMemoryObjectStore()).close, undefined);
});
