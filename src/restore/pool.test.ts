import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../core/clock.ts';
import { forEachBounded } from './pool.ts';
import { ProgressTracker } from './progress.ts';

test('forEachBounded keeps at most `limit` running and finishes every item', async () => {
  let running = 0;
  let most = 0;
  const done: number[] = [];
  await forEachBounded([...Array(50).keys()], 4, async (i) => {
    running++;
    most = Math.max(most, running);
    await new Promise((r) => setImmediate(r));
    done.push(i);
    running--;
  });
  assert.equal(most, 4);
  assert.equal(done.length, 50);
});

test('forEachBounded stops starting work after a failure or an abort', async () => {
  const started: number[] = [];
  await assert.rejects(
    forEachBounded([1, 2, 3, 4, 5, 6], 2, async (i) => {
      started.push(i);
      if (i === 2) throw new Error('boom');
    }),
    /boom/,
  );
  assert.ok(started.length < 6, `started ${started.join(',')}`);
  const controller = new AbortController();
  const seen: number[] = [];
  await assert.rejects(
    forEachBounded(
      [1, 2, 3, 4],
      1,
      async (i) => {
        seen.push(i);
        controller.abort(new Error('stop'));
      },
      controller.signal,
    ),
    /stop/,
  );
  assert.deepEqual(seen, [1]);
});

test('progress is reported at most once per interval, and the last figures on flush', () => {
  const clock = new ManualClock();
  const reports: number[] = [];
  const progress = new ProgressTracker((p) => reports.push(p.itemsRestored), clock, 1000);
  progress.totalItems = 10;
  for (let i = 0; i < 5; i++) progress.done();
  clock.advance(1000);
  progress.done();
  for (let i = 0; i < 4; i++) progress.done();
  progress.flush();
  assert.deepEqual(reports, [1, 6, 10]);
  assert.deepEqual(progress.snapshot(), { totalItems: 10, itemsRestored: 10 });
});
