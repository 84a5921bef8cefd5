import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SortedKeys } from './sorted-keys.ts';

function collect(
  keys: SortedKeys,
  start = '',
  exclusive = false,
  limit = Number.POSITIVE_INFINITY,
): string[] {
  const out: string[] = [];
  keys.scan(start, exclusive, (k) => {
    out.push(k);
    return out.length < limit;
  });
  return out;
}

test('keeps keys sorted across many chunks, with inserts and deletes in random order', () => {
  const keys = new SortedKeys();
  const expected = new Set<string>();
  let seed = 7;
  const rand = (): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed;
  };
  for (let i = 0; i < 5000; i++) {
    const k = `k${rand() % 3000}`;
    assert.equal(keys.insert(k), !expected.has(k));
    expected.add(k);
    if (i % 3 === 0) {
      const d = `k${rand() % 3000}`;
      assert.equal(keys.delete(d), expected.delete(d));
    }
  }
  assert.equal(keys.size, expected.size);
  assert.deepEqual(collect(keys), [...expected].sort());
});

test('scan starts at or after a key, and rank counts smaller keys', () => {
  const keys = new SortedKeys();
  for (let i = 0; i < 2000; i++) keys.insert(String(i).padStart(5, '0'));
  assert.deepEqual(collect(keys, '01000', false, 2), ['01000', '01001']);
  assert.deepEqual(collect(keys, '01000', true, 2), ['01001', '01002']);
  assert.deepEqual(collect(keys, '010005', false, 1), ['01001']);
  assert.deepEqual(collect(keys, '99999', false), []);
  assert.equal(keys.rank('01000'), 1000);
  assert.equal(keys.rank('zzz'), 2000);
  assert.equal(keys.has('01999'), true);
  assert.equal(keys.has('02000'), false);
});

test('an emptied index is empty again', () => {
  const keys = new SortedKeys();
  for (let i = 0; i < 1500; i++) keys.insert(`a${i}`);
  for (let i = 0; i < 1500; i++) assert.ok(keys.delete(`a${i}`));
  assert.equal(keys.size, 0);
  assert.deepEqual(collect(keys), []);
  assert.equal(keys.delete('a1'), false);
});

test('keys below a chunk head and removed chunk heads keep every lookup right', () => {
  const keys = new SortedKeys();
  // Descending inserts put every new key at the head of the first chunk, and split it again and again.
  for (let i = 999; i >= 0; i--) keys.insert(String(i).padStart(4, '0'));
  for (let i = 0; i < 1000; i += 2) assert.ok(keys.delete(String(i).padStart(4, '0')));
  assert.equal(keys.size, 500);
  for (let i = 0; i < 1000; i++) assert.equal(keys.has(String(i).padStart(4, '0')), i % 2 === 1, String(i));
  assert.equal(keys.rank('0500'), 250);
  assert.deepEqual(collect(keys, '0100', false, 3), ['0101', '0103', '0105']);
  assert.equal(keys.insert('0000'), true);
  assert.deepEqual(collect(keys, '', false, 2), ['0000', '0001']);
});
