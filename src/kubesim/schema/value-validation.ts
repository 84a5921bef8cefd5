import {
  child,
  duplicate,
  type FieldCause,
  index,
  invalid,
  notSupported,
  required,
  tooLong,
  tooMany,
  typeInvalid,
} from './field-errors.ts';
import { checkIntegerFormat, checkStringFormat } from './formats.ts';
import {
  additionalProperties,
  isEmbeddedResource,
  isIntOrString,
  isObject,
  items,
  numberOf,
  property,
  type Schema,
  schemaList,
  stringOf,
} from './schema-access.ts';

/**
 * Validation of a value against an OpenAPI v3 schema with kube-openapi's rules and messages, converted to
 * field errors the way apiextensions-apiserver converts them (`spec.replicas in body must be of type integer:
 * "string"`, `supported values: …`, `Required value`). `x-kubernetes-validations` (CEL) is not evaluated.
 */

/** The JSON type name kube-openapi reports for a value. */
export function jsonTypeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  if (typeof value === 'object') return 'object';
  return typeof value;
}

function matchesType(type: string, value: unknown): boolean {
  switch (type) {
    case 'object':
      return isObject(value);
    case 'array':
      return Array.isArray(value);
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
    default:
      return true;
  }
}

/** The name used in messages: the path relative to the object (`spec.replicas`), `<root>` for the object itself. */
function inBody(path: string): string {
  return `${path === '' ? '<root>' : path} in body`;
}

/** Validates `value` at `path`; appends causes. `root` skips the object's own `apiVersion`/`kind`/`metadata`. */
export function validateValue(
  value: unknown,
  schema: Schema,
  path: string,
  causes: FieldCause[],
  root = false,
): void {
  if (value === null && schema.nullable === true) return;
  if (!checkType(value, schema, path, causes)) return;
  checkEnum(value, schema, path, causes);
  if (typeof value === 'string') checkString(value, schema, path, causes);
  else if (typeof value === 'number') checkNumber(value, schema, path, causes);
  else if (Array.isArray(value)) checkArray(value, schema, path, causes);
  else if (isObject(value)) checkObject(value, schema, path, causes, root);
  checkComposition(value, schema, path, causes);
}

function checkType(value: unknown, schema: Schema, path: string, causes: FieldCause[]): boolean {
  const declared = isIntOrString(schema) ? 'integer,string' : stringOf(schema, 'type');
  if (declared === undefined || declared === '') return true;
  const ok = declared.split(',').some((t) => matchesType(t, value));
  if (ok) return true;
  const actual = jsonTypeName(value);
  causes.push(
    typeInvalid(path, actual, `${inBody(path)} must be of type ${declared}: ${JSON.stringify(actual)}`),
  );
  return false;
}

function checkEnum(value: unknown, schema: Schema, path: string, causes: FieldCause[]): void {
  const allowed = schema.enum;
  if (!Array.isArray(allowed) || allowed.length === 0) return;
  if (allowed.some((a) => deepEqualJson(a, value))) return;
  causes.push(
    notSupported(
      path,
      value,
      allowed.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))),
    ),
  );
}

function checkString(value: string, schema: Schema, path: string, causes: FieldCause[]): void {
  const length = [...value].length;
  const max = numberOf(schema, 'maxLength');
  if (max !== undefined && length > max) causes.push(tooLong(path, max));
  const min = numberOf(schema, 'minLength');
  if (min !== undefined && length < min) {
    causes.push(invalid(path, value, `${inBody(path)} should be at least ${min} chars long`));
  }
  const pattern = stringOf(schema, 'pattern');
  if (pattern !== undefined && !compilePattern(pattern).test(value)) {
    causes.push(invalid(path, value, `${inBody(path)} should match '${pattern}'`));
  }
  const format = stringOf(schema, 'format');
  if (format !== undefined && !checkStringFormat(format, value)) {
    causes.push(
      typeInvalid(path, value, `${inBody(path)} must be of type ${format}: ${JSON.stringify(value)}`),
    );
  }
}

const patterns = new Map<string, RegExp>();

function compilePattern(pattern: string): RegExp {
  let re = patterns.get(pattern);
  if (!re) {
    try {
      re = new RegExp(pattern, 'u');
    } catch {
      re = new RegExp(pattern);
    }
    patterns.set(pattern, re);
  }
  return re;
}

function checkNumber(value: number, schema: Schema, path: string, causes: FieldCause[]): void {
  const min = numberOf(schema, 'minimum');
  if (min !== undefined) {
    const exclusive = schema.exclusiveMinimum === true;
    if (exclusive ? value <= min : value < min) {
      const rel = exclusive ? 'greater than' : 'greater than or equal to';
      causes.push(invalid(path, value, `${inBody(path)} should be ${rel} ${min}`));
    }
  }
  const max = numberOf(schema, 'maximum');
  if (max !== undefined) {
    const exclusive = schema.exclusiveMaximum === true;
    if (exclusive ? value >= max : value > max) {
      const rel = exclusive ? 'less than' : 'less than or equal to';
      causes.push(invalid(path, value, `${inBody(path)} should be ${rel} ${max}`));
    }
  }
  const multipleOf = numberOf(schema, 'multipleOf');
  if (multipleOf !== undefined && multipleOf > 0) {
    const q = value / multipleOf;
    if (Math.abs(q - Math.round(q)) > 1e-9) {
      causes.push(invalid(path, value, `${inBody(path)} should be a multiple of ${multipleOf}`));
    }
  }
  const format = stringOf(schema, 'format');
  if (format !== undefined && Number.isInteger(value) && !checkIntegerFormat(format, value)) {
    causes.push(
      typeInvalid(path, value, `${inBody(path)} must be of type ${format}: ${JSON.stringify(String(value))}`),
    );
  }
}

function checkArray(value: unknown[], schema: Schema, path: string, causes: FieldCause[]): void {
  const max = numberOf(schema, 'maxItems');
  if (max !== undefined && value.length > max) causes.push(tooMany(path, value.length, max));
  const min = numberOf(schema, 'minItems');
  if (min !== undefined && value.length < min) {
    causes.push(invalid(path, value.length, `${inBody(path)} should have at least ${min} items`));
  }
  if (schema.uniqueItems === true && hasDuplicates(value)) {
    causes.push(invalid(path, value, `${inBody(path)} shouldn't contain duplicates`));
  }
  const itemSchema = items(schema);
  if (itemSchema) {
    for (let i = 0; i < value.length; i++) validateValue(value[i], itemSchema, index(path, i), causes);
  }
  checkListType(value, schema, path, causes);
}

/** `x-kubernetes-list-type` set and map forbid duplicate values or keys. */
function checkListType(value: unknown[], schema: Schema, path: string, causes: FieldCause[]): void {
  const listType = schema['x-kubernetes-list-type'];
  if (listType === 'set') {
    const seen: unknown[] = [];
    value.forEach((item, i) => {
      if (seen.some((s) => deepEqualJson(s, item))) causes.push(duplicate(index(path, i), item));
      else seen.push(item);
    });
  } else if (listType === 'map') {
    const keys = schema['x-kubernetes-list-map-keys'];
    if (!Array.isArray(keys)) return;
    const seen = new Set<string>();
    value.forEach((item, i) => {
      if (!isObject(item)) return;
      const key: Record<string, unknown> = {};
      for (const k of keys) if (typeof k === 'string' && item[k] !== undefined) key[k] = item[k];
      const text = JSON.stringify(key);
      if (seen.has(text)) causes.push(duplicate(index(path, i), key));
      else seen.add(text);
    });
  }
}

function checkObject(
  value: Record<string, unknown>,
  schema: Schema,
  path: string,
  causes: FieldCause[],
  root: boolean,
): void {
  checkRequired(value, schema, path, causes);
  checkPropertyCount(value, schema, path, causes);
  const embedded = isEmbeddedResource(schema);
  if (embedded) checkEmbeddedResource(value, path, causes);
  const additional = additionalProperties(schema);
  for (const key of Object.keys(value)) {
    if ((root || embedded) && (key === 'apiVersion' || key === 'kind')) continue;
    if (root && key === 'metadata') {
      checkRootMetadata(value.metadata, property(schema, 'metadata'), causes);
      continue;
    }
    const sub = property(schema, key) ?? (additional === true ? undefined : additional);
    if (sub) validateValue(value[key], sub, child(path, key), causes);
  }
}

function checkRequired(
  value: Record<string, unknown>,
  schema: Schema,
  path: string,
  causes: FieldCause[],
): void {
  const requiredList = schema.required;
  if (!Array.isArray(requiredList)) return;
  for (const name of requiredList) {
    if (typeof name === 'string' && !Object.hasOwn(value, name)) causes.push(required(child(path, name)));
  }
}

function checkPropertyCount(
  value: Record<string, unknown>,
  schema: Schema,
  path: string,
  causes: FieldCause[],
): void {
  const count = Object.keys(value).length;
  const maxProps = numberOf(schema, 'maxProperties');
  if (maxProps !== undefined && count > maxProps) causes.push(tooMany(path, count, maxProps));
  const minProps = numberOf(schema, 'minProperties');
  if (minProps !== undefined && count < minProps) {
    causes.push(invalid(path, count, `${inBody(path)} should have at least ${minProps} properties`));
  }
}

function checkEmbeddedResource(value: Record<string, unknown>, path: string, causes: FieldCause[]): void {
  for (const field of ['apiVersion', 'kind']) {
    const v = value[field];
    if (typeof v !== 'string' || v === '') causes.push(required(child(path, field), 'must not be empty'));
  }
}

/** The root's metadata is ObjectMeta (validated by the server); a CRD may only constrain name and generateName. */
function checkRootMetadata(metadata: unknown, schema: Schema | undefined, causes: FieldCause[]): void {
  if (!schema || !isObject(metadata)) return;
  for (const field of ['name', 'generateName']) {
    const sub = property(schema, field);
    if (sub && typeof metadata[field] === 'string')
      validateValue(metadata[field], sub, `metadata.${field}`, causes);
  }
}

function checkComposition(value: unknown, schema: Schema, path: string, causes: FieldCause[]): void {
  for (const sub of schemaList(schema, 'allOf')) validateValue(value, sub, path, causes);
  const anyOf = schemaList(schema, 'anyOf');
  if (anyOf.length > 0 && !isIntOrStringPattern(schema) && !anyOf.some((sub) => passes(value, sub, path))) {
    causes.push(invalid(path, value, `${inBody(path)} must validate at least one schema (anyOf)`));
  }
  const oneOf = schemaList(schema, 'oneOf');
  if (oneOf.length > 0 && oneOf.filter((sub) => passes(value, sub, path)).length !== 1) {
    causes.push(invalid(path, value, `${inBody(path)} must validate one and only one schema (oneOf)`));
  }
  const not = schema.not;
  if (isObject(not) && passes(value, not, path)) {
    causes.push(invalid(path, value, `${inBody(path)} must not validate the schema (not)`));
  }
}

/** `anyOf: [{type: integer}, {type: string}]` beside `x-kubernetes-int-or-string`: already checked as a type. */
function isIntOrStringPattern(schema: Schema): boolean {
  return isIntOrString(schema);
}

function passes(value: unknown, schema: Schema, path: string): boolean {
  const scratch: FieldCause[] = [];
  validateValue(value, schema, path, scratch);
  return scratch.length === 0;
}

function hasDuplicates(items: unknown[]): boolean {
  for (let i = 0; i < items.length; i++) {
    for (let j = i + 1; j < items.length; j++) if (deepEqualJson(items[i], items[j])) return true;
  }
  return false;
}

function deepEqualJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => deepEqualJson(x, b[i]));
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every(
    (k) =>
      Object.hasOwn(b, k) &&
      deepEqualJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
  );
}
