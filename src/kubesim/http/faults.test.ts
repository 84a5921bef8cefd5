import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FaultInjector } from './faults.ts';

test('rules match by resource and verb, add latencies, and the first error wins', () => {
  const faults = new FaultInjector();
  faults.add({ resource: 'configmaps', verb: 'get', latencyMs: 10 });
  faults.add({ verb: 'get', latencyMs: 5, error: 503, retryAfterSeconds: 3 });
  faults.add({ resource: '*', error: 500 });
  const d = faults.decide('configmaps', 'get');
  assert.equal(d?.latencyMs, 15);
  assert.equal(d?.error?.code, 503);
  assert.equal(d?.error?.status.details?.retryAfterSeconds, 3);
  assert.equal(faults.decide('secrets', 'list')?.error?.code, 500);
  faults.clear();
  assert.equal(faults.decide('configmaps', 'get'), undefined);
});

test('times retires a rule; probability draws from the injected randomness', () => {
  let next = 0.5;
  const faults = new FaultInjector(() => next);
  const twice = faults.add({ resource: 'pods', verb: 'create', error: 429, times: 2 });
  assert.equal(faults.decide('pods', 'create')?.error?.code, 429);
  assert.equal(faults.decide('pods', 'create')?.error?.status.reason, 'TooManyRequests');
  assert.equal(faults.decide('pods', 'create'), undefined);
  assert.equal(twice.hits, 2);
  const half = faults.add({ verb: 'delete', error: 500, probability: 0.4 });
  assert.equal(faults.decide('pods', 'delete'), undefined, '0.5 ≥ 0.4: not affected');
  next = 0.1;
  assert.equal(faults.decide('pods', 'delete')?.error?.code, 500);
  assert.equal(half.hits, 1);
  half.remove();
  assert.equal(faults.decide('pods', 'delete'), undefined);
});

test('watch drops apply to watches only; invalid rules are refused', () => {
  const faults = new FaultInjector();
  faults.add({ resource: 'pods', dropWatchAfterMs: 100 });
  assert.equal(faults.decide('pods', 'watch')?.dropWatchAfterMs, 100);
  assert.equal(faults.decide('pods', 'list')?.dropWatchAfterMs, undefined);
  assert.throws(() => faults.add({ error: 404 as never }), RangeError);
  assert.throws(() => faults.add({ probability: 2 }), RangeError);
  assert.throws(() => faults.add({ times: 0 }), RangeError);
});

test('open watches are dropped per resource, cut or graceful', () => {
  const faults = new FaultInjector();
  const dropped: string[] = [];
  faults.trackWatch('pods', (graceful) => dropped.push(`pods ${graceful}`));
  const untrack = faults.trackWatch('secrets', (graceful) => dropped.push(`secrets ${graceful}`));
  faults.trackWatch('secrets', (graceful) => dropped.push(`secrets2 ${graceful}`));
  untrack();
  assert.equal(faults.dropWatches('secrets', { graceful: true }), 1);
  assert.equal(faults.dropWatches(), 1);
  assert.deepEqual(dropped, ['secrets2 true', 'pods false']);
});

test('latency waits end when the injector closes', async () => {
  const faults = new FaultInjector();
  const started = Date.now();
  await faults.delay(20);
  assert.ok(Date.now() - started >= 15);
  const pending = faults.delay(60_000);
  faults.close();
  await assert.rejects(pending, /stopping/);
});
