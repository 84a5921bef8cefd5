import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateStructuralSchema } from './structural.ts';

const BASE = 'spec.versions[0].schema.openAPIV3Schema';

function problems(schema: unknown): string[] {
  return validateStructuralSchema(schema).map((c) => `${c.field}: ${c.message}`);
}

test('a typical structural schema passes', () => {
  assert.deepEqual(
    problems({
      type: 'object',
      properties: {
        metadata: { type: 'object', properties: { name: { type: 'string', maxLength: 20 } } },
        spec: {
          type: 'object',
          required: ['size'],
          properties: {
            size: { type: 'string', enum: ['small', 'large'], default: 'small' },
            port: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] },
            labels: { type: 'object', additionalProperties: { type: 'string' } },
            ports: {
              type: 'array',
              'x-kubernetes-list-type': 'map',
              'x-kubernetes-list-map-keys': ['port'],
              items: { type: 'object', required: ['port'], properties: { port: { type: 'integer' } } },
            },
            raw: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
            either: { type: 'string', oneOf: [{ pattern: '^a' }, { pattern: '^b' }] },
          },
        },
      },
    }),
    [],
  );
});

test('types are required, the root is an object, arrays have items', () => {
  assert.deepEqual(problems({ type: 'object', properties: { spec: { properties: {} } } }), [
    `${BASE}.properties[spec].type: Required value: must not be empty for specified object fields`,
  ]);
  assert.deepEqual(problems({ properties: {} }), [
    `${BASE}.type: Required value: must not be empty at the root`,
  ]);
  assert.deepEqual(problems({ type: 'string' }), [
    `${BASE}.type: Invalid value: "string": must be object at the root`,
  ]);
  assert.deepEqual(problems({ type: 'object', properties: { list: { type: 'array' } } }), [
    `${BASE}.properties[list].items: Required value: must be specified`,
  ]);
  assert.deepEqual(problems({ type: 'object', properties: { list: { type: 'array', items: {} } } }), [
    `${BASE}.properties[list].items.type: Required value: must not be empty for specified array items`,
  ]);
});

test('root metadata may only constrain name and generateName', () => {
  assert.deepEqual(
    problems({
      type: 'object',
      properties: { metadata: { type: 'object', properties: { labels: { type: 'object' } } } },
    }),
    [
      `${BASE}.properties[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified`,
    ],
  );
});

test('forbidden keywords: uniqueItems, additionalProperties with properties, structure inside anyOf', () => {
  const found = problems({
    type: 'object',
    properties: {
      a: { type: 'array', uniqueItems: true, items: { type: 'string' } },
      b: { type: 'object', properties: { x: { type: 'string' } }, additionalProperties: { type: 'string' } },
      c: { type: 'string', anyOf: [{ type: 'string', default: 'x' }, { pattern: 'y' }] },
    },
  });
  assert.ok(
    found.includes(
      `${BASE}.properties[a].uniqueItems: Forbidden: uniqueItems cannot be set to true since the runtime complexity becomes quadratic`,
    ),
  );
  assert.ok(
    found.includes(
      `${BASE}.properties[b].additionalProperties: Forbidden: additionalProperties and properties are mutual exclusive`,
    ),
  );
  assert.ok(
    found.includes(`${BASE}.properties[c].anyOf[0].default: Forbidden: must be empty to be structural`),
  );
});

test('list-type map needs keys that are required or defaulted', () => {
  assert.deepEqual(
    problems({
      type: 'object',
      properties: { l: { type: 'array', 'x-kubernetes-list-type': 'map', items: { type: 'object' } } },
    }),
    [
      `${BASE}.properties[l].x-kubernetes-list-map-keys: Required value: must not be empty if x-kubernetes-list-type is map`,
    ],
  );
  const found = problems({
    type: 'object',
    properties: {
      l: {
        type: 'array',
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['name'],
        items: { type: 'object', properties: { name: { type: 'string' } } },
      },
    },
  });
  assert.equal(found.length, 1);
  assert.match(found[0], /must have a default or be a required property/);
});

test('defaults must validate against their schema', () => {
  assert.deepEqual(
    problems({ type: 'object', properties: { size: { type: 'string', enum: ['s', 'l'], default: 'xl' } } }),
    [`${BASE}.properties[size].default: Unsupported value: "xl": supported values: "s", "l"`],
  );
  assert.deepEqual(problems({ type: 'object', properties: { n: { type: 'integer', default: 'one' } } }), [
    `${BASE}.properties[n].default: Invalid value: "string": ${BASE}.properties[n].default in body must be of type integer: "string"`,
  ]);
});

test('a missing schema is reported, and a custom base path is used', () => {
  assert.deepEqual(validateStructuralSchema(undefined, 'spec.validation.openAPIV3Schema'), [
    {
      field: 'spec.validation.openAPIV3Schema',
      message: 'Required value: must be specified',
      reason: 'FieldValueRequired',
    },
  ]);
});
