/**
 * Field errors in the shape and wording of apimachinery's `field.Error`: the cause's `message` is the error
 * body (`Invalid value: "x": detail`), `field` is the path and `reason` the error type, so `invalid()` in
 * `apiserver/errors.ts` renders `spec.size: Unsupported value: "huge": supported values: "small", "large"`
 * exactly as a real server does.
 */

export type FieldCause = { field: string; message: string; reason: string };

/** Go's `%v`/`%q` rendering of a bad value inside an error body. */
export function formatBadValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  return JSON.stringify(value) ?? 'null';
}

function withDetail(body: string, detail: string | undefined): string {
  return detail ? `${body}: ${detail}` : body;
}

export function required(field: string, detail?: string): FieldCause {
  return { field, message: withDetail('Required value', detail), reason: 'FieldValueRequired' };
}

export function invalid(field: string, value: unknown, detail?: string): FieldCause {
  return {
    field,
    message: withDetail(`Invalid value: ${formatBadValue(value)}`, detail),
    reason: 'FieldValueInvalid',
  };
}

/** A value of the wrong type; the bad value is the actual type's name, as kube-openapi reports it. */
export function typeInvalid(field: string, value: unknown, detail: string): FieldCause {
  return {
    field,
    message: withDetail(`Invalid value: ${formatBadValue(value)}`, detail),
    reason: 'FieldValueTypeInvalid',
  };
}

export function notSupported(field: string, value: unknown, supported: readonly string[]): FieldCause {
  const detail =
    supported.length > 0 ? `supported values: ${supported.map((s) => JSON.stringify(s)).join(', ')}` : '';
  return {
    field,
    message: withDetail(`Unsupported value: ${formatBadValue(value)}`, detail),
    reason: 'FieldValueNotSupported',
  };
}

export function forbidden(field: string, detail: string): FieldCause {
  return { field, message: withDetail('Forbidden', detail), reason: 'FieldValueForbidden' };
}

export function duplicate(field: string, value: unknown): FieldCause {
  return { field, message: `Duplicate value: ${formatBadValue(value)}`, reason: 'FieldValueDuplicate' };
}

export function tooLong(field: string, maxLength: number): FieldCause {
  return {
    field,
    message: `Too long: may not be more than ${maxLength} ${maxLength === 1 ? 'byte' : 'bytes'}`,
    reason: 'FieldValueTooLong',
  };
}

export function tooMany(field: string, actual: number, max: number): FieldCause {
  return {
    field,
    message: `Too many: ${actual}: must have at most ${max} ${max === 1 ? 'item' : 'items'}`,
    reason: 'FieldValueTooMany',
  };
}

/** Path helpers: `a.b`, `a[0]`, `a[key]` (field.Path's Child, Index and Key). */
export function child(path: string, name: string): string {
  return path === '' ? name : `${path}.${name}`;
}

export function index(path: string, i: number): string {
  return `${path}[${i}]`;
}

export function key(path: string, k: string): string {
  return `${path}[${k}]`;
}
