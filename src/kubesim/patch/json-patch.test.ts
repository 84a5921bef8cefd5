import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError } from '../apiserver/types.ts';
import { applyJsonPatch } from './json-patch.ts';
import { applyMergePatch } from './merge-patch.ts';

function failure(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ApiError, String(err));
    return err;
  }
  assert.fail('expected an ApiError');
}

const doc = () => ({
  metadata: { name: 'c', labels: { 'app.kubernetes.io/name': 'web', 'a~b': 'x' } },
  data: { k: 'v' },
  list: [1, 2, 3],
});

test('add, remove, replace, move, copy and test (RFC 6902)', () => {
  const input = doc();
  const out = applyJsonPatch(input, [
    { op: 'test', path: '/data/k', value: 'v' },
    { op: 'add', path: '/data/n', value: { deep: [1] } },
    { op: 'replace', path: '/metadata/name', value: 'd' },
    { op: 'remove', path: '/metadata/labels/app.kubernetes.io~1name' },
    { op: 'add', path: '/list/1', value: 9 },
    { op: 'add', path: '/list/-', value: 4 },
    { op: 'move', from: '/data/k', path: '/data/moved' },
    { op: 'copy', from: '/data/n', path: '/copied' },
    { op: 'test', path: '/metadata/labels/a~0b', value: 'x' },
  ]);
  assert.deepEqual(out, {
    metadata: { name: 'd', labels: { 'a~b': 'x' } },
    data: { n: { deep: [1] }, moved: 'v' },
    list: [1, 9, 2, 3, 4],
    copied: { deep: [1] },
  });
  assert.deepEqual(input, doc(), 'the document is patched on a copy');
  (out.copied as { deep: number[] }).deep.push(2);
  assert.deepEqual((out.data as { n: { deep: number[] } }).n.deep, [1], 'copy makes an independent value');
});

test('a failed test is 422 Invalid naming the path', () => {
  const err = failure(() => applyJsonPatch(doc(), [{ op: 'test', path: '/data/k', value: 'other' }]));
  assert.equal(err.code, 422);
  assert.equal(err.status.reason, 'Invalid');
  assert.match(err.status.message ?? '', /testing value \/data\/k failed/);
});

test('missing paths and bad indices are 422', () => {
  for (const op of [
    { op: 'remove', path: '/data/missing' },
    { op: 'replace', path: '/nope', value: 1 },
    { op: 'add', path: '/a/b/c', value: 1 },
    { op: 'add', path: '/list/7', value: 1 },
    { op: 'remove', path: '/list/01' },
    { op: 'move', from: '/x', path: '/y' },
    { op: 'frobnicate', path: '/data' },
    { op: 'add', path: 'data', value: 1 },
    { op: 'add', path: '/data/x' },
  ]) {
    const err = failure(() => applyJsonPatch(doc(), [op]));
    assert.equal(err.code, 422, JSON.stringify(op));
  }
  assert.match(
    failure(() => applyJsonPatch(doc(), [{ op: 'remove', path: '/data/missing' }])).status.message ?? '',
    /remove operation does not apply: doc is missing path: "\/data\/missing"/,
  );
});

test('a body that is not an array of operations is 400', () => {
  assert.equal(failure(() => applyJsonPatch(doc(), { op: 'add' })).code, 400);
});

test('replacing the root and comparing structures', () => {
  assert.deepEqual(applyJsonPatch(doc(), [{ op: 'replace', path: '', value: { a: 1 } }]), { a: 1 });
  assert.deepEqual(
    applyJsonPatch({ a: { x: 1, y: [1, { z: 2 }] } }, [
      { op: 'test', path: '/a', value: { y: [1, { z: 2 }], x: 1 } },
    ]),
    { a: { x: 1, y: [1, { z: 2 }] } },
  );
});

test('merge patch (RFC 7386): objects merge, null deletes, arrays replace', () => {
  const input = doc();
  const out = applyMergePatch(input, {
    metadata: { labels: { 'a~b': null, new: 'y' } },
    data: { k: { nested: true, gone: null } },
    list: [7],
  });
  assert.deepEqual(out, {
    metadata: { name: 'c', labels: { 'app.kubernetes.io/name': 'web', new: 'y' } },
    data: { k: { nested: true } },
    list: [7],
  });
  assert.deepEqual(input, doc());
  assert.equal(failure(() => applyMergePatch(doc(), [1])).code, 400);
});
