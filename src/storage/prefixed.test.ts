import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isLifeboatError } from '../core/errors.ts';
import { runObjectStoreConformance } from './conformance.ts';
import { createMemoryObjectStore } from './memory.ts';
import { createPrefixedObjectStore } from './prefixed.ts';

runObjectStoreConformance({
  name: 'prefixed view (restic/<namespace>) over memory',
  create: async () => {
    const outer = createMemoryObjectStore({ prefix: 'bsl-prefix' });
    await outer.put('restic/other-ns/config', 'not ours');
    await outer.put('restic/ns-10', 'a sibling whose name extends ours');
    return createPrefixedObjectStore(outer, 'restic/ns-1');
  },
  cleanup: async () => undefined,
  signedUrls: false,
});

test('a view sees only its sub-prefix and maps keys both ways', async () => {
  const outer = createMemoryObjectStore();
  const view = createPrefixedObjectStore(outer, '/restic/ns1/');
  await view.put('data/ab/abcd', 'pack');
  await outer.put('restic/ns2/config', 'other');
  assert.deepEqual([...outer.bucket.keys()].sort(), ['restic/ns1/data/ab/abcd', 'restic/ns2/config']);
  const listed: string[] = [];
  for await (const info of view.list('')) listed.push(info.key);
  assert.deepEqual(listed, ['data/ab/abcd']);
  assert.deepEqual(await view.listCommonPrefixes(''), ['data/']);
  assert.equal((await view.stat('data/ab/abcd')).key, 'data/ab/abcd');
  await assert.rejects(view.getBuffer('../ns2/config'), (e) => isLifeboatError(e, 'Invalid'));
  assert.throws(
    () => createPrefixedObjectStore(outer, 'restic/../x'),
    (e) => isLifeboatError(e, 'Invalid'),
  );
  assert.equal(createPrefixedObjectStore(outer, '/'), outer, 'an empty sub-prefix is the store itself');
});
