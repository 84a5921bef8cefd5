import { applyDefaults } from './defaults.ts';
import { child, type FieldCause, forbidden, invalid, key, notSupported, required } from './field-errors.ts';
import { pruneUnknownFields } from './prune.ts';
import {
  additionalProperties,
  isEmbeddedResource,
  isIntOrString,
  isObject,
  items,
  preservesUnknownFields,
  properties,
  type Schema,
  schemaList,
  stringOf,
} from './schema-access.ts';
import { validateValue } from './value-validation.ts';

/**
 * The checks a CustomResourceDefinition's `openAPIV3Schema` must pass to be structural, with the real
 * server's messages and paths (`spec.versions[0].schema.openAPIV3Schema.properties[spec].type: Required
 * value: must not be empty for specified object fields`): every node has a type (or is int-or-string /
 * preserves unknown fields), arrays have items, the root is an object whose metadata constrains only name and
 * generateName, value validations (allOf/anyOf/oneOf/not) carry no structure, list and map types are
 * consistent, and defaults are valid and already pruned.
 */

type Level = 'root' | 'field' | 'item';

const TYPES = ['array', 'boolean', 'integer', 'number', 'object', 'string'];

export function validateStructuralSchema(
  schema: unknown,
  basePath = 'spec.versions[0].schema.openAPIV3Schema',
): FieldCause[] {
  const causes: FieldCause[] = [];
  if (!isObject(schema)) {
    causes.push(required(basePath, 'must be specified'));
    return causes;
  }
  checkNode(schema, 'root', basePath, causes);
  return causes;
}

function checkNode(s: Schema, level: Level, path: string, causes: FieldCause[]): void {
  const type = stringOf(s, 'type') ?? '';
  if (type !== '' && !TYPES.includes(type)) causes.push(notSupported(child(path, 'type'), type, TYPES));
  checkTypePresence(s, type, level, path, causes);
  checkEmbedding(s, type, level, path, causes);
  checkObjectKeywords(s, type, level, path, causes);
  checkListKeywords(s, type, path, causes);
  checkValueValidations(s, path, causes);
  checkDefault(s, level, path, causes);
  const itemSchema = items(s);
  if (itemSchema) checkNode(itemSchema, 'item', child(path, 'items'), causes);
  for (const [name, sub] of Object.entries(properties(s))) {
    checkNode(sub, 'field', key(child(path, 'properties'), name), causes);
  }
  const additional = additionalProperties(s);
  if (additional && additional !== true)
    checkNode(additional, 'field', child(path, 'additionalProperties'), causes);
}

function checkTypePresence(s: Schema, type: string, level: Level, path: string, causes: FieldCause[]): void {
  if (isEmbeddedResource(s) && type !== 'object') {
    const detail = 'must be object if x-kubernetes-embedded-resource is true';
    causes.push(
      type === '' ? required(child(path, 'type'), detail) : invalid(child(path, 'type'), type, detail),
    );
  } else if (type === '' && !isIntOrString(s) && !preservesUnknownFields(s)) {
    const detail =
      level === 'root'
        ? 'must not be empty at the root'
        : level === 'item'
          ? 'must not be empty for specified array items'
          : 'must not be empty for specified object fields';
    causes.push(required(child(path, 'type'), detail));
  }
  if (level === 'root' && type !== '' && type !== 'object') {
    causes.push(invalid(child(path, 'type'), type, 'must be object at the root'));
  }
  if (type === 'array' && !items(s)) causes.push(required(child(path, 'items'), 'must be specified'));
  if (isIntOrString(s) && preservesUnknownFields(s)) {
    causes.push(
      invalid(
        child(path, 'x-kubernetes-preserve-unknown-fields'),
        true,
        'must be false if x-kubernetes-int-or-string is true',
      ),
    );
  }
  if (isIntOrString(s) && isEmbeddedResource(s)) {
    causes.push(
      invalid(
        child(path, 'x-kubernetes-embedded-resource'),
        true,
        'must be false if x-kubernetes-int-or-string is true',
      ),
    );
  }
}

function checkEmbedding(s: Schema, _type: string, level: Level, path: string, causes: FieldCause[]): void {
  const props = properties(s);
  const checkMetadata = level === 'root' || isEmbeddedResource(s);
  if (checkMetadata) {
    for (const field of ['kind', 'apiVersion']) {
      const sub = props[field];
      if (sub && sub.type !== 'string') {
        causes.push(
          invalid(child(key(child(path, 'properties'), field), 'type'), sub.type ?? '', 'must be string'),
        );
      }
    }
    const meta = props.metadata;
    if (meta && meta.type !== 'object') {
      causes.push(
        invalid(child(key(child(path, 'properties'), 'metadata'), 'type'), meta.type ?? '', 'must be object'),
      );
    }
  }
  if (level === 'root' && props.metadata && !metadataOnlyNames(props.metadata)) {
    causes.push(
      forbidden(
        key(child(path, 'properties'), 'metadata'),
        'must not specify anything other than name and generateName, but metadata is implicitly specified',
      ),
    );
  }
  if (isEmbeddedResource(s) && !preservesUnknownFields(s) && Object.keys(props).length === 0) {
    causes.push(
      required(
        child(path, 'properties'),
        'must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields',
      ),
    );
  }
  if (isEmbeddedResource(s) && s.additionalProperties !== undefined) {
    causes.push(
      forbidden(
        child(path, 'additionalProperties'),
        'must not be used if x-kubernetes-embedded-resource is set',
      ),
    );
  }
}

/** The root `metadata` schema may only say `type: object` and constrain `name`/`generateName`. */
function metadataOnlyNames(meta: Schema): boolean {
  for (const k of Object.keys(meta)) {
    if (k !== 'type' && k !== 'properties') return false;
  }
  return Object.keys(properties(meta)).every((name) => name === 'name' || name === 'generateName');
}

function checkObjectKeywords(
  s: Schema,
  _type: string,
  level: Level,
  path: string,
  causes: FieldCause[],
): void {
  if (s.additionalProperties === undefined) return;
  if (level === 'root')
    causes.push(forbidden(child(path, 'additionalProperties'), 'must not be used at the root'));
  if (s.additionalProperties === false) {
    causes.push(
      forbidden(child(path, 'additionalProperties'), 'additionalProperties cannot be set to false'),
    );
  }
  if (Object.keys(properties(s)).length > 0) {
    causes.push(
      forbidden(
        child(path, 'additionalProperties'),
        'additionalProperties and properties are mutual exclusive',
      ),
    );
  }
  const mapType = s['x-kubernetes-map-type'];
  if (mapType !== undefined && mapType !== 'granular' && mapType !== 'atomic') {
    causes.push(notSupported(child(path, 'x-kubernetes-map-type'), mapType, ['granular', 'atomic']));
  }
}

function checkListKeywords(s: Schema, type: string, path: string, causes: FieldCause[]): void {
  if (s.uniqueItems === true) {
    causes.push(
      forbidden(
        child(path, 'uniqueItems'),
        'uniqueItems cannot be set to true since the runtime complexity becomes quadratic',
      ),
    );
  }
  const listType = s['x-kubernetes-list-type'];
  const mapKeys = s['x-kubernetes-list-map-keys'];
  if (listType !== undefined) {
    if (listType !== 'atomic' && listType !== 'set' && listType !== 'map') {
      causes.push(notSupported(child(path, 'x-kubernetes-list-type'), listType, ['atomic', 'set', 'map']));
    } else if (type !== 'array') {
      causes.push(invalid(child(path, 'type'), type, 'must be array if x-kubernetes-list-type is specified'));
    }
  }
  if (mapKeys !== undefined && listType !== 'map') {
    causes.push(
      forbidden(
        child(path, 'x-kubernetes-list-map-keys'),
        'must only be used if x-kubernetes-list-type is `map`',
      ),
    );
  }
  if (listType === 'map') checkMapKeys(s, mapKeys, path, causes);
  if (listType === 'set') {
    const item = items(s);
    if (item && item.type === 'object' && item['x-kubernetes-map-type'] !== 'atomic') {
      causes.push(
        invalid(
          child(child(path, 'items'), 'x-kubernetes-map-type'),
          item['x-kubernetes-map-type'] ?? '',
          'must be atomic as item of a list with x-kubernetes-list-type=set',
        ),
      );
    }
  }
}

function checkMapKeys(s: Schema, mapKeys: unknown, path: string, causes: FieldCause[]): void {
  const keysPath = child(path, 'x-kubernetes-list-map-keys');
  if (!Array.isArray(mapKeys) || mapKeys.length === 0) {
    causes.push(required(keysPath, 'must not be empty if x-kubernetes-list-type is map'));
    return;
  }
  const item = items(s);
  if (item?.type !== 'object') {
    causes.push(
      invalid(
        child(child(path, 'items'), 'type'),
        item?.type ?? '',
        "must be object if parent array's x-kubernetes-list-type is map",
      ),
    );
    return;
  }
  const props = properties(item);
  const requiredNames = Array.isArray(item.required) ? item.required : [];
  for (const name of mapKeys) {
    const prop = typeof name === 'string' ? props[name] : undefined;
    if (!prop) {
      causes.push(invalid(keysPath, mapKeys, 'entries must all be names of item properties'));
      return;
    }
    if (!requiredNames.includes(name) && prop.default === undefined) {
      causes.push(
        required(
          key(child(child(path, 'items'), 'properties'), String(name)),
          'this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property',
        ),
      );
    }
  }
}

/** Inside allOf/anyOf/oneOf/not only value validations are allowed: no types, defaults or extensions. */
function checkValueValidations(s: Schema, path: string, causes: FieldCause[]): void {
  for (const keyword of ['allOf', 'anyOf', 'oneOf']) {
    schemaList(s, keyword).forEach((sub, i) => {
      checkNested(sub, `${child(path, keyword)}[${i}]`, causes);
    });
  }
  if (isObject(s.not)) checkNested(s.not, child(path, 'not'), causes);
}

const FORBIDDEN_NESTED = [
  'type',
  'additionalProperties',
  'default',
  'nullable',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-embedded-resource',
  'x-kubernetes-int-or-string',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-map-type',
];

function checkNested(s: Schema, path: string, causes: FieldCause[]): void {
  for (const keyword of FORBIDDEN_NESTED) {
    if (s[keyword] === undefined) continue;
    // The int-or-string pattern `anyOf: [{type: integer}, {type: string}]` is the one allowed use of type.
    if (keyword === 'type' && (s.type === 'integer' || s.type === 'string') && /\.anyOf\[[01]\]$/.test(path))
      continue;
    causes.push(forbidden(child(path, keyword), 'must be empty to be structural'));
  }
  for (const [name, sub] of Object.entries(properties(s)))
    checkNested(sub, key(child(path, 'properties'), name), causes);
  const itemSchema = items(s);
  if (itemSchema) checkNested(itemSchema, child(path, 'items'), causes);
  checkValueValidations(s, path, causes);
}

/** A default must validate against its schema and contain nothing pruning would drop. */
function checkDefault(s: Schema, level: Level, path: string, causes: FieldCause[]): void {
  if (s.default === undefined) return;
  const defaultPath = child(path, 'default');
  if (level === 'root') {
    causes.push(forbidden(defaultPath, 'must not be used at the root'));
    return;
  }
  if (s.default === null && s.nullable !== true) {
    causes.push(invalid(defaultPath, null, 'must not be null for non-nullable schemas'));
    return;
  }
  const copy = JSON.parse(JSON.stringify({ value: s.default })) as Record<string, unknown>;
  const wrapper: Schema = { type: 'object', properties: { value: s } };
  const pruned = pruneUnknownFields(copy, wrapper).filter((p) => p.startsWith('value'));
  if (pruned.length > 0)
    causes.push(
      invalid(
        defaultPath,
        s.default,
        `must not have unknown fields: ${pruned.map((p) => p.replace(/^value\.?/, '')).join(', ')}`,
      ),
    );
  applyDefaults(copy, wrapper);
  validateValue(copy.value, s, defaultPath, causes);
}
