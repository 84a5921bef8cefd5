import type { Writable } from 'node:stream';
import { stringify } from 'yaml';
import { UsageError } from '../../core/errors.ts';

/** The `-o` formats of the resource commands. */
export const OUTPUT_FORMATS = ['table', 'json', 'yaml'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** commander parser for `-o/--output`. */
export function parseOutputFormat(value: string): OutputFormat {
  if ((OUTPUT_FORMATS as readonly string[]).includes(value)) return value as OutputFormat;
  throw new UsageError(
    `-o/--output: must be one of ${OUTPUT_FORMATS.join(', ')} (got ${JSON.stringify(value)})`,
  );
}

/**
 * Prints resources as JSON or YAML the way kubectl does: one object alone, several as a `v1` `List`.
 * Returns false for `table`, which the caller renders itself.
 */
export function printStructured(
  out: Writable,
  format: OutputFormat,
  items: readonly unknown[],
  single: boolean,
): boolean {
  if (format === 'table') return false;
  items = items.map(withoutManagedFields);
  const value = single && items.length === 1 ? items[0] : { apiVersion: 'v1', kind: 'List', items };
  out.write(format === 'json' ? `${JSON.stringify(value, null, 2)}\n` : stringify(value));
  return true;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** `2026-05-01 13:45:07 +0000 UTC`, as Velero prints times; `<n/a>` when unset. */
export function formatTimestamp(time: string | null | undefined): string {
  if (!time) return '<n/a>';
  const d = new Date(time);
  if (Number.isNaN(d.getTime())) return time;
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000 UTC`;
}

/** A span as kubectl prints ages: `45s`, `12m`, `5h`, `29d` (rounded down; negative spans are `0s`). */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 120) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h`;
  return `${Math.floor(h / 24)}d`;
}

/** `a,b` for a list, `<none>` when empty or unset (Velero's describe wording), or `fallback`. */
export function listOrNone(list: readonly string[] | null | undefined, fallback = '<none>'): string {
  return list && list.length > 0 ? list.join(', ') : fallback;
}

/** `k=v, k2=v2` sorted by key, `<none>` when empty. */
export function mapOrNone(map: Readonly<Record<string, string>> | null | undefined): string {
  const keys = Object.keys(map ?? {}).sort();
  return keys.length === 0 ? '<none>' : keys.map((k) => `${k}=${map?.[k]}`).join(', ');
}

/** kubectl leaves managedFields out of `-o yaml|json` unless asked; so does Lifeboat. */
function withoutManagedFields(item: unknown): unknown {
  const meta = (item as { metadata?: Record<string, unknown> } | null)?.metadata;
  if (!meta || !('managedFields' in meta)) return item;
  const { managedFields: _, ...rest } = meta;
  return { ...(item as object), metadata: rest };
}
