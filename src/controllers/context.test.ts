import assert from 'node:assert/strict';
import { test } from 'node:test';
import { systemClock } from '../core/clock.ts';
import { ThrottledProgress, timestamp } from './context.ts';

test('progress is sent at most once per interval, one write at a time, the latest value winning', async () => {
  const sent: number[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const progress = new ThrottledProgress<number>(
    async (value) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setTimeout(r, 30));
      sent.push(value);
      inFlight--;
    },
    50,
    systemClock,
    () => assert.fail('no write fails here'),
  );
  for (let i = 1; i <= 5; i++) progress.report(i);
  await new Promise((r) => setTimeout(r, 150));
  for (let i = 6; i <= 9; i++) progress.report(i);
  await new Promise((r) => setTimeout(r, 150));
  await progress.close();
  // 1 goes at once, 2-4 are overtaken by 5; after the pause 6 may go at once, 7-8 are overtaken by 9.
  assert.deepEqual(sent.slice(0, 2), [1, 5]);
  assert.equal(sent.at(-1), 9);
  assert.ok(sent.length <= 4 && sent.every((v, i) => i === 0 || v > sent[i - 1]), String(sent));
  assert.equal(maxInFlight, 1);
});

test('close waits for a write in flight and drops later reports', async () => {
  const sent: number[] = [];
  const progress = new ThrottledProgress<number>(
    async (value) => {
      await new Promise((r) => setTimeout(r, 40));
      sent.push(value);
    },
    1000,
    systemClock,
    () => undefined,
  );
  progress.report(1);
  progress.report(2);
  await progress.close();
  progress.report(3);
  assert.deepEqual(sent, [1]);
});

test('timestamps are whole seconds, as Kubernetes writes them', () => {
  assert.equal(timestamp(new Date('2026-05-01T10:00:00.987Z')), '2026-05-01T10:00:00Z');
});
