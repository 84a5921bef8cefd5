import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../registry/types.ts';
import { convertJson } from './codec.ts';
import { MemoryStore, type StoreEvent } from './store.ts';

function cm(namespace: string, name: string, labels?: Record<string, string>): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, labels }, data: { k: name } };
}

test('every write takes the next global resourceVersion and is stored as apiVersion-first JSON', () => {
  const store = new MemoryStore();
  const a = store.write('configmaps', cm('ns1', 'a'));
  const b = store.write('secrets', {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'b', namespace: 'ns1' },
  });
  assert.equal(a.rv, 1);
  assert.equal(b.rv, 2);
  assert.equal(store.resourceVersion, 2);
  assert.ok(a.json.startsWith('{"apiVersion":"v1","kind":"ConfigMap","metadata":{'));
  assert.equal(JSON.parse(a.json).metadata.resourceVersion, '1');
  assert.equal(store.get('configmaps', 'ns1', 'a')?.rv, 1);
  assert.equal(store.get('configmaps', 'ns2', 'a'), undefined);
});

test('pages run in namespace-then-name order, resume after a key, and count what remains', () => {
  const store = new MemoryStore();
  for (const ns of ['b', 'a', 'a-b']) for (const n of ['z', 'x', 'y']) store.write('configmaps', cm(ns, n));
  const all = store.page('configmaps');
  assert.deepEqual(
    all.entries.map((e) => `${e.namespace}/${e.name}`),
    ['a/x', 'a/y', 'a/z', 'a-b/x', 'a-b/y', 'a-b/z', 'b/x', 'b/y', 'b/z'],
  );
  assert.equal(all.nextAfter, undefined);
  const first = store.page('configmaps', { limit: 4 });
  assert.equal(first.entries.length, 4);
  assert.equal(first.remaining, 5);
  const second = store.page('configmaps', { limit: 4, after: first.nextAfter });
  assert.deepEqual(
    second.entries.map((e) => `${e.namespace}/${e.name}`),
    ['a-b/y', 'a-b/z', 'b/x', 'b/y'],
  );
  const ns = store.page('configmaps', { namespace: 'a', limit: 2 });
  assert.deepEqual(
    ns.entries.map((e) => e.name),
    ['x', 'y'],
  );
  assert.equal(ns.remaining, 1);
  const nsLast = store.page('configmaps', { namespace: 'a', limit: 2, after: ns.nextAfter });
  assert.deepEqual(
    nsLast.entries.map((e) => e.name),
    ['z'],
  );
  assert.equal(nsLast.nextAfter, undefined);
  assert.equal(store.count('configmaps', 'a-b'), 3);
  assert.equal(store.count('configmaps'), 9);
});

test('a filtered page skips non-matching entries and omits remainingItemCount', () => {
  const store = new MemoryStore();
  for (let i = 0; i < 10; i++) store.write('configmaps', cm('ns', `c${i}`, { even: String(i % 2 === 0) }));
  const page = store.page('configmaps', { limit: 2, filter: (e) => e.labels?.even === 'true' });
  assert.deepEqual(
    page.entries.map((e) => e.name),
    ['c0', 'c2'],
  );
  assert.equal(page.nextAfter, '\0c2'.replace('\0', 'ns\0'));
  assert.equal(page.remaining, undefined);
});

test('removal emits DELETED with a new rv and the previous state; subscribers see events in order', () => {
  const store = new MemoryStore({ historySize: 2 });
  const seen: StoreEvent[] = [];
  const stop = store.subscribe('configmaps', (e) => seen.push(e));
  store.write('configmaps', cm('ns', 'a'));
  store.write('configmaps', cm('ns', 'a', { x: '1' }));
  const final = store.remove('configmaps', cm('ns', 'a', { x: '1' }));
  stop();
  store.write('configmaps', cm('ns', 'b'));
  assert.deepEqual(
    seen.map((e) => [e.type, e.rv]),
    [
      ['ADDED', 1],
      ['MODIFIED', 2],
      ['DELETED', 3],
    ],
  );
  assert.equal(final?.rv, 3);
  assert.equal(seen[2].prev?.rv, 2);
  assert.equal(store.get('configmaps', 'ns', 'a'), undefined);
  assert.equal(store.remove('configmaps', cm('ns', 'a')), undefined);
  assert.equal(store.eventsSince(1), undefined, 'history of 2 no longer covers rv 2');
  assert.deepEqual(
    store.eventsSince(2)?.map((e) => e.rv),
    [3, 4],
  );
});

test('a subscriber that throws does not stop the write or other subscribers', () => {
  const store = new MemoryStore();
  let heard = 0;
  store.subscribe('configmaps', () => {
    throw new Error('boom');
  });
  store.subscribe('configmaps', () => heard++);
  store.write('configmaps', cm('ns', 'a'));
  assert.equal(heard, 1);
});

test('convertJson swaps only the leading apiVersion', () => {
  const json =
    '{"apiVersion":"example.com/v1","kind":"W","metadata":{},"spec":{"apiVersion":"example.com/v1"}}';
  const out = convertJson(json, 'example.com/v1', 'example.com/v2');
  assert.deepEqual(JSON.parse(out), {
    apiVersion: 'example.com/v2',
    kind: 'W',
    metadata: {},
    spec: { apiVersion: 'example.com/v1' },
  });
});

test('objects are stored apiVersion, kind, metadata first whatever order they came in', () => {
  const store = new MemoryStore();
  const e = store.write('configmaps', {
    data: { a: '1' },
    metadata: { name: 'x', namespace: 'n' },
    kind: 'ConfigMap',
    apiVersion: 'v1',
  } as KubeObject);
  assert.ok(e.json.startsWith('{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"'));
  assert.deepEqual(JSON.parse(e.json).data, { a: '1' });
});

test('pages over many namespaces match a sorted list of every key, from any resume point', () => {
  const store = new MemoryStore();
  const live = new Set<string>();
  let seed = 11;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  for (let i = 0; i < 600; i++) {
    const ns = `ns-${rand(12)}`;
    const name = `o-${rand(80)}`;
    store.write('configmaps', cm(ns, name));
    live.add(`${ns}\0${name}`);
    if (i % 4 === 0) {
      const [dns, dname] = [...live][rand(live.size)].split('\0');
      store.remove('configmaps', cm(dns, dname));
      live.delete(`${dns}\0${dname}`);
    }
  }
  // Empty a namespace entirely: its resume points must still work.
  for (const key of [...live].filter((k) => k.startsWith('ns-3\0'))) {
    const [dns, dname] = key.split('\0');
    store.remove('configmaps', cm(dns, dname));
    live.delete(key);
  }
  const sorted = [...live].sort();
  const keyOf = (e: { namespace: string; name: string }): string => `${e.namespace}\0${e.name}`;
  assert.equal(store.count('configmaps'), sorted.length);
  assert.equal(store.count('configmaps', 'ns-3'), 0);
  for (const after of [undefined, 'ns-1\0o-40', 'ns-3\0o-1', 'ns-3', 'ns-10', 'ns-11\0zzz', 'a', 'zzz']) {
    const expected = sorted.filter((k) => after === undefined || k > after);
    const page = store.page('configmaps', { after, limit: 7 });
    assert.deepEqual(page.entries.map(keyOf), expected.slice(0, 7), String(after));
    if (expected.length > 7) {
      assert.equal(page.nextAfter, expected[6]);
      assert.equal(page.remaining, expected.length - 7);
    } else assert.equal(page.nextAfter, undefined);
    for (const namespace of ['ns-1', 'ns-3', 'ns-10', 'ns-11']) {
      const inNs = expected.filter((k) => k.startsWith(`${namespace}\0`));
      const nsPage = store.page('configmaps', { namespace, after, limit: 5 });
      assert.deepEqual(nsPage.entries.map(keyOf), inNs.slice(0, 5), `${namespace} after ${after}`);
      if (inNs.length > 5) assert.equal(nsPage.remaining, inNs.length - 5);
      else assert.equal(nsPage.nextAfter, undefined);
    }
  }
  // Walking every page from the start visits every key once.
  const walked: string[] = [];
  let after: string | undefined;
  do {
    const page = store.page('configmaps', { after, limit: 9 });
    walked.push(...page.entries.map(keyOf));
    after = page.nextAfter;
  } while (after !== undefined);
  assert.deepEqual(walked, sorted);
});

test('add writes a new object and leaves a stored one of the same name alone', () => {
  const store = new MemoryStore();
  const first = store.add('configmaps', cm('ns', 'a', { v: '1' }));
  assert.equal(first?.rv, 1);
  const again = cm('ns', 'a', { v: '2' });
  assert.equal(store.add('configmaps', again), undefined);
  assert.equal(again.metadata.resourceVersion, undefined, 'a refused object is not stamped');
  assert.equal(store.resourceVersion, 1);
  assert.deepEqual(store.get('configmaps', 'ns', 'a')?.labels, { v: '1' });
  assert.equal(store.eventsSince(0)?.length, 1);
});
