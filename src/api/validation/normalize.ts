import type { z } from 'zod';
import { childPath, type FieldIssue } from './field-issue.ts';

/**
 * What the API server does to a custom resource before validating it, done against the zod schema: fields
 * the schema does not declare are dropped (and reported, with a spelling suggestion), and `null` in a field
 * that is not nullable is dropped (so it reads as unset, or gets its default). The input is not modified.
 */
export type NormalizeResult = { value: unknown; unknownFields: FieldIssue[] };

export function normalizeForSchema(schema: z.ZodType, value: unknown): NormalizeResult {
  const unknownFields: FieldIssue[] = [];
  const result = walk(schema, value, '', unknownFields);
  return { value: result === DROP ? undefined : result, unknownFields };
}

const DROP: unique symbol = Symbol('drop');

type Def = {
  type: string;
  innerType?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  catchall?: z.ZodType;
  element?: z.ZodType;
  valueType?: z.ZodType;
  in?: z.ZodType;
  getter?: () => z.ZodType;
};

function defOf(schema: z.ZodType): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

const WRAPPERS = new Set(['optional', 'default', 'prefault', 'readonly', 'nonoptional', 'catch']);

/** The schema under optional/default/nullable/pipe wrappers, and whether any of them admits null. */
function unwrap(schema: z.ZodType): { core: z.ZodType; nullable: boolean } {
  let core = schema;
  let nullable = false;
  for (;;) {
    const def = defOf(core);
    if (def.type === 'nullable') nullable = true;
    if ((WRAPPERS.has(def.type) || def.type === 'nullable') && def.innerType) core = def.innerType;
    else if (def.type === 'pipe' && def.in) core = def.in;
    else if (def.type === 'lazy' && def.getter) core = def.getter();
    else return { core, nullable };
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function walk(schema: z.ZodType, value: unknown, path: string, unknown: FieldIssue[]): unknown {
  const { core, nullable } = unwrap(schema);
  if (value === null) return nullable ? null : DROP;
  const def = defOf(core);
  if (def.type === 'object' && def.shape && isPlainObject(value)) {
    return walkObject(def, value, path, unknown);
  }
  if (def.type === 'array' && def.element && Array.isArray(value)) {
    const element = def.element;
    return value.map((item, i) => {
      const out = walk(element, item, childPath(path, i), unknown);
      // A null list item is kept so zod reports it at its index rather than the list silently shrinking.
      return out === DROP ? null : out;
    });
  }
  if (def.type === 'record' && def.valueType && isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const v = walk(def.valueType, item, childPath(path, key), unknown);
      out[key] = v === DROP ? null : v;
    }
    return out;
  }
  return value;
}

function walkObject(
  def: Def,
  value: Record<string, unknown>,
  path: string,
  unknown: FieldIssue[],
): Record<string, unknown> {
  const shape = def.shape!;
  const keepsUnknown = def.catchall !== undefined && defOf(def.catchall).type !== 'never';
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const field = shape[key];
    if (field === undefined) {
      if (keepsUnknown) out[key] = item;
      else
        unknown.push({ field: childPath(path, key), message: unknownFieldMessage(key, Object.keys(shape)) });
      continue;
    }
    const v = walk(field, item, childPath(path, key), unknown);
    if (v !== DROP) out[key] = v;
  }
  return out;
}

function unknownFieldMessage(key: string, known: string[]): string {
  const suggestion = closest(key, known);
  const hint = suggestion === undefined ? '' : `; did you mean "${suggestion}"?`;
  return `unknown field "${key}"${hint}`;
}

/** The known name nearest to `key`, when it is near enough to be a likely misspelling. */
export function closest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  const lower = key.toLowerCase();
  for (const candidate of known) {
    const d = editDistance(lower, candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  const limit = Math.max(2, Math.floor(key.length / 4));
  return bestDistance <= limit ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j] + 1, current[j - 1] + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length];
}
