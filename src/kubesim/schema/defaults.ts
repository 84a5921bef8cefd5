import { additionalProperties, isObject, items, properties, property, type Schema } from './schema-access.ts';

/**
 * Structural defaulting, applied (in place) when a custom resource is written and when it is read: a missing
 * property with a `default` gets a copy of it, as does a `null` where the schema is not `nullable`; defaults
 * apply top-down, so defaults inside a defaulted object apply too. Remaining non-nullable nulls in objects are
 * dropped, as the real server prunes them before defaulting.
 */
export function applyDefaults(value: unknown, schema: Schema | undefined): void {
  if (!schema) return;
  if (isObject(value)) defaultObject(value, schema);
  else if (Array.isArray(value)) defaultItems(value, schema);
}

function defaultObject(value: Record<string, unknown>, schema: Schema): void {
  for (const [name, prop] of Object.entries(properties(schema))) {
    if (prop.default === undefined) continue;
    if (!Object.hasOwn(value, name) || isNonNullableNull(value[name], prop)) value[name] = copy(prop.default);
  }
  const additional = additionalProperties(schema);
  for (const key of Object.keys(value)) {
    const sub = property(schema, key) ?? (additional === true ? undefined : additional);
    if (!sub) continue;
    if (isNonNullableNull(value[key], sub)) {
      if (sub.default === undefined) {
        delete value[key];
        continue;
      }
      value[key] = copy(sub.default);
    }
    applyDefaults(value[key], sub);
  }
}

function defaultItems(value: unknown[], schema: Schema): void {
  const itemSchema = items(schema);
  if (!itemSchema) return;
  for (let i = 0; i < value.length; i++) {
    if (isNonNullableNull(value[i], itemSchema) && itemSchema.default !== undefined)
      value[i] = copy(itemSchema.default);
    applyDefaults(value[i], itemSchema);
  }
}

function isNonNullableNull(value: unknown, schema: Schema): boolean {
  return value === null && schema.nullable !== true;
}

function copy<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}
