import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { digestList, type ItemMetadataDigest, itemBounds } from './list-scan.ts';

type Json = Record<string, unknown>;

/** What a digest must hold of an item, taken from the parsed object (the reference). */
function projection(item: Json): ItemMetadataDigest {
  const meta = item.metadata as Json | undefined;
  const out: ItemMetadataDigest = {};
  if (!meta || typeof meta !== 'object') return out;
  for (const key of ['name', 'namespace', 'deletionTimestamp'] as const)
    if (typeof meta[key] === 'string') out[key] = meta[key] as string;
  if (meta.labels && typeof meta.labels === 'object') out.labels = meta.labels as Record<string, string>;
  return out;
}

function checkAgainstParse(text: string): void {
  const bytes = Buffer.from(text);
  const parsed = JSON.parse(text) as { metadata?: Json; items: Json[] };
  const digest = digestList(bytes);
  assert.ok(digest, 'the scan takes a well-formed list');
  assert.deepEqual(digest.items, parsed.items.map(projection));
  assert.deepEqual(digest.metadata, parsed.metadata ?? {});
  assert.equal(digest.bounds.length, 2 * parsed.items.length);
  for (let i = 0; i < parsed.items.length; i++) {
    const own = bytes.toString('utf8', digest.bounds[2 * i], digest.bounds[2 * i + 1]);
    assert.deepEqual(JSON.parse(own), parsed.items[i], `item ${i}'s bytes are the item`);
  }
}

/** Deterministic pseudo-random numbers (a test that fails must fail again the same way). */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const AWKWARD = [
  'plain',
  'quote"inside',
  'back\\slash',
  'ünïcödé',
  'tab\there',
  'name',
  '{"metadata":1}',
  '',
  'é\u2028',
];

function randomItem(rnd: () => number, typed: boolean): Json {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const labels: Record<string, string> = {};
  for (let i = Math.floor(rnd() * 3); i > 0; i--) labels[pick(AWKWARD) + i] = pick(AWKWARD);
  const metaEntries: [string, unknown][] = [
    ['name', `n-${pick(AWKWARD)}`],
    ['namespace', pick(AWKWARD)],
    ['uid', 'abc'],
    ['generation', 3],
    ['ownerReferences', [{ name: 'owner-name-must-not-win', kind: 'ReplicaSet' }]],
    ['annotations', { name: 'annotation-named-name', labels: '{}' }],
    ['managedFields', [{ manager: 'm', fieldsV1: { 'f:metadata': { 'f:name': {} } } }]],
  ];
  if (rnd() < 0.7) metaEntries.push(['labels', labels]);
  if (rnd() < 0.3) metaEntries.push(['deletionTimestamp', '2026-11-21T10:00:00Z']);
  if (rnd() < 0.1) metaEntries.push(['labels', null]);
  metaEntries.sort(() => rnd() - 0.5);
  const entries: [string, unknown][] = [
    ['metadata', Object.fromEntries(metaEntries)],
    ['spec', { template: { metadata: { name: 'template-name', labels: { x: 'y' } } }, name: 'spec-name' }],
    ['data', { metadata: '{"name":"in a string"}', list: [1, 'two', { name: 'three' }] }],
  ];
  if (typed) entries.push(['kind', 'Thing'], ['apiVersion', 'example.com/v1']);
  entries.sort(() => rnd() - 0.5);
  return Object.fromEntries(entries);
}

describe('digestList', () => {
  test('agrees with JSON.parse on 300 random items, typed and untyped, compact and indented', () => {
    const rnd = random(42);
    for (const typed of [true, false]) {
      for (const indent of [undefined, 2]) {
        const items = Array.from({ length: 150 }, () => randomItem(rnd, typed));
        const list = {
          kind: 'ThingList',
          apiVersion: 'example.com/v1',
          metadata: { resourceVersion: '77', continue: 'tok"en', remainingItemCount: 3 },
          items,
        };
        const text = JSON.stringify(list, undefined, indent);
        checkAgainstParse(text);
        assert.equal(digestList(Buffer.from(text))?.typed, typed);
      }
    }
  });

  test('metadata keys are found in any order, with the list metadata after the items', () => {
    checkAgainstParse(
      '{"items":[{"data":{"a":"b"},"metadata":{"labels":{"k":"v"},"name":"x","namespace":"ns"}}],"metadata":{"resourceVersion":"5"},"kind":"L"}',
    );
  });

  test('an item without metadata gets an empty digest; an empty list has no items', () => {
    checkAgainstParse('{"items":[{"spec":{}},{"metadata":{}},{"metadata":{"name":"a"}}]}');
    const empty = digestList(Buffer.from('{"metadata":{"resourceVersion":"1"},"items":[]}'));
    assert.deepEqual(empty, { metadata: { resourceVersion: '1' }, bounds: [], items: [], typed: false });
  });

  test('refuses what is not a list of objects, and items that mix carrying kind with not', () => {
    for (const bad of [
      '{"items":[null]}',
      '{"items":[1,2]}',
      '{"items":[{"metadata":{"name":"unterminated}}]}',
      '{"items":[{"metadata":{}}]',
      '{"items":[{"kind":"A","apiVersion":"v1"},{"metadata":{}}]}',
    ])
      assert.equal(digestList(Buffer.from(bad)), undefined, bad);
  });
});

describe('itemBounds', () => {
  test('finds the elements of the top-level items only, and refuses non-object elements', () => {
    const text =
      '{"kind":"items","metadata":{"items":[{"x":1}]},"items" : [ {"a":"]\\\\"}, {"b":[{}]} ],"z":[{}]}';
    const bounds = itemBounds(Buffer.from(text));
    assert.ok(bounds);
    const elements = [];
    for (let i = 0; i < bounds.length; i += 2) elements.push(text.slice(bounds[i], bounds[i + 1]));
    assert.deepEqual(elements, ['{"a":"]\\\\"}', '{"b":[{}]}']);
    assert.equal(itemBounds(Buffer.from('{"items":[null]}')), undefined);
    assert.equal(itemBounds(Buffer.from('{"items":[{"a":"unterminated}]}')), undefined);
    assert.deepEqual(itemBounds(Buffer.from('{"items":[]}')), []);
  });
});
