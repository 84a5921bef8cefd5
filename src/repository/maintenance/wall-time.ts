import { LifeboatError } from '../../core/errors.ts';

/**
 * A snapshot time as restic sees it: the instant, plus the calendar fields in the zone offset written in the
 * time string itself. Go keeps that offset when it parses a snapshot's `time`, and restic's retention buckets
 * (hour, day, ISO week, month, year) use those wall-clock fields, so a snapshot taken at 00:30+02:00 counts
 * for the day it was taken where it was taken, whatever zone the machine running `forget` is in.
 */
export interface WallTime {
  /** Nanoseconds since the Unix epoch. */
  ns: bigint;
  year: number;
  /** 1–12 */
  month: number;
  /** 1–31 */
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** Fraction of the second, in nanoseconds. */
  nanos: number;
  /** Minutes east of UTC. */
  offsetMinutes: number;
}

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/** Parses an RFC 3339 time as Go writes it; throws `Invalid` for anything else. */
export function parseWallTime(text: string): WallTime {
  const m = RFC3339.exec(text);
  if (!m) throw new LifeboatError('Invalid', `not an RFC 3339 time: ${JSON.stringify(text)}`);
  const offsetMinutes = m[8] || !m[9] ? 0 : (m[9] === '-' ? -1 : 1) * (+m[10] * 60 + +m[11]);
  const fields = {
    year: +m[1],
    month: +m[2],
    day: +m[3],
    hour: +m[4],
    minute: +m[5],
    second: +m[6],
    nanos: m[7] ? Number(m[7].padEnd(9, '0')) : 0,
    offsetMinutes,
  };
  return { ...fields, ns: instantOf(fields) };
}

/** The instant of wall-clock fields in their offset (fields may be out of range; they normalise as Go's). */
function instantOf(f: Omit<WallTime, 'ns'>): bigint {
  const ms = Date.UTC(f.year, f.month - 1, f.day, f.hour, f.minute, f.second);
  // Date.UTC maps years 0–99 to 1900–1999; set the year explicitly to keep Go's proleptic calendar.
  const d = new Date(ms);
  if (f.year >= 0 && f.year < 100) d.setUTCFullYear(f.year, f.month - 1, f.day);
  return (BigInt(d.getTime()) - BigInt(f.offsetMinutes) * 60_000n) * 1_000_000n + BigInt(f.nanos);
}

/** Wall-clock fields of `ns` in a zone `offsetMinutes` east of UTC. */
export function wallTimeAt(ns: bigint, offsetMinutes: number): WallTime {
  let seconds = ns / 1_000_000_000n;
  let nanos = ns - seconds * 1_000_000_000n;
  if (nanos < 0n) {
    nanos += 1_000_000_000n;
    seconds -= 1n;
  }
  const d = new Date(Number(seconds) * 1000 + offsetMinutes * 60_000);
  return {
    ns,
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    nanos: Number(nanos),
    offsetMinutes,
  };
}

/**
 * Go's `t.AddDate(years, months, days)`: calendar arithmetic on the wall clock, overflowing days roll into the
 * next month (31 March minus one month is 3 March), the time of day and zone offset are kept.
 */
export function addDate(t: WallTime, years: number, months: number, days: number): WallTime {
  const fields = {
    year: t.year + years,
    month: t.month + months,
    day: t.day + days,
    hour: t.hour,
    minute: t.minute,
    second: t.second,
    nanos: t.nanos,
    offsetMinutes: t.offsetMinutes,
  };
  return wallTimeAt(instantOf(fields), t.offsetMinutes);
}

/** Go's `ISOWeek`: the ISO 8601 year and week number (weeks start on Monday; week 1 holds the first Thursday). */
export function isoWeek(t: Pick<WallTime, 'year' | 'month' | 'day'>): { year: number; week: number } {
  const date = new Date(Date.UTC(2000, t.month - 1, t.day));
  date.setUTCFullYear(t.year, t.month - 1, t.day);
  const weekday = (date.getUTCDay() + 6) % 7; // Monday 0 … Sunday 6
  // The Thursday of this week decides the ISO year.
  const thursday = new Date(date.getTime() + (3 - weekday) * 86_400_000);
  const isoYear = thursday.getUTCFullYear();
  const jan1 = new Date(Date.UTC(2000, 0, 1));
  jan1.setUTCFullYear(isoYear, 0, 1);
  const week = Math.floor((thursday.getTime() - jan1.getTime()) / 86_400_000 / 7) + 1;
  return { year: isoYear, week };
}
