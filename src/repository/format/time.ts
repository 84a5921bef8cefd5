import { LifeboatError } from '../../core/errors.ts';

/**
 * Time stamps as Go's `time.Time` marshals them (RFC 3339 with nanoseconds, trailing zeros dropped, and the
 * zone offset in force at that instant), which is how restic writes `time`, `mtime`, `atime`, `ctime`.
 * Internally times are nanoseconds since the Unix epoch as bigint, so nothing is lost between stat and restore.
 */

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** Formats `ns` (nanoseconds since the epoch) in the zone given by `offsetMinutes` east of UTC (default: local). */
export function formatGoTime(ns: bigint, offsetMinutes?: number): string {
  let secs = ns / 1_000_000_000n;
  let frac = ns % 1_000_000_000n;
  if (frac < 0n) {
    frac += 1_000_000_000n;
    secs -= 1n;
  }
  const ms = Number(secs) * 1000;
  const offset = offsetMinutes ?? -new Date(ms).getTimezoneOffset();
  const d = new Date(ms + offset * 60_000);
  let s = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  if (frac !== 0n) s += `.${frac.toString().padStart(9, '0').replace(/0+$/, '')}`;
  if (offset === 0) return `${s}Z`;
  const sign = offset < 0 ? '-' : '+';
  const a = Math.abs(offset);
  return `${s}${sign}${pad(Math.floor(a / 60))}:${pad(a % 60)}`;
}

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/** Parses an RFC 3339 time (as Go writes it) to nanoseconds since the epoch. Throws `Invalid` otherwise. */
export function parseGoTime(s: string): bigint {
  const m = RFC3339.exec(s);
  if (!m) throw new LifeboatError('Invalid', `not an RFC 3339 time: ${JSON.stringify(s)}`);
  const ms = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
  let offsetMin = 0;
  if (!m[8] && m[9]) offsetMin = (m[9] === '-' ? -1 : 1) * (+m[10] * 60 + +m[11]);
  const frac = m[7] ? BigInt(m[7].padEnd(9, '0')) : 0n;
  return (BigInt(ms) - BigInt(offsetMin) * 60_000n) * 1_000_000n + frac;
}

/** Go's zero `time.Time` as restic writes it for unset times. */
export const GO_ZERO_TIME = '0001-01-01T00:00:00Z';

export function nowNs(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}
