import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventHistory } from './history.ts';

test('replays events after a resourceVersion while it is inside the window', () => {
  const h = new EventHistory<{ rv: number }>(3, 10);
  assert.deepEqual(h.since(10), []);
  for (const rv of [11, 12, 13]) h.push({ rv });
  assert.deepEqual(
    h.since(11)?.map((e) => e.rv),
    [12, 13],
  );
  h.push({ rv: 14 });
  assert.equal(h.floor, 11);
  assert.equal(h.oldest, 12);
  assert.deepEqual(
    h.since(11)?.map((e) => e.rv),
    [12, 13, 14],
  );
  assert.equal(h.since(10), undefined, 'rv 11 was compacted away');
  assert.deepEqual(h.since(14), []);
  assert.deepEqual(h.since(99), []);
});
