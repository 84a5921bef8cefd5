import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jsonPathValues, parseJsonPath } from './jsonpath.ts';

const obj = {
  metadata: {
    name: 'w',
    labels: { 'app.kubernetes.io/name': 'web' },
    creationTimestamp: '2026-01-01T00:00:00Z',
  },
  spec: {
    replicas: 3,
    containers: [
      { name: 'a', image: 'nginx' },
      { name: 'b', image: 'busybox' },
    ],
  },
  status: {
    conditions: [
      { type: 'Scheduled', status: 'True' },
      { type: 'Ready', status: 'False', observedGeneration: 2 },
    ],
  },
};

test('dotted paths, brackets and indexes', () => {
  assert.deepEqual(jsonPathValues('.spec.replicas', obj), [3]);
  assert.deepEqual(jsonPathValues('{.metadata.name}', obj), ['w']);
  assert.deepEqual(jsonPathValues('$.metadata.name', obj), ['w']);
  assert.deepEqual(jsonPathValues(".metadata.labels['app.kubernetes.io/name']", obj), ['web']);
  assert.deepEqual(jsonPathValues('.metadata.labels.app\\.kubernetes\\.io/name', obj), ['web']);
  assert.deepEqual(jsonPathValues('.spec.containers[1].image', obj), ['busybox']);
  assert.deepEqual(jsonPathValues('.spec.containers[-1].name', obj), ['b']);
  assert.deepEqual(jsonPathValues('.spec.containers[0:1].name', obj), ['a']);
});

test('wildcards and recursive descent', () => {
  assert.deepEqual(jsonPathValues('.spec.containers[*].name', obj), ['a', 'b']);
  assert.deepEqual(jsonPathValues('.spec.containers.*.image', obj), ['nginx', 'busybox']);
  assert.deepEqual(jsonPathValues('..image', obj), ['nginx', 'busybox']);
});

test('filters select list items by a field', () => {
  assert.deepEqual(jsonPathValues('.status.conditions[?(@.type=="Ready")].status', obj), ['False']);
  assert.deepEqual(jsonPathValues(".status.conditions[?(@.type == 'Scheduled')].status", obj), ['True']);
  assert.deepEqual(jsonPathValues('.status.conditions[?(@.observedGeneration>1)].type', obj), ['Ready']);
  assert.deepEqual(jsonPathValues('.status.conditions[?(@.observedGeneration)].type', obj), ['Ready']);
  assert.deepEqual(jsonPathValues('.status.conditions[?(@.type!="Ready")].type', obj), ['Scheduled']);
});

test('missing keys give no result instead of an error', () => {
  assert.deepEqual(jsonPathValues('.spec.missing.deeper', obj), []);
  assert.deepEqual(jsonPathValues('.spec.containers[5]', obj), []);
  assert.deepEqual(jsonPathValues('.spec.replicas.x', obj), []);
});

test('syntax outside the subset is rejected with the reason', () => {
  assert.throws(() => parseJsonPath('.spec.containers[0'), /unclosed \[/);
  assert.throws(() => parseJsonPath('.a[?(@.x =~ /y/)]'), /invalid JSONPath/);
});
