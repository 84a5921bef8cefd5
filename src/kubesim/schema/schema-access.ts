/**
 * Typed reads of an OpenAPI v3 schema object (`JSONSchemaProps` as JSON). Schemas come from users' CRDs, so
 * every accessor tolerates missing or ill-typed keywords and answers "not specified".
 */

export type Schema = Readonly<Record<string, unknown>>;

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function asSchema(value: unknown): Schema | undefined {
  return isObject(value) ? value : undefined;
}

export function properties(s: Schema): Record<string, Schema> {
  const p = s.properties;
  if (!isObject(p)) return {};
  const out: Record<string, Schema> = {};
  for (const [name, sub] of Object.entries(p)) if (isObject(sub)) out[name] = sub;
  return out;
}

export function property(s: Schema, name: string): Schema | undefined {
  const p = s.properties;
  if (!isObject(p) || !Object.hasOwn(p, name)) return undefined;
  return asSchema(p[name]);
}

/** `additionalProperties`: a schema, `true` (anything), or undefined (not specified / false). */
export function additionalProperties(s: Schema): Schema | true | undefined {
  const a = s.additionalProperties;
  if (a === true) return true;
  return asSchema(a);
}

export function items(s: Schema): Schema | undefined {
  return asSchema(s.items);
}

export function flag(s: Schema, name: string): boolean {
  return s[name] === true;
}

export function numberOf(s: Schema, name: string): number | undefined {
  const v = s[name];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export function stringOf(s: Schema, name: string): string | undefined {
  const v = s[name];
  return typeof v === 'string' ? v : undefined;
}

export function schemaList(s: Schema, name: string): Schema[] {
  const v = s[name];
  return Array.isArray(v) ? v.filter(isObject) : [];
}

export function preservesUnknownFields(s: Schema): boolean {
  return flag(s, 'x-kubernetes-preserve-unknown-fields');
}

export function isEmbeddedResource(s: Schema): boolean {
  return flag(s, 'x-kubernetes-embedded-resource');
}

export function isIntOrString(s: Schema): boolean {
  return flag(s, 'x-kubernetes-int-or-string');
}
