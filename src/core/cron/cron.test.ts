import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isLifeboatError } from '../errors.ts';
import { dueFiring, parseCronSchedule } from './index.ts';

function firings(expr: string, from: string, n: number, timezone?: string): string[] {
  const schedule = parseCronSchedule(expr, timezone);
  const out: string[] = [];
  let at: Date | undefined = new Date(from);
  for (let i = 0; i < n && at; i++) {
    at = schedule.next(at);
    if (at) out.push(at.toISOString().replace('.000Z', 'Z'));
  }
  return out;
}

function fieldOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    assert.ok(isLifeboatError(err), 'a LifeboatError');
    return err.field;
  }
  assert.fail('expected a throw');
}

describe('cron schedules', () => {
  test('five fields in UTC by default', () => {
    assert.deepEqual(firings('15 3 * * *', '2026-05-01T03:15:00Z', 2), [
      '2026-05-02T03:15:00Z',
      '2026-05-03T03:15:00Z',
    ]);
    assert.deepEqual(firings('*/20 * * * 1-5', '2026-05-01T23:30:00Z', 2), [
      // 2026-05-01 is a Friday: 23:40 still is, then the weekend is skipped to Monday 00:00.
      '2026-05-01T23:40:00Z',
      '2026-05-04T00:00:00Z',
    ]);
  });

  test('descriptors', () => {
    const from = '2026-05-01T10:30:00Z';
    assert.deepEqual(firings('@hourly', from, 1), ['2026-05-01T11:00:00Z']);
    assert.deepEqual(firings('@daily', from, 1), ['2026-05-02T00:00:00Z']);
    assert.deepEqual(firings('@midnight', from, 1), ['2026-05-02T00:00:00Z']);
    assert.deepEqual(firings('@weekly', from, 1), ['2026-05-03T00:00:00Z']); // Sunday
    assert.deepEqual(firings('@monthly', from, 1), ['2026-06-01T00:00:00Z']);
    assert.deepEqual(firings('@yearly', from, 1), ['2027-01-01T00:00:00Z']);
  });

  test('@every counts from the given instant', () => {
    assert.deepEqual(firings('@every 1h30m', '2026-05-01T10:00:00.700Z', 2), [
      '2026-05-01T11:30:00Z',
      '2026-05-01T13:00:00Z',
    ]);
    assert.equal(parseCronSchedule('@every 15m').expectedIntervalMs(new Date()), 900_000);
  });

  test('the timezone field and a CRON_TZ prefix (which wins)', () => {
    // 02:00 in New York in May is 06:00 UTC (EDT, UTC-4).
    assert.deepEqual(firings('0 2 * * *', '2026-05-01T00:00:00Z', 1, 'America/New_York'), [
      '2026-05-01T06:00:00Z',
    ]);
    assert.deepEqual(firings('CRON_TZ=Asia/Tokyo 0 2 * * *', '2026-05-01T00:00:00Z', 1, 'America/New_York'), [
      '2026-05-01T17:00:00Z',
    ]);
    assert.equal(parseCronSchedule('TZ=Europe/Berlin @daily').timezone, 'Europe/Berlin');
  });

  test('spring forward: a time inside the skipped hour fires once, at the first valid instant', () => {
    // Berlin, 2026-03-29: 02:00 CET jumps to 03:00 CEST (01:00 UTC); 02:30 does not exist that day.
    assert.deepEqual(firings('30 2 * * *', '2026-03-28T12:00:00Z', 3, 'Europe/Berlin'), [
      '2026-03-29T01:00:00Z',
      '2026-03-30T00:30:00Z',
      '2026-03-31T00:30:00Z',
    ]);
  });

  test('fall back: a time in the repeated hour fires once, hourly schedules fire each real hour', () => {
    // Berlin, 2026-10-25: 03:00 CEST falls back to 02:00 CET; 02:30 happens at 00:30 and 01:30 UTC.
    assert.deepEqual(firings('30 2 * * *', '2026-10-24T12:00:00Z', 3, 'Europe/Berlin'), [
      '2026-10-25T00:30:00Z',
      '2026-10-26T01:30:00Z',
      '2026-10-27T01:30:00Z',
    ]);
    assert.deepEqual(firings('0 * * * *', '2026-10-24T23:30:00Z', 4, 'Europe/Berlin'), [
      '2026-10-25T00:00:00Z',
      '2026-10-25T01:00:00Z',
      '2026-10-25T02:00:00Z',
      '2026-10-25T03:00:00Z',
    ]);
  });

  test('bad input names the field', () => {
    assert.equal(
      fieldOf(() => parseCronSchedule('61 * * * *')),
      'spec.schedule',
    );
    assert.equal(
      fieldOf(() => parseCronSchedule('* * * *')),
      'spec.schedule',
    );
    assert.equal(
      fieldOf(() => parseCronSchedule('0 * * * * *')),
      'spec.schedule',
    );
    assert.equal(
      fieldOf(() => parseCronSchedule('@fortnightly')),
      'spec.schedule',
    );
    assert.equal(
      fieldOf(() => parseCronSchedule('@every soon')),
      'spec.schedule',
    );
    assert.equal(
      fieldOf(() => parseCronSchedule('')),
      'spec.schedule',
    );
    assert.equal(
      fieldOf(() => parseCronSchedule('@daily', 'Mars/Olympus')),
      'spec.timezone',
    );
    assert.equal(
      fieldOf(() => parseCronSchedule('CRON_TZ=Mars/Olympus @daily')),
      'spec.schedule',
    );
  });

  test('missed firings after downtime collapse into one due run', () => {
    const hourly = parseCronSchedule('@hourly');
    const since = new Date('2026-05-01T10:00:00Z');
    assert.deepEqual(dueFiring(hourly, since, new Date('2026-05-01T10:59:59Z')), {
      due: undefined,
      next: new Date('2026-05-01T11:00:00Z'),
    });
    assert.deepEqual(dueFiring(hourly, since, new Date('2026-05-01T15:20:00Z')), {
      due: new Date('2026-05-01T15:00:00Z'),
      next: new Date('2026-05-01T16:00:00Z'),
    });
  });
});
