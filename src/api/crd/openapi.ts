import { z } from 'zod';
import { LifeboatError } from '../../core/errors.ts';

/**
 * Turns a resource's zod schema into the `openAPIV3Schema` of a CRD version. zod writes OpenAPI 3.0 JSON
 * schema; Kubernetes wants a *structural* schema, so this post-processor:
 * - drops `additionalProperties` beside `properties` (Kubernetes forbids both, and `false` entirely);
 *   objects that keep unknown fields (zod's loose objects, `unknown` values) get
 *   `x-kubernetes-preserve-unknown-fields: true` instead;
 * - drops the ±2^53 bounds zod puts on every `.int()`;
 * - keeps `format: date-time` but drops the long pattern zod adds beside it; turns `base64` into `byte`;
 * - removes Lifeboat's own `x-lifeboat-*` annotations and any `$schema`;
 * - refuses `$ref` and `anyOf`/`oneOf`/`allOf` (everything must be inline and unambiguous);
 * - reduces the root `metadata` to `type: object` and `apiVersion`/`kind` to plain strings;
 * - sorts keys, as controller-gen does, so the YAML is stable and diffs read well.
 */
export type JsonSchema = { [key: string]: unknown };

/** The raw zod output, `x-lifeboat-*` annotations included (the API reference reads those). */
export function zodJsonSchema(schema: z.ZodType): JsonSchema {
  return z.toJSONSchema(schema, {
    target: 'openapi-3.0',
    io: 'input',
    reused: 'inline',
    cycles: 'throw',
    unrepresentable: 'throw',
  }) as JsonSchema;
}

/** The structural `openAPIV3Schema` for a resource schema. */
export function crdOpenApiSchema(schema: z.ZodType): JsonSchema {
  const root = structural(zodJsonSchema(schema), '');
  const properties = { ...(root.properties as Record<string, JsonSchema>) };
  properties.apiVersion = { description: describeOf(properties.apiVersion), type: 'string' };
  properties.kind = { description: describeOf(properties.kind), type: 'string' };
  properties.metadata = { type: 'object' };
  return sortKeys({ ...root, properties }) as JsonSchema;
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const DROPPED_KEYS = new Set(['$schema', '$id', 'id', 'contentEncoding']);

function structural(node: JsonSchema, path: string): JsonSchema {
  for (const key of ['$ref', 'anyOf', 'oneOf', 'allOf', 'not', '$defs', 'definitions']) {
    if (key in node) {
      throw new LifeboatError(
        'Internal',
        `CRD schema at ${path || '<root>'} uses ${key}, which a structural schema cannot hold`,
      );
    }
  }
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node)) {
    if (DROPPED_KEYS.has(key) || key.startsWith('x-lifeboat-')) continue;
    out[key] = value;
  }

  if (out.type === 'integer') {
    if (out.minimum === -MAX_SAFE) delete out.minimum;
    if (out.maximum === MAX_SAFE) delete out.maximum;
  }
  if (out.format === 'date-time') delete out.pattern;
  if (out.format === 'base64') {
    out.format = 'byte';
    delete out.pattern;
  }

  const additional = out.additionalProperties;
  const keepsUnknown = isEmptySchema(additional);
  if (additional === false || keepsUnknown || out.properties !== undefined) delete out.additionalProperties;
  if (keepsUnknown) out['x-kubernetes-preserve-unknown-fields'] = true;

  if (out.properties !== undefined) {
    const properties: Record<string, JsonSchema> = {};
    for (const [name, sub] of Object.entries(out.properties as Record<string, JsonSchema>)) {
      properties[name] = structural(sub, `${path}.${name}`);
    }
    out.properties = properties;
  }
  if (out.items !== undefined) out.items = structural(out.items as JsonSchema, `${path}[]`);
  if (out.additionalProperties !== undefined) {
    out.additionalProperties = structural(out.additionalProperties as JsonSchema, `${path}{}`);
  }

  // A value of any JSON type (zod's `unknown`): Kubernetes spells that "keep whatever is there".
  if (out.type === undefined && out.properties === undefined && out['x-kubernetes-int-or-string'] !== true) {
    out['x-kubernetes-preserve-unknown-fields'] = true;
  }
  return out;
}

function isEmptySchema(value: unknown): boolean {
  return typeof value === 'object' && value !== null && Object.keys(value).length === 0;
}

function describeOf(node: JsonSchema | undefined): string | undefined {
  return typeof node?.description === 'string' ? node.description : undefined;
}

/** Deep copy with object keys sorted; arrays keep their order; undefined values are dropped. */
export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined) out[key] = sortKeys(v);
  }
  return out;
}
