/**
 * Validation causes shaped like apimachinery's `field.Error`: `field` is the dotted path, `message` the
 * error body the real server puts in `Status.details.causes[].message` (and after `<field>: ` in the
 * Status message), `reason` the cause type. Values are printed as Go does: strings quoted, numbers and
 * booleans bare, string lists as `[]string{"a", "b"}`.
 */
export type FieldCause = { field: string; message: string; reason: string };

function goQuote(s: string): string {
  return JSON.stringify(s);
}

/** How a bad value appears in the message. */
export function goValue(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return goQuote(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) {
    return `[]string{${value.map(goQuote).join(', ')}}`;
  }
  return JSON.stringify(value);
}

export function required(field: string, detail = ''): FieldCause {
  return {
    field,
    message: detail === '' ? 'Required value' : `Required value: ${detail}`,
    reason: 'FieldValueRequired',
  };
}

export function invalid(field: string, value: unknown, detail: string): FieldCause {
  return { field, message: `Invalid value: ${goValue(value)}: ${detail}`, reason: 'FieldValueInvalid' };
}

export function forbidden(field: string, detail: string): FieldCause {
  return { field, message: `Forbidden: ${detail}`, reason: 'FieldValueForbidden' };
}

export function tooLong(field: string, maxBytes: number): FieldCause {
  return { field, message: `Too long: may not be more than ${maxBytes} bytes`, reason: 'FieldValueTooLong' };
}

export function notSupported(field: string, value: unknown, supported: string[]): FieldCause {
  return {
    field,
    message: `Unsupported value: ${goValue(value)}: supported values: ${supported.map(goQuote).join(', ')}`,
    reason: 'FieldValueNotSupported',
  };
}

/** Drops repeated causes, as `ErrorList.ToAggregate` does for the Status message. */
export function dedupe(causes: FieldCause[]): FieldCause[] {
  const seen = new Set<string>();
  return causes.filter((c) => {
    const key = `${c.field}: ${c.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
