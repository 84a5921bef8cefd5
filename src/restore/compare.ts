import { LABELS } from '../api/labels.ts';
import type { KubeObject } from '../kube/types.ts';
import { SERVER_SET_METADATA } from './strip.ts';
import type { FieldDifference } from './types.ts';

/**
 * Compares the object a restore would write with the live one. Fields only the live object has are taken as
 * the server's defaults and allocations (a Service's cluster IP, defaulted container fields) and ignored,
 * except in maps that are all content — labels, annotations, ConfigMap and Secret data — where every key
 * counts. Restore labels are ignored on both sides (a second restore of the same backup is "unchanged").
 */

const STRICT_MAPS = new Set(['metadata.labels', 'metadata.annotations', 'data', 'binaryData', 'stringData']);
const RESTORE_LABELS = [LABELS.backupName, LABELS.restoreName];
const VALUE_WIDTH = 60;

/** The live object as the restore sees it: server-set fields gone, status dropped unless compared. */
export function normalizeLive(live: KubeObject, compareStatus: boolean): KubeObject {
  const copy = structuredClone(live);
  const metadata = copy.metadata ?? {};
  for (const field of SERVER_SET_METADATA) delete metadata[field];
  copy.metadata = metadata;
  if (!compareStatus) delete copy.status;
  return copy;
}

/** Every difference between `desired` and `live` (already normalised), in field-path order. */
export function diffObjects(
  desired: KubeObject,
  live: KubeObject,
  options: { secret?: boolean } = {},
): FieldDifference[] {
  const out: FieldDifference[] = [];
  walk(withoutRestoreLabels(desired), withoutRestoreLabels(live), '', out, options.secret === true);
  return out;
}

function withoutRestoreLabels(object: KubeObject): KubeObject {
  const labels = object.metadata?.labels;
  if (!labels || !RESTORE_LABELS.some((l) => l in labels)) return object;
  const copy = { ...object, metadata: { ...object.metadata, labels: { ...labels } } };
  for (const l of RESTORE_LABELS) delete copy.metadata.labels[l];
  if (Object.keys(copy.metadata.labels).length === 0) delete (copy.metadata as { labels?: unknown }).labels;
  return copy;
}

function walk(desired: unknown, live: unknown, path: string, out: FieldDifference[], secret: boolean): void {
  if (isPlainObject(desired) && isPlainObject(live)) {
    walkObject(desired, live, path, out, secret);
    return;
  }
  if (Array.isArray(desired) && Array.isArray(live)) {
    if (desired.length !== live.length) {
      out.push({
        path,
        change: 'changed',
        live: render(live, secret, path),
        desired: render(desired, secret, path),
      });
      return;
    }
    for (let i = 0; i < desired.length; i++) walk(desired[i], live[i], `${path}[${i}]`, out, secret);
    return;
  }
  if (!sameScalar(desired, live))
    out.push({
      path,
      change: 'changed',
      live: render(live, secret, path),
      desired: render(desired, secret, path),
    });
}

function walkObject(
  desired: Record<string, unknown>,
  live: Record<string, unknown>,
  path: string,
  out: FieldDifference[],
  secret: boolean,
): void {
  for (const key of Object.keys(desired).sort()) {
    const child = childPath(path, key);
    if (live[key] !== undefined) walk(desired[key], live[key], child, out, secret);
    else if (desired[key] !== undefined && desired[key] !== null)
      out.push({ path: child, change: 'added', desired: render(desired[key], secret, child) });
  }
  if (!STRICT_MAPS.has(path)) return;
  for (const key of Object.keys(live).sort()) {
    if (key in desired) continue;
    const child = childPath(path, key);
    out.push({ path: child, change: 'removed', live: render(live[key], secret, child) });
  }
}

function sameScalar(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === 'object' || typeof b === 'object') return JSON.stringify(a) === JSON.stringify(b);
  return false;
}

/**
 * A JSON merge patch (RFC 7386) that brings `live` to `desired` under the same rules as `diffObjects`:
 * differing fields are set, content-map keys only the live object has are removed, server-filled fields are
 * left alone, arrays are replaced whole. Empty object when nothing differs.
 */
export function mergePatchFor(desired: KubeObject, live: KubeObject): Record<string, unknown> {
  return patchOf(desired, live, '') ?? {};
}

function patchOf(desired: unknown, live: unknown, path: string): Record<string, unknown> | undefined {
  if (!isPlainObject(desired) || !isPlainObject(live)) return undefined;
  const patch: Record<string, unknown> = {};
  for (const key of Object.keys(desired)) {
    const child = childPath(path, key);
    const d = desired[key];
    const l = live[key];
    if (isPlainObject(d) && isPlainObject(l)) {
      const sub = patchOf(d, l, child);
      if (sub && Object.keys(sub).length > 0) patch[key] = sub;
    } else {
      const diffs: FieldDifference[] = [];
      walk(d, l, child, diffs, false);
      if (l === undefined || diffs.length > 0) patch[key] = d;
    }
  }
  if (STRICT_MAPS.has(path)) for (const key of Object.keys(live)) if (!(key in desired)) patch[key] = null;
  return patch;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function childPath(path: string, key: string): string {
  if (!IDENTIFIER.test(key)) return `${path}[${key}]`;
  return path === '' ? key : `${path}.${key}`;
}

function render(value: unknown, secret: boolean, path: string): string {
  if (secret && /^(data|stringData)\b/.test(path)) return '(hidden)';
  const text = JSON.stringify(value) ?? 'undefined';
  return text.length > VALUE_WIDTH ? `${text.slice(0, VALUE_WIDTH - 1)}…` : text;
}
