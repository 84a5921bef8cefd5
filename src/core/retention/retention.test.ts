import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type RetentionCandidate, selectRetained } from './index.ts';

const DAY = 86_400_000;
const iso = (d: Date): string => d.toISOString().slice(0, 10);

/** One backup a day at 01:00 UTC through 2026; days whose number in the year is a multiple of 10 failed. */
function simulatedYear(): RetentionCandidate[] {
  const out: RetentionCandidate[] = [];
  for (let n = 1; n <= 365; n++) {
    const takenAt = new Date(Date.UTC(2026, 0, 1, 1) + (n - 1) * DAY);
    out.push({
      name: `daily-${iso(takenAt)}`,
      takenAt,
      successful: n % 10 !== 0,
      legalHold: iso(takenAt) === '2026-02-14',
    });
  }
  return out;
}

/** Keeps the newest successful backup of each of the newest `n` distinct keys, computed the plain way. */
function newestPerKey(backups: RetentionCandidate[], n: number, key: (d: Date) => string): string[] {
  const byKey = new Map<string, RetentionCandidate>();
  for (const b of backups) {
    if (!b.successful) continue;
    const k = key(b.takenAt);
    const held = byKey.get(k);
    if (!held || held.takenAt < b.takenAt) byKey.set(k, b);
  }
  return [...byKey.values()]
    .sort((a, b) => b.takenAt.getTime() - a.takenAt.getTime())
    .slice(0, n)
    .map((b) => b.name);
}

describe('GFS retention', () => {
  test('a simulated year: the exact set kept', () => {
    const year = simulatedYear();
    const decision = selectRetained(year, { last: 2, daily: 7, weekly: 4, monthly: 12, yearly: 3 });

    const mondayOf = (d: Date): string => iso(new Date(d.getTime() - ((d.getUTCDay() + 6) % 7) * DAY));
    const expected = new Set([
      ...newestPerKey(year, 2, (d) => d.toISOString()),
      ...newestPerKey(year, 7, iso),
      ...newestPerKey(year, 4, mondayOf),
      ...newestPerKey(year, 12, (d) => String(d.getUTCMonth())),
      ...newestPerKey(year, 3, (d) => String(d.getUTCFullYear())),
      'daily-2026-02-14',
    ]);
    assert.deepEqual(new Set(decision.keep.keys()), expected);
    assert.equal(decision.remove.length, 365 - expected.size);

    // Spelled out, so the independent computation above is itself checked: day 360 (Dec 26) failed, so
    // the 7 newest days with a success reach back to Dec 24; Dec 31 (Thursday) ends ISO week 53.
    const kept = [...decision.keep.keys()].sort();
    assert.deepEqual(kept, [
      'daily-2026-01-31',
      'daily-2026-02-14',
      'daily-2026-02-28',
      'daily-2026-03-30', // Mar 31 is day 90: failed
      'daily-2026-04-29', // Apr 30 is day 120: failed, so the month's newest success is the 29th
      'daily-2026-05-31',
      'daily-2026-06-30',
      'daily-2026-07-31',
      'daily-2026-08-31',
      'daily-2026-09-30',
      'daily-2026-10-31',
      'daily-2026-11-30',
      'daily-2026-12-13',
      'daily-2026-12-20',
      'daily-2026-12-24',
      'daily-2026-12-25',
      'daily-2026-12-27',
      'daily-2026-12-28',
      'daily-2026-12-29',
      'daily-2026-12-30',
      'daily-2026-12-31',
    ]);
    assert.deepEqual(decision.keep.get('daily-2026-12-31'), [
      'last',
      'daily',
      'weekly',
      'monthly',
      'yearly',
      'newest-successful',
    ]);
    assert.deepEqual(decision.keep.get('daily-2026-02-14'), ['legal-hold']);
  });

  test('a run of failures never removes the newest success; the newest failure stays for diagnosis', () => {
    const start = Date.UTC(2026, 5, 1);
    const backups: RetentionCandidate[] = Array.from({ length: 30 }, (_, i) => ({
      name: `b${String(i).padStart(2, '0')}`,
      takenAt: new Date(start + i * 3_600_000),
      successful: i < 10,
      legalHold: false,
    }));
    const decision = selectRetained(backups, {});
    assert.deepEqual([...decision.keep.entries()].sort(), [
      ['b09', ['newest-successful']],
      ['b29', ['newest-failure']],
    ]);
    assert.equal(decision.remove.length, 28);
    assert.equal(decision.remove[0], 'b28');
  });

  test('periods are counted in the schedule’s time zone', () => {
    const backups: RetentionCandidate[] = [
      { name: 'a', takenAt: new Date('2026-05-01T02:00:00Z'), successful: true, legalHold: false },
      { name: 'b', takenAt: new Date('2026-05-01T06:00:00Z'), successful: true, legalHold: false },
      { name: 'c', takenAt: new Date('2026-05-02T02:00:00Z'), successful: true, legalHold: false },
    ];
    // UTC days: May 1 {a, b}, May 2 {c}. New York (UTC-4): Apr 30 {a}, May 1 {b, c}.
    assert.deepEqual(new Set(selectRetained(backups, { daily: 2 }, 'UTC').keep.keys()), new Set(['c', 'b']));
    assert.deepEqual(
      new Set(selectRetained(backups, { daily: 2 }, 'America/New_York').keep.keys()),
      new Set(['c', 'a']),
    );
  });

  test('the two 02:00 hours of a fall-back night are two hours', () => {
    // Berlin, 2026-10-25: 02:30 CEST = 00:30Z and 02:30 CET = 01:30Z.
    const backups: RetentionCandidate[] = [
      { name: 'first', takenAt: new Date('2026-10-25T00:30:00Z'), successful: true, legalHold: false },
      { name: 'second', takenAt: new Date('2026-10-25T01:30:00Z'), successful: true, legalHold: false },
    ];
    assert.deepEqual(
      new Set(selectRetained(backups, { hourly: 5 }, 'Europe/Berlin').keep.keys()),
      new Set(['first', 'second']),
    );
  });
});
