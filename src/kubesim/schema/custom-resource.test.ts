import assert from 'node:assert/strict';
import { test } from 'node:test';
import { invalid } from '../apiserver/errors.ts';
import type { KubeObject } from '../registry/types.ts';
import { defaultCustomResource, strictDecodingMessage, validateCustomResource } from './custom-resource.ts';

const schema = {
  type: 'object',
  required: ['spec'],
  properties: {
    spec: {
      type: 'object',
      required: ['name'],
      properties: {
        name: { type: 'string', minLength: 1, maxLength: 10, pattern: '^[a-z]+$' },
        replicas: { type: 'integer', minimum: 1, maximum: 10, default: 1, format: 'int32' },
        size: { type: 'string', enum: ['small', 'large'], default: 'small' },
        ratio: { type: 'number', minimum: 0, exclusiveMinimum: true },
        when: { type: 'string', format: 'date-time' },
        port: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] },
        tags: {
          type: 'array',
          minItems: 1,
          maxItems: 3,
          items: { type: 'string' },
          'x-kubernetes-list-type': 'set',
        },
        config: { type: 'object', additionalProperties: { type: 'string' } },
        extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        note: { type: 'string', nullable: true },
        label: { type: 'string' },
        template: {
          type: 'object',
          'x-kubernetes-embedded-resource': true,
          'x-kubernetes-preserve-unknown-fields': true,
        },
        logging: { type: 'object', default: {}, properties: { level: { type: 'string', default: 'info' } } },
        items: {
          type: 'array',
          items: {
            type: 'object',
            properties: { n: { type: 'string' }, v: { type: 'integer', default: 0 } },
          },
        },
      },
    },
    status: { type: 'object', properties: { phase: { type: 'string' } } },
  },
};

function widget(spec: Record<string, unknown>, extra: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'example.com/v1',
    kind: 'Widget',
    metadata: { name: 'w', namespace: 'default' },
    spec,
    ...extra,
  };
}

function messages(spec: Record<string, unknown>): string[] {
  return validateCustomResource(widget(spec), schema, { fieldValidation: 'Strict' }).causes.map(
    (c) => `${c.field}: ${c.message}`,
  );
}

test('a valid object is pruned and defaulted, and the input is left alone', () => {
  const input = widget(
    {
      name: 'abc',
      foo: 'bar',
      items: [{ n: 'x', junk: 1 }],
      extra: { anything: { goes: [1] } },
      template: {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'p', bogus: 1 },
        spec: { containers: [] },
      },
    },
    { junk: true },
  );
  input.metadata.bogus = 'x';
  const { object, causes, unknownFields } = validateCustomResource(input, schema, {
    fieldValidation: 'Strict',
  });
  assert.deepEqual(causes, []);
  assert.deepEqual(unknownFields, [
    'junk',
    'metadata.bogus',
    'spec.foo',
    'spec.items[0].junk',
    'spec.template.metadata.bogus',
  ]);
  assert.deepEqual(object.spec, {
    name: 'abc',
    replicas: 1,
    size: 'small',
    logging: { level: 'info' },
    items: [{ n: 'x', v: 0 }],
    extra: { anything: { goes: [1] } },
    template: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [] } },
  });
  assert.equal(object.junk, undefined);
  assert.equal((input.spec as Record<string, unknown>).foo, 'bar', 'the input is not modified');
  assert.equal(
    strictDecodingMessage(unknownFields.slice(0, 2)),
    'strict decoding error: unknown field "junk", unknown field "metadata.bogus"',
  );
});

test('Ignore still prunes but reports nothing', () => {
  const result = validateCustomResource(widget({ name: 'a', foo: 1 }), schema, { fieldValidation: 'Ignore' });
  assert.deepEqual(result.unknownFields, []);
  assert.equal((result.object.spec as Record<string, unknown>).foo, undefined);
});

test('type errors use the real wording, also in the 422 message', () => {
  const { causes } = validateCustomResource(widget({ name: 'a', replicas: 'string' }), schema);
  assert.deepEqual(causes, [
    {
      field: 'spec.replicas',
      message: 'Invalid value: "string": spec.replicas in body must be of type integer: "string"',
      reason: 'FieldValueTypeInvalid',
    },
  ]);
  const err = invalid({ group: 'example.com', kind: 'Widget' }, 'w', causes);
  assert.equal(
    err.status.message,
    'Widget.example.com "w" is invalid: spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"',
  );
});

test('enum, required, pattern and lengths', () => {
  assert.deepEqual(messages({ name: 'a', size: 'huge' }), [
    'spec.size: Unsupported value: "huge": supported values: "small", "large"',
  ]);
  assert.deepEqual(messages({}), ['spec.name: Required value']);
  assert.deepEqual(
    validateCustomResource(
      { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } },
      schema,
    ).causes.map((c) => `${c.field}: ${c.message}`),
    ['spec: Required value'],
  );
  assert.deepEqual(messages({ name: 'ABC' }), [
    'spec.name: Invalid value: "ABC": spec.name in body should match \'^[a-z]+$\'',
  ]);
  assert.deepEqual(messages({ name: '' }), [
    'spec.name: Invalid value: "": spec.name in body should be at least 1 chars long',
    'spec.name: Invalid value: "": spec.name in body should match \'^[a-z]+$\'',
  ]);
  assert.deepEqual(messages({ name: 'abcdefghijk' }), ['spec.name: Too long: may not be more than 10 bytes']);
});

test('numeric bounds, exclusive minimum and integer formats', () => {
  assert.deepEqual(messages({ name: 'a', replicas: 0 }), [
    'spec.replicas: Invalid value: 0: spec.replicas in body should be greater than or equal to 1',
  ]);
  assert.deepEqual(messages({ name: 'a', replicas: 11 }), [
    'spec.replicas: Invalid value: 11: spec.replicas in body should be less than or equal to 10',
  ]);
  assert.deepEqual(messages({ name: 'a', ratio: 0 }), [
    'spec.ratio: Invalid value: 0: spec.ratio in body should be greater than 0',
  ]);
  assert.deepEqual(messages({ name: 'a', ratio: 0.5 }), []);
  assert.deepEqual(messages({ name: 'a', replicas: 1.5 }), [
    'spec.replicas: Invalid value: "number": spec.replicas in body must be of type integer: "number"',
  ]);
});

test('string formats', () => {
  assert.deepEqual(messages({ name: 'a', when: '2026-01-01T10:00:00Z' }), []);
  assert.deepEqual(messages({ name: 'a', when: 'yesterday' }), [
    'spec.when: Invalid value: "yesterday": spec.when in body must be of type date-time: "yesterday"',
  ]);
});

test('int-or-string accepts both and names both types otherwise', () => {
  assert.deepEqual(messages({ name: 'a', port: 80 }), []);
  assert.deepEqual(messages({ name: 'a', port: 'http' }), []);
  assert.deepEqual(messages({ name: 'a', port: true }), [
    'spec.port: Invalid value: "boolean": spec.port in body must be of type integer,string: "boolean"',
  ]);
});

test('arrays: item counts, set duplicates, item types', () => {
  assert.deepEqual(messages({ name: 'a', tags: [] }), [
    'spec.tags: Invalid value: 0: spec.tags in body should have at least 1 items',
  ]);
  assert.deepEqual(messages({ name: 'a', tags: ['a', 'b', 'c', 'd'] }), [
    'spec.tags: Too many: 4: must have at most 3 items',
  ]);
  assert.deepEqual(messages({ name: 'a', tags: ['a', 'a'] }), ['spec.tags[1]: Duplicate value: "a"']);
  assert.deepEqual(messages({ name: 'a', tags: [1] }), [
    'spec.tags[0]: Invalid value: "integer": spec.tags[0] in body must be of type string: "integer"',
  ]);
});

test('maps of a value schema validate each value', () => {
  assert.deepEqual(messages({ name: 'a', config: { a: 'x', b: 2 } }), [
    'spec.config.b: Invalid value: "integer": spec.config.b in body must be of type string: "integer"',
  ]);
});

test('nulls: kept where nullable, defaulted or dropped elsewhere', () => {
  const { object, causes } = validateCustomResource(
    widget({ name: 'a', note: null, label: null, size: null }),
    schema,
  );
  assert.deepEqual(causes, []);
  const spec = object.spec as Record<string, unknown>;
  assert.equal(spec.note, null);
  assert.equal(Object.hasOwn(spec, 'label'), false);
  assert.equal(spec.size, 'small');
});

test('embedded resources need apiVersion and kind', () => {
  assert.deepEqual(messages({ name: 'a', template: { metadata: {} } }), [
    'spec.template.apiVersion: Required value: must not be empty',
    'spec.template.kind: Required value: must not be empty',
  ]);
});

test('read-time defaulting adds defaults introduced after the object was stored', () => {
  const stored = widget({ name: 'a' });
  const read = defaultCustomResource(stored, schema);
  assert.equal((read.spec as Record<string, unknown>).replicas, 1);
  assert.equal((stored.spec as Record<string, unknown>).replicas, undefined);
});

test('without a schema everything is accepted as is', () => {
  const result = validateCustomResource(widget({ anything: 1 }), undefined);
  assert.deepEqual(result.causes, []);
  assert.deepEqual(result.object.spec, { anything: 1 });
});
