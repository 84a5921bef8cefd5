import { OBJECT_META } from './builtin-types.ts';
import { isJsonObject, type JsonObject } from './json-value.ts';
import { type MapKey, type MapNode, SCALAR, type TypeNode, UNTYPED } from './type-node.ts';

/**
 * The merge schema of a custom resource, read from its CRD version's structural `openAPIV3Schema`: maps merge
 * unless `x-kubernetes-map-type: atomic`, lists are atomic unless `x-kubernetes-list-type` says `set` or
 * `map` (with `x-kubernetes-list-map-keys`, whose `default`s fill missing keys), embedded resources and the
 * root carry `metadata`. Custom resources have no strategic merge patch, so no SMP hints are set.
 */

const cache = new WeakMap<object, TypeNode>();

/** Converts (and caches per schema object) a CRD version's `openAPIV3Schema`; no schema means untyped. */
export function typeFromOpenApiSchema(schema: Readonly<Record<string, unknown>> | undefined): TypeNode {
  if (!schema) return withMetadata(UNTYPED);
  let type = cache.get(schema);
  if (!type) {
    type = withMetadata(convert(schema));
    cache.set(schema, type);
  }
  return type;
}

function withMetadata(type: TypeNode): TypeNode {
  if (type.kind === 'map') return { ...type, fields: { ...type.fields, metadata: OBJECT_META } };
  return { kind: 'map', fields: { metadata: OBJECT_META } };
}

function convert(schema: unknown): TypeNode {
  if (!isJsonObject(schema)) return UNTYPED;
  if (schema['x-kubernetes-int-or-string'] === true) return SCALAR;
  const type = schema.type;
  if (type === 'array') return convertList(schema);
  if (
    type === 'object' ||
    (type === undefined && (isJsonObject(schema.properties) || schema.additionalProperties !== undefined))
  ) {
    return convertMap(schema);
  }
  if (type === undefined) return UNTYPED;
  return SCALAR;
}

function convertMap(schema: JsonObject): MapNode {
  const fields: Record<string, TypeNode> = {};
  if (isJsonObject(schema.properties)) {
    for (const [name, sub] of Object.entries(schema.properties)) fields[name] = convert(sub);
  }
  if (schema['x-kubernetes-embedded-resource'] === true) fields.metadata = OBJECT_META;
  const additional = schema.additionalProperties;
  const values = isJsonObject(additional) ? convert(additional) : UNTYPED;
  return {
    kind: 'map',
    fields,
    values,
    ...(schema['x-kubernetes-map-type'] === 'atomic' ? { atomic: true } : {}),
  };
}

function convertList(schema: JsonObject): TypeNode {
  const items = convert(schema.items);
  const listType = schema['x-kubernetes-list-type'];
  if (listType === 'set') return { kind: 'list', listType: 'set', items };
  if (listType === 'map' && Array.isArray(schema['x-kubernetes-list-map-keys'])) {
    const itemProps =
      isJsonObject(schema.items) && isJsonObject(schema.items.properties) ? schema.items.properties : {};
    const keys: MapKey[] = [];
    for (const name of schema['x-kubernetes-list-map-keys']) {
      if (typeof name !== 'string') continue;
      const prop = itemProps[name];
      const def = isJsonObject(prop) ? prop.default : undefined;
      keys.push(
        typeof def === 'string' || typeof def === 'number' || typeof def === 'boolean'
          ? { name, default: def }
          : { name },
      );
    }
    return { kind: 'list', listType: 'map', keys, items };
  }
  return { kind: 'list', listType: 'atomic', items };
}
