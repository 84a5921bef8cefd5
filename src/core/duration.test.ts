import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatDuration, humanAge, parseDuration } from './duration.ts';

test('parseDuration reads Go durations', () => {
  assert.equal(parseDuration('720h'), 720 * 3_600_000);
  assert.equal(parseDuration('720h0m0s'), 720 * 3_600_000);
  assert.equal(parseDuration('1h30m'), 90 * 60_000);
  assert.equal(parseDuration('1.5s'), 1500);
  assert.equal(parseDuration('250ms'), 250);
  assert.equal(parseDuration('-2m'), -120_000);
  assert.equal(parseDuration('0'), 0);
});

test('parseDuration rejects what Go rejects, naming the text', () => {
  for (const bad of ['', '10', 'h', '1d', '1h-5m', '1 h']) {
    assert.throws(
      () => parseDuration(bad),
      (err: Error) => err.message.includes(`"${bad}"`),
    );
  }
});

test('formatDuration prints what parseDuration reads back', () => {
  for (const ms of [0, 250, 1000, 90_000, 720 * 3_600_000, 3_661_000]) {
    assert.equal(parseDuration(formatDuration(ms)), ms);
  }
  assert.equal(formatDuration(720 * 3_600_000), '720h0m0s');
});

test('humanAge matches kubectl age style', () => {
  assert.equal(humanAge(5_000), '5s');
  assert.equal(humanAge(5 * 60_000 + 30_000), '5m30s');
  assert.equal(humanAge(30 * 60_000), '30m');
  assert.equal(humanAge(5 * 3_600_000), '5h');
  assert.equal(humanAge(3 * 86_400_000), '3d');
  assert.equal(humanAge(-1), '<unknown>');
});
