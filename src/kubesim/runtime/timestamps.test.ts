import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../../core/clock.ts';
import { createLogClock, formatNanos, parseRfc3339Nanos } from './timestamps.ts';

test('formatNanos writes nine fractional digits in UTC', () => {
  assert.equal(formatNanos(1_767_225_600_000_000_000n), '2026-01-01T00:00:00.000000000Z');
  assert.equal(formatNanos(1_767_225_600_123_456_789n), '2026-01-01T00:00:00.123456789Z');
});

test('parseRfc3339Nanos reads what kubectl sends and what formatNanos writes', () => {
  assert.equal(parseRfc3339Nanos('2026-01-01T00:00:00Z'), 1_767_225_600_000_000_000n);
  assert.equal(parseRfc3339Nanos('2026-01-01T00:00:00.5Z'), 1_767_225_600_500_000_000n);
  assert.equal(parseRfc3339Nanos('2026-01-01T01:00:00+01:00'), 1_767_225_600_000_000_000n);
  assert.equal(parseRfc3339Nanos(formatNanos(1_767_225_600_123_456_789n)), 1_767_225_600_123_456_789n);
  assert.equal(parseRfc3339Nanos('yesterday'), undefined);
  assert.equal(parseRfc3339Nanos('2026-01-01 00:00:00Z'), undefined);
});

test('a log clock follows its clock and never repeats or goes back', () => {
  const clock = new ManualClock('2026-05-01T12:00:00Z');
  const logClock = createLogClock(clock);
  const stamps = Array.from({ length: 1000 }, () => logClock.next());
  for (let i = 1; i < stamps.length; i++) assert.ok(stamps[i].nanos > stamps[i - 1].nanos);
  assert.match(stamps[0].text, /^2026-05-01T12:00:00\.000\d{6}Z$/);
  clock.advance(1500);
  assert.match(logClock.next().text, /^2026-05-01T12:00:01\.500\d{6}Z$/);
});
