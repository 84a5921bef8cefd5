import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ageSince, humanDuration, parseTimestamp } from './age.ts';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

test('humanDuration follows apimachinery duration.HumanDuration', () => {
  assert.equal(humanDuration(0), '0s');
  assert.equal(humanDuration(119 * S), '119s');
  assert.equal(humanDuration(2 * M), '2m');
  assert.equal(humanDuration(5 * M + 30 * S), '5m30s');
  assert.equal(humanDuration(10 * M + 30 * S), '10m');
  assert.equal(humanDuration(179 * M), '179m');
  assert.equal(humanDuration(3 * H), '3h');
  assert.equal(humanDuration(5 * H + 10 * M), '5h10m');
  assert.equal(humanDuration(8 * H + 10 * M), '8h');
  assert.equal(humanDuration(47 * H), '47h');
  assert.equal(humanDuration(2 * D), '2d');
  assert.equal(humanDuration(3 * D + 4 * H), '3d4h');
  assert.equal(humanDuration(8 * D + 4 * H), '8d');
  assert.equal(humanDuration(729 * D), '729d');
  assert.equal(humanDuration(730 * D), '2y');
  assert.equal(humanDuration(830 * D), '2y100d');
  assert.equal(humanDuration(9 * 365 * D), '9y');
});

test('humanDuration tolerates a second of skew and flags the future', () => {
  assert.equal(humanDuration(-1500), '0s');
  assert.equal(humanDuration(-2 * S), '<invalid>');
});

test('ageSince reads RFC 3339 timestamps and says <unknown> for none', () => {
  const now = new Date('2026-01-01T01:00:00Z');
  assert.equal(ageSince('2026-01-01T00:55:00Z', now), '5m');
  assert.equal(ageSince('2026-01-01T00:59:30.000000Z', now), '30s');
  assert.equal(ageSince('2026-01-01T01:55:00+01:00', now), '5m');
  assert.equal(ageSince(undefined, now), '<unknown>');
  assert.equal(ageSince('yesterday', now), '<unknown>');
  assert.equal(parseTimestamp('2026-01-01'), undefined);
});
