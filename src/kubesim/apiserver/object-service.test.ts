/**
 * The object service's reads through its public API: lists (paging, selectors, expiry) and watches (replay,
 * selector transitions, initial events, bookmarks). Each kind of write is tested beside its module in writes/.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock } from '../../core/clock.ts';
import { createObjectService } from './object-service.ts';
import { apiErrorOf, configMap, errorCode, setupService, TestCatalog } from './testing.ts';
import type { Status, WatchEvent } from './types.ts';

describe('list', () => {
  test('pages with continue tokens and remainingItemCount, in namespace then name order', () => {
    const { api, cm, ns } = setupService();
    api.create(ns, undefined, { metadata: { name: 'b' } });
    api.create(ns, undefined, { metadata: { name: 'a' } });
    for (const n of ['b', 'a']) for (const c of ['z', 'y', 'x']) api.create(cm, n, configMap(c));
    const names: string[] = [];
    let token: string | undefined;
    const remaining: (number | undefined)[] = [];
    do {
      const page = api.list(cm, { limit: 4, continue: token });
      names.push(...page.items.map((i) => `${i.metadata.namespace}/${i.metadata.name}`));
      remaining.push(page.remainingItemCount);
      token = page.continue;
    } while (token);
    assert.deepEqual(names, ['a/x', 'a/y', 'a/z', 'b/x', 'b/y', 'b/z']);
    assert.deepEqual(remaining, [2, undefined]);
    const ns1 = api.list(cm, { namespace: 'b' });
    assert.deepEqual(
      ns1.items.map((i) => i.metadata.name),
      ['x', 'y', 'z'],
    );
    assert.equal(ns1.resourceVersion, api.currentResourceVersion());
  });

  test('label and field selectors filter; bad selectors and unknown fields are 400', () => {
    const { api, cm } = setupService();
    api.create(
      cm,
      'default',
      configMap('one', { metadata: { name: 'one', labels: { app: 'x', tier: 'web' } } }),
    );
    api.create(cm, 'default', configMap('two', { metadata: { name: 'two', labels: { app: 'y' } } }));
    api.create(cm, 'default', configMap('three'));
    const names = (o: { labelSelector?: string; fieldSelector?: string }) =>
      api.list(cm, { namespace: 'default', ...o }).items.map((i) => i.metadata.name);
    assert.deepEqual(names({ labelSelector: 'app in (x,y),!tier' }), ['two']);
    assert.deepEqual(names({ labelSelector: 'app!=x' }), ['three', 'two']);
    assert.deepEqual(names({ fieldSelector: 'metadata.name=three' }), ['three']);
    assert.deepEqual(names({ fieldSelector: 'metadata.name!=three', labelSelector: 'app' }), ['one', 'two']);
    assert.equal(
      errorCode(() => names({ labelSelector: 'app in (' })),
      400,
    );
    const unknown = apiErrorOf(() => names({ fieldSelector: 'spec.foo=bar' }));
    assert.equal(unknown.code, 400);
    assert.equal(unknown.message, 'field label not supported: spec.foo');
  });

  test('an expired continue token or resourceVersion is 410; a token from another query is 400', () => {
    const { api, cm } = setupService({ watchHistory: 5 });
    for (let i = 0; i < 4; i++) api.create(cm, 'default', configMap(`c${i}`));
    const page = api.list(cm, { namespace: 'default', limit: 2 });
    assert.ok(page.continue);
    assert.equal(
      errorCode(() =>
        api.list(cm, { namespace: 'default', limit: 2, continue: page.continue, labelSelector: 'a=b' }),
      ),
      400,
    );
    for (let i = 0; i < 10; i++) api.create(cm, 'default', configMap(`d${i}`));
    const expired = apiErrorOf(() =>
      api.list(cm, { namespace: 'default', limit: 2, continue: page.continue }),
    );
    assert.equal(expired.code, 410);
    assert.equal(expired.status.reason, 'Expired');
    assert.equal(
      errorCode(() => api.list(cm, { resourceVersion: '1', resourceVersionMatch: 'Exact' })),
      410,
    );
    assert.equal(
      errorCode(() => api.list(cm, { resourceVersion: '0' })),
      0,
    );
    assert.equal(
      errorCode(() => api.list(cm, { resourceVersionMatch: 'Exact' })),
      400,
    );
  });
});

describe('watch', () => {
  test('synthetic ADDED without a resourceVersion, replay after N, 410 below the window', () => {
    const { api, cm } = setupService({ watchHistory: 5 });
    api.create(cm, 'default', configMap('a'));
    const rv = api.currentResourceVersion();
    api.create(cm, 'default', configMap('b'));
    const initial: string[] = [];
    api
      .watch(cm, { namespace: 'default' }, (e) => initial.push(`${e.type} ${e.object.metadata?.name}`))
      .stop();
    assert.deepEqual(initial, ['ADDED a', 'ADDED b']);
    const replay: string[] = [];
    api.watch(cm, { resourceVersion: rv }, (e) => replay.push(`${e.type} ${e.object.metadata?.name}`)).stop();
    assert.deepEqual(replay, ['ADDED b']);
    for (let i = 0; i < 6; i++) api.create(cm, 'default', configMap(`f${i}`));
    const gone: WatchEvent[] = [];
    api.watch(cm, { resourceVersion: rv }, (e) => gone.push(e)).stop();
    assert.equal(gone.length, 1);
    assert.equal(gone[0].type, 'ERROR');
    const status = gone[0].object as Status;
    assert.equal(status.code, 410);
    assert.match(status.message ?? '', /^too old resource version: \d+ \(\d+\)$/);
  });

  test('changes into and out of a selector arrive as ADDED and DELETED', () => {
    const { api, cm } = setupService();
    api.create(cm, 'default', configMap('x'));
    const seen: string[] = [];
    const w = api.watch(cm, { labelSelector: 'on=yes' }, (e) => seen.push(e.type));
    api.patch(cm, 'default', 'x', 'merge', { metadata: { labels: { on: 'yes' } } });
    api.patch(cm, 'default', 'x', 'merge', { data: { b: '2' } });
    api.patch(cm, 'default', 'x', 'merge', { metadata: { labels: { on: 'no' } } });
    api.patch(cm, 'default', 'x', 'merge', { data: { c: '3' } });
    api.delete(cm, 'default', 'x');
    w.stop();
    assert.deepEqual(seen, ['ADDED', 'MODIFIED', 'DELETED']);
  });

  test('sendInitialEvents: current state, then the initial-events-end bookmark, then live events', () => {
    const { api, cm } = setupService();
    api.create(cm, 'default', configMap('a'));
    const seen: string[] = [];
    const w = api.watch(
      cm,
      { namespace: 'default', sendInitialEvents: true, allowWatchBookmarks: true, resourceVersion: '1' },
      (e) => {
        const annotations = e.object.metadata?.annotations as Record<string, string> | undefined;
        seen.push(`${e.type} ${annotations?.['k8s.io/initial-events-end'] ?? e.object.metadata?.name}`);
      },
    );
    api.create(cm, 'default', configMap('b'));
    w.stop();
    assert.deepEqual(seen, ['ADDED a', 'BOOKMARK true', 'ADDED b']);
  });

  test('bookmarks carry the current resourceVersion', async () => {
    const clock = new ManualClock();
    const api = createObjectService({ registry: new TestCatalog(), clock, bookmarkIntervalMs: 10 });
    api.bootstrap(['default']);
    const ref = api.lookup('', 'v1', 'configmaps')!;
    const events: WatchEvent[] = [];
    const w = api.watch(
      ref,
      { resourceVersion: api.currentResourceVersion(), allowWatchBookmarks: true },
      (e) => events.push(e),
    );
    await new Promise((r) => setTimeout(r, 40));
    w.stop();
    api.close();
    assert.ok(events.length >= 1);
    assert.equal(events[0].type, 'BOOKMARK');
    assert.deepEqual(events[0].object, {
      kind: 'ConfigMap',
      apiVersion: 'v1',
      metadata: { resourceVersion: api.currentResourceVersion() },
    });
  });
});
