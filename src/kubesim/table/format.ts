import { canonicalQuantity } from '../registry/quantity.ts';
import type { KubeObject } from '../registry/types.ts';

/**
 * Small readers and formatters shared by the Table printers: safe access into untyped objects, and the
 * cell formats the real printers use (labels, selectors, container lists, access modes).
 */

export type Json = Record<string, unknown>;

/** The object at `obj[k1][k2]…`, or `{}` when any step is missing or not an object. */
export function obj(value: unknown, ...path: string[]): Json {
  let cur: unknown = value;
  for (const k of path) {
    cur = cur !== null && typeof cur === 'object' && !Array.isArray(cur) ? (cur as Json)[k] : undefined;
  }
  return cur !== null && typeof cur === 'object' && !Array.isArray(cur) ? (cur as Json) : {};
}

export function arr(value: unknown): Json[] {
  return Array.isArray(value) ? (value.filter((v) => v !== null && typeof v === 'object') as Json[]) : [];
}

export function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

export function num(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

export function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

export function spec(o: KubeObject): Json {
  return obj(o, 'spec');
}

export function status(o: KubeObject): Json {
  return obj(o, 'status');
}

/** `labels.FormatLabels`: `a=1,b=2` sorted by key, `<none>` when empty. */
export function formatLabels(labels: unknown): string {
  const entries = Object.entries(obj(labels)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (entries.length === 0) return '<none>';
  return entries.map(([k, v]) => `${k}=${String(v)}`).join(',');
}

/**
 * `metav1.LabelSelectorAsSelector(...).String()`: requirements sorted by key, `k=v`, `k in (a,b)`,
 * `k notin (a,b)`, `k`, `!k`; the empty string for an empty or missing selector.
 */
export function selectorString(selector: unknown): string {
  const sel = obj(selector);
  const reqs: { key: string; text: string }[] = [];
  for (const [k, v] of Object.entries(obj(sel.matchLabels))) reqs.push({ key: k, text: `${k}=${String(v)}` });
  for (const e of arr(sel.matchExpressions)) {
    const k = str(e.key);
    const values = strings(e.values).sort();
    switch (e.operator) {
      case 'In':
        reqs.push({ key: k, text: `${k} in (${values.join(',')})` });
        break;
      case 'NotIn':
        reqs.push({ key: k, text: `${k} notin (${values.join(',')})` });
        break;
      case 'Exists':
        reqs.push({ key: k, text: k });
        break;
      case 'DoesNotExist':
        reqs.push({ key: k, text: `!${k}` });
        break;
      default:
        return '<error>';
    }
  }
  return reqs
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((r) => r.text)
    .join(',');
}

/** `metav1.FormatLabelSelector`: the selector string, `<none>` when it selects by nothing. */
export function formatLabelSelector(selector: unknown): string {
  const text = selectorString(selector);
  return text === '' ? '<none>' : text;
}

/** `layoutContainerCells`: container names and images, each comma-joined. */
export function containerCells(podSpec: Json): [string, string] {
  const containers = arr(podSpec.containers);
  return [containers.map((c) => str(c.name)).join(','), containers.map((c) => str(c.image)).join(',')];
}

/** `GetAccessModesAsString`: RWO, ROX, RWX, RWOP in that order, deduplicated. */
export function accessModes(modes: unknown): string {
  const set = new Set(strings(modes));
  const out: string[] = [];
  if (set.has('ReadWriteOnce')) out.push('RWO');
  if (set.has('ReadOnlyMany')) out.push('ROX');
  if (set.has('ReadWriteMany')) out.push('RWX');
  if (set.has('ReadWriteOncePod')) out.push('RWOP');
  return out.join(',');
}

/** A quantity cell: canonical text, `''` when absent (Go's zero Quantity prints `0`, callers decide). */
export function quantity(value: unknown): string {
  return value === undefined || value === null ? '' : canonicalQuantity(value);
}

/** `intstr.IntOrString.String()`. */
export function intOrString(value: unknown): string {
  return typeof value === 'number' ? String(value) : str(value);
}

/** `printBoolPtr`: True, False or `<unset>`. */
export function boolPtr(value: unknown): string {
  if (typeof value !== 'boolean') return '<unset>';
  return value ? 'True' : 'False';
}

/** The first non-empty string. */
export function firstNonEmpty(...values: unknown[]): string {
  for (const v of values) if (typeof v === 'string' && v !== '') return v;
  return '';
}

/** The condition of a given type in a `status.conditions` list. */
export function condition(conditions: unknown, type: string): Json | undefined {
  return arr(conditions).find((c) => c.type === type);
}
