import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { crdOpenApiSchema, sortKeys } from './openapi.ts';

// biome-ignore lint/suspicious/noExplicitAny: tests reach into generated JSON schemas by path
type Json = any;

const resource = (spec: z.ZodType) =>
  z.object({
    apiVersion: z.literal('lifeboat.io/v1').optional(),
    kind: z.literal('Thing').optional(),
    metadata: z.looseObject({ name: z.string().optional() }),
    spec,
  });

function specOf(spec: z.ZodType): Record<string, Json> {
  return (crdOpenApiSchema(resource(spec)).properties as Record<string, Json>).spec;
}

test('strict objects lose additionalProperties: false; plain objects have none to lose', () => {
  const spec = specOf(z.strictObject({ a: z.string() }));
  assert.deepEqual(spec, { properties: { a: { type: 'string' } }, required: ['a'], type: 'object' });
});

test('loose objects keep their declared properties and preserve unknown fields', () => {
  const spec = specOf(z.object({ c: z.looseObject({ name: z.string() }) }));
  assert.deepEqual(spec.properties.c, {
    properties: { name: { type: 'string' } },
    required: ['name'],
    type: 'object',
    'x-kubernetes-preserve-unknown-fields': true,
  });
});

test('maps keep additionalProperties; maps of anything and unknown values preserve unknown fields', () => {
  const spec = specOf(
    z.object({
      m: z.record(z.string(), z.string()),
      free: z.record(z.string(), z.unknown()),
      any: z.unknown(),
    }),
  );
  assert.deepEqual(spec.properties.m, { additionalProperties: { type: 'string' }, type: 'object' });
  assert.deepEqual(spec.properties.free, { type: 'object', 'x-kubernetes-preserve-unknown-fields': true });
  assert.deepEqual(spec.properties.any, { 'x-kubernetes-preserve-unknown-fields': true });
});

test("zod's safe-integer bounds go, real bounds stay", () => {
  const spec = specOf(z.object({ n: z.int(), m: z.int().min(0).max(10) }));
  assert.deepEqual(spec.properties.n, { type: 'integer' });
  assert.deepEqual(spec.properties.m, { maximum: 10, minimum: 0, type: 'integer' });
});

test('date-time keeps its format without the long pattern; base64 becomes byte', () => {
  const spec = specOf(z.object({ t: z.iso.datetime({ offset: true }), b: z.base64() }));
  assert.deepEqual(spec.properties.t, { format: 'date-time', type: 'string' });
  assert.deepEqual(spec.properties.b, { format: 'byte', type: 'string' });
});

test('nullable fields say nullable; x-lifeboat annotations are removed, x-kubernetes ones kept', () => {
  const spec = specOf(
    z.object({
      l: z.array(z.string()).nullable().meta({ 'x-lifeboat-added': true, 'x-kubernetes-list-type': 'set' }),
    }),
  );
  assert.deepEqual(spec.properties.l, {
    items: { type: 'string' },
    nullable: true,
    type: 'array',
    'x-kubernetes-list-type': 'set',
  });
});

test('the root: metadata is type object only, apiVersion and kind plain strings, keys sorted', () => {
  const schema = crdOpenApiSchema(resource(z.object({ b: z.string(), a: z.string() })));
  const props = schema.properties as Record<string, Json>;
  assert.deepEqual(props.metadata, { type: 'object' });
  assert.deepEqual(props.kind, { type: 'string' });
  assert.deepEqual(Object.keys(props), ['apiVersion', 'kind', 'metadata', 'spec']);
  assert.deepEqual(Object.keys(props.spec.properties), ['a', 'b']);
});

test('unions are refused rather than emitted as a non-structural anyOf', () => {
  assert.throws(
    () => specOf(z.object({ u: z.union([z.string(), z.int()]) })),
    /CRD schema at \.spec\.u uses anyOf/,
  );
});

test('sortKeys sorts nested keys, keeps array order and drops undefined', () => {
  assert.deepEqual(
    JSON.stringify(sortKeys({ b: 1, a: [{ d: 1, c: undefined, b: 2 }] })),
    '{"a":[{"b":2,"d":1}],"b":1}',
  );
});
