import type { Clock } from '../../core/clock.ts';

/**
 * Log timestamps as the kubelet writes them with `timestamps=true`: RFC 3339 in UTC with exactly nine
 * fractional digits (`2026-01-01T00:00:00.123456789Z`), strictly increasing so that lines keep their order.
 */
export type LogClock = {
  /** The next timestamp: the clock's millisecond plus a sub-millisecond part that keeps timestamps increasing. */
  next(): { text: string; nanos: bigint };
};

const NS_PER_MS = 1_000_000n;

/**
 * Makes a source of increasing timestamps over `clock`. The clock gives milliseconds; the sub-millisecond
 * digits come from the monotonic high-resolution timer, and ties are broken by adding one nanosecond.
 */
export function createLogClock(clock: Clock): LogClock {
  let last = 0n;
  return {
    next() {
      const ms = BigInt(clock.now().getTime());
      let nanos = ms * NS_PER_MS + (process.hrtime.bigint() % NS_PER_MS);
      if (nanos <= last) nanos = last + 1n;
      last = nanos;
      return { text: formatNanos(nanos), nanos };
    },
  };
}

/** Formats nanoseconds since the epoch as RFC 3339 with nine fractional digits, UTC. */
export function formatNanos(nanos: bigint): string {
  const ms = Number(nanos / NS_PER_MS);
  const iso = new Date(ms).toISOString(); // 2026-01-01T00:00:00.123Z
  const fraction = (nanos % 1_000_000_000n).toString().padStart(9, '0');
  return `${iso.slice(0, 19)}.${fraction}Z`;
}

/**
 * Parses an RFC 3339 time (with or without fractional seconds, `Z` or an offset) into nanoseconds since the
 * epoch; undefined when the text is not one.
 */
export function parseRfc3339Nanos(text: string): bigint | undefined {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/i.exec(text);
  if (!m) return undefined;
  const seconds = Date.parse(`${m[1]}${m[3].toUpperCase()}`);
  if (Number.isNaN(seconds)) return undefined;
  const fraction = BigInt((m[2] ?? '').padEnd(9, '0'));
  return BigInt(seconds) * NS_PER_MS + fraction;
}
