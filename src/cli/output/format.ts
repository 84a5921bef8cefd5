/** Human-readable sizes, durations, percentages and times, in restic's style, for every command's output. */

const UNITS = [
  [2 ** 40, 'TiB'],
  [2 ** 30, 'GiB'],
  [2 ** 20, 'MiB'],
  [2 ** 10, 'KiB'],
] as const;

/** `1.234 MiB`; below 1 KiB, `123 B`. */
export function formatBytes(bytes: number): string {
  for (const [size, unit] of UNITS) if (bytes >= size) return `${(bytes / size).toFixed(3)} ${unit}`;
  return `${Math.round(bytes)} B`;
}

/** `part` as a percentage of `total` with two decimals (`12.50%`); `0.00%` when total is 0. */
export function formatPercent(part: number, total: number): string {
  return `${(total === 0 ? 0 : (part / total) * 100).toFixed(2)}%`;
}

/** `0:07`, `12:34`, `1:02:03`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** `2024-05-01 13:45:07` in the local zone of this machine (restic prints snapshot times this way). */
export function formatLocalTime(time: Date | string): string {
  const d = typeof time === 'string' ? new Date(time) : time;
  if (Number.isNaN(d.getTime())) return String(time);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** A ratio as `2.50x`. */
export function formatRatio(ratio: number): string {
  return `${ratio.toFixed(2)}x`;
}
