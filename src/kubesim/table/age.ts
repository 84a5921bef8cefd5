/**
 * Ages as the API server prints them in Table cells: apimachinery's `duration.HumanDuration`, and
 * `<unknown>` for a missing timestamp. Ages are computed by the server, so `now` is injected.
 */

/** `HumanDuration`: 45s, 5m30s, 30m, 5h10m, 20h, 3d4h, 30d, 2y100d, 9y; `<invalid>` far in the future. */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  // A second or two in the future is clock skew between machines, not an error.
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  const days = Math.floor(hours / 24);
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${days}d` : `${days}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${days}d`;
  const years = Math.floor(days / 365);
  if (hours < 24 * 365 * 8) {
    const d = days % 365;
    return d === 0 ? `${years}y` : `${years}y${d}d`;
  }
  return `${years}y`;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;

/** Parses an RFC 3339 timestamp (metav1.Time / MicroTime); `undefined` when absent or malformed. */
export function parseTimestamp(value: unknown): Date | undefined {
  if (typeof value !== 'string' || !RFC3339.test(value)) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** `translateTimestampSince`: the age of a timestamp, `<unknown>` when there is none. */
export function ageSince(timestamp: unknown, now: Date): string {
  const date = parseTimestamp(timestamp);
  if (!date) return '<unknown>';
  return humanDuration(now.getTime() - date.getTime());
}
