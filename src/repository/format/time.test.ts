import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatGoTime, parseGoTime } from './time.ts';

test('formats like Go RFC3339Nano: trailing zeros dropped, zone offset, Z for UTC', () => {
  const ns = 1_700_000_000_123_450_000n;
  assert.equal(formatGoTime(ns, 0), '2023-11-14T22:13:20.12345Z');
  assert.equal(formatGoTime(ns, 60), '2023-11-14T23:13:20.12345+01:00');
  assert.equal(formatGoTime(1_700_000_000_000_000_000n, -330), '2023-11-14T16:43:20-05:30');
});

test('parse inverts format, in any zone, to the nanosecond', () => {
  for (const ns of [0n, 1n, 1_700_000_000_123_456_789n, -1_000_000_001n]) {
    for (const off of [0, 60, -420, 345]) assert.equal(parseGoTime(formatGoTime(ns, off)), ns);
  }
  assert.equal(parseGoTime('2022-08-01T10:11:12.5+02:00'), 1_659_341_472_500_000_000n);
  assert.throws(() => parseGoTime('yesterday'), /RFC 3339/);
});
