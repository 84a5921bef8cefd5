import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError } from '../apiserver/types.ts';
import { decodeObject, decodePatch, patchTypeOf } from './body.ts';

function statusOf(fn: () => unknown): { code: number; message: string } {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) return { code: err.code, message: err.message };
    throw err;
  }
  assert.fail('expected an ApiError');
}

test('bodies decode by content type: JSON, YAML, apply patches in YAML or JSON', () => {
  assert.deepEqual(decodeObject(Buffer.from('{"a":1}'), 'application/json; charset=utf-8'), { a: 1 });
  assert.deepEqual(decodeObject(Buffer.from('a: 1\nb: [x]\n'), 'application/yaml'), { a: 1, b: ['x'] });
  assert.equal(patchTypeOf('application/apply-patch+yaml'), 'apply');
  assert.deepEqual(decodePatch(Buffer.from('metadata:\n  name: x\n'), 'apply'), { metadata: { name: 'x' } });
  assert.deepEqual(decodePatch(Buffer.from('[{"op":"remove","path":"/a"}]'), 'json'), [
    { op: 'remove', path: '/a' },
  ]);
});

test('bad bodies are 400 naming the problem, without quoting the body back', () => {
  const secret = statusOf(() =>
    decodeObject(Buffer.from('{"data":{"password":"hunter2"} }}'), 'application/json'),
  );
  assert.equal(secret.code, 400);
  assert.match(secret.message, /not valid JSON/);
  assert.doesNotMatch(secret.message, /hunter2/);
  assert.equal(statusOf(() => decodeObject(Buffer.alloc(0), 'application/json')).code, 400);
  assert.equal(statusOf(() => decodeObject(Buffer.from('a: [1'), 'application/yaml')).code, 400);
  assert.equal(statusOf(() => decodeObject(Buffer.from('x'), 'text/plain')).code, 415);
  assert.equal(statusOf(() => patchTypeOf('application/json')).code, 415);
  assert.equal(
    statusOf(() => decodeObject(Buffer.from('not protobuf'), 'application/vnd.kubernetes.protobuf')).code,
    400,
  );
});
