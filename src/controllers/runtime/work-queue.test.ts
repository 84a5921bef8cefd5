import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../../core/clock.ts';
import { WorkQueue } from './work-queue.ts';

const tick = () => new Promise((r) => setImmediate(r));

test('a key is queued once however often it is added, in first-added order', async () => {
  const q = new WorkQueue();
  q.add('a');
  q.add('b');
  q.add('a');
  assert.equal(q.length, 2);
  assert.equal(await q.get(), 'a');
  assert.equal(await q.get(), 'b');
  assert.equal(q.length, 0);
  q.done('a');
  q.done('b');
  await q.shutDown();
});

test('a key added while processed is handed out again only after done, never to two workers', async () => {
  const q = new WorkQueue();
  q.add('k');
  const key = await q.get();
  q.add('k');
  q.add('k');
  assert.equal(q.length, 0, 'not queued while processing');
  let second: string | undefined;
  const waiting = q.get().then((k) => {
    second = k;
  });
  await tick();
  assert.equal(second, undefined);
  q.done(key!);
  await waiting;
  assert.equal(second, 'k');
  q.done('k');
  assert.equal(q.length, 0);
  await q.shutDown();
});

test('addRateLimited backs off exponentially per key up to the cap; forget resets it', async () => {
  const clock = new ManualClock();
  const q = new WorkQueue({ clock, baseDelayMs: 100, maxDelayMs: 500, qps: 1000, burst: 1000 });
  const delays: number[] = [];
  for (let i = 0; i < 5; i++) {
    const start = clock.now().getTime();
    q.addRateLimited('x');
    let got = false;
    const p = q.get().then(() => {
      got = true;
    });
    let waited = 0;
    while (!got) {
      clock.advance(50);
      waited += 50;
      await tick();
    }
    await p;
    delays.push(waited);
    q.done('x');
    assert.ok(clock.now().getTime() - start >= waited);
  }
  assert.deepEqual(delays, [100, 200, 400, 500, 500]);
  assert.equal(q.retries('x'), 5);
  q.forget('x');
  assert.equal(q.retries('x'), 0);
  await q.shutDown();
});

test('the token bucket spaces rate-limited adds once the burst is spent', async () => {
  const clock = new ManualClock();
  const q = new WorkQueue({ clock, baseDelayMs: 1, qps: 10, burst: 2 });
  q.addRateLimited('a');
  q.addRateLimited('b');
  q.addRateLimited('c'); // the burst is spent: 100 ms
  clock.advance(1);
  await tick();
  assert.equal(q.length, 2);
  clock.advance(98);
  await tick();
  assert.equal(q.length, 2);
  clock.advance(1);
  await tick();
  assert.equal(q.length, 3);
  await q.shutDown();
});

test('addAfter keeps only the earliest pending time of a key', async () => {
  const clock = new ManualClock();
  const q = new WorkQueue({ clock });
  q.addAfter('k', 1000);
  q.addAfter('k', 100);
  q.addAfter('k', 500);
  clock.advance(100);
  await tick();
  assert.equal(q.length, 1);
  assert.equal(await q.get(), 'k');
  q.done('k');
  clock.advance(1000);
  await tick();
  assert.equal(q.length, 0, 'the later timers were superseded');
  await q.shutDown();
});

test('shutDown answers waiting gets with undefined, drops queued and delayed keys, and waits for processing', async () => {
  const q = new WorkQueue();
  const idle = q.get();
  q.add('busy');
  assert.equal(await idle, 'busy');
  q.add('queued');
  q.addAfter('later', 60_000);
  const waiter = new WorkQueue();
  const pending = waiter.get();
  await waiter.shutDown();
  assert.equal(await pending, undefined);

  let shut = false;
  const shutting = q.shutDown().then(() => {
    shut = true;
  });
  await tick();
  assert.equal(shut, false, 'a key is still processed');
  assert.equal(await q.get(), undefined);
  q.add('after');
  assert.equal(q.length, 0);
  q.done('busy');
  await shutting;
  assert.equal(shut, true);
});
