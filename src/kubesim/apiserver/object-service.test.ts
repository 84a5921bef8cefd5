import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock } from '../../core/clock.ts';
import type { KubeObject } from '../registry/types.ts';
import { SYSTEM_NAMESPACES } from './admission/namespaces.ts';
import { createObjectService } from './object-service.ts';
import { TestCatalog } from './testing.ts';
import { ApiError, type ResourceRef, type Status, type WatchEvent } from './types.ts';

function setup(options: { watchHistory?: number } = {}) {
  const clock = new ManualClock('2026-03-01T10:00:00.250Z');
  const catalog = new TestCatalog();
  const api = createObjectService({
    registry: catalog,
    clock,
    watchHistory: options.watchHistory,
    random: () => 0,
  });
  api.bootstrap(SYSTEM_NAMESPACES);
  const ref = (group: string, resource: string, version = 'v1'): ResourceRef => {
    const r = api.lookup(group, version, resource);
    assert.ok(r, `${resource} is served`);
    return r;
  };
  return {
    api,
    clock,
    catalog,
    cm: ref('', 'configmaps'),
    ns: ref('', 'namespaces'),
    pods: ref('', 'pods'),
    svc: ref('', 'services'),
    deploy: ref('apps', 'deployments'),
    crds: ref('apiextensions.k8s.io', 'customresourcedefinitions'),
    ref,
  };
}

function code(fn: () => unknown): number {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) return err.code;
    throw err;
  }
  return 0;
}

function apiError(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  assert.fail('expected an ApiError');
}

function configMap(name: string, extra: Partial<KubeObject> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, ...extra.metadata },
    data: { a: '1' },
    ...extra,
  };
}

function deployment(name: string, replicas = 1): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'i:1' }] } },
    },
    status: { replicas: 99 },
  };
}

describe('create', () => {
  test('sets uid, second-precision creationTimestamp, resourceVersion and generation; drops status', () => {
    const { api, deploy } = setup();
    const d = api.create(deploy, 'default', deployment('web'));
    assert.match(d.metadata.uid ?? '', /^[0-9a-f-]{36}$/);
    assert.equal(d.metadata.creationTimestamp, '2026-03-01T10:00:00Z');
    assert.equal(d.metadata.resourceVersion, api.currentResourceVersion());
    assert.equal(d.metadata.generation, 1);
    assert.equal(d.status, undefined, 'status is dropped when the kind has a status subresource');
    assert.equal(d.metadata.namespace, 'default');
    assert.equal(api.get(deploy, 'default', 'web').metadata.uid, d.metadata.uid);
  });

  test('generateName appends five characters of the real alphabet', () => {
    const { api, cm } = setup();
    const c = api.create(cm, 'default', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { generateName: 'gen-' },
    });
    assert.equal(c.metadata.name, 'gen-bbbbb');
    const err = apiError(() => api.create(cm, 'default', { metadata: {} }));
    assert.equal(err.code, 422);
    assert.match(err.message, /metadata\.name: Required value: name or generateName is required/);
  });

  test('refuses duplicates, missing or terminating namespaces, bad names and namespace mismatches', () => {
    const { api, cm, ns } = setup();
    api.create(cm, 'default', configMap('x'));
    const dup = apiError(() => api.create(cm, 'default', configMap('x')));
    assert.equal(dup.code, 409);
    assert.equal(dup.status.reason, 'AlreadyExists');
    assert.equal(dup.message, 'configmaps "x" already exists');
    const missing = apiError(() => api.create(cm, 'nope', configMap('x')));
    assert.equal(missing.code, 404);
    assert.equal(missing.message, 'namespaces "nope" not found');
    assert.equal(
      code(() => api.create(cm, 'default', configMap('Bad_Name'))),
      422,
    );
    const mismatch = apiError(() =>
      api.create(cm, 'default', configMap('y', { metadata: { name: 'y', namespace: 'other' } })),
    );
    assert.equal(mismatch.code, 400);
    assert.match(mismatch.message, /does not match the namespace sent on the request/);
    api.create(ns, undefined, { metadata: { name: 'going' } });
    api.delete(ns, undefined, 'going');
    const terminating = apiError(() => api.create(cm, 'going', configMap('z')));
    assert.equal(terminating.code, 403);
    assert.match(
      terminating.message,
      /unable to create new content in namespace going because it is being terminated/,
    );
    assert.equal(terminating.status.details?.causes?.[0].reason, 'NamespaceTerminating');
    assert.equal(
      code(() =>
        api.create(cm, 'default', configMap('rv', { metadata: { name: 'rv', resourceVersion: '5' } })),
      ),
      500,
    );
  });

  test('dryRun returns the object without storing it or assigning a resourceVersion', () => {
    const { api, cm } = setup();
    const before = api.currentResourceVersion();
    const d = api.create(cm, 'default', configMap('dry'), { dryRun: true });
    assert.equal(d.metadata.name, 'dry');
    assert.equal(d.metadata.resourceVersion, undefined);
    assert.equal(api.currentResourceVersion(), before);
    assert.equal(
      code(() => api.get(cm, 'default', 'dry')),
      404,
    );
  });
});

describe('list', () => {
  test('pages with continue tokens and remainingItemCount, in namespace then name order', () => {
    const { api, cm, ns } = setup();
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
    const { api, cm } = setup();
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
      code(() => names({ labelSelector: 'app in (' })),
      400,
    );
    const unknown = apiError(() => names({ fieldSelector: 'spec.foo=bar' }));
    assert.equal(unknown.code, 400);
    assert.equal(unknown.message, 'field label not supported: spec.foo');
  });

  test('an expired continue token or resourceVersion is 410; a token from another query is 400', () => {
    const { api, cm } = setup({ watchHistory: 5 });
    for (let i = 0; i < 4; i++) api.create(cm, 'default', configMap(`c${i}`));
    const page = api.list(cm, { namespace: 'default', limit: 2 });
    assert.ok(page.continue);
    assert.equal(
      code(() =>
        api.list(cm, { namespace: 'default', limit: 2, continue: page.continue, labelSelector: 'a=b' }),
      ),
      400,
    );
    for (let i = 0; i < 10; i++) api.create(cm, 'default', configMap(`d${i}`));
    const expired = apiError(() => api.list(cm, { namespace: 'default', limit: 2, continue: page.continue }));
    assert.equal(expired.code, 410);
    assert.equal(expired.status.reason, 'Expired');
    assert.equal(
      code(() => api.list(cm, { resourceVersion: '1', resourceVersionMatch: 'Exact' })),
      410,
    );
    assert.equal(
      code(() => api.list(cm, { resourceVersion: '0' })),
      0,
    );
    assert.equal(
      code(() => api.list(cm, { resourceVersionMatch: 'Exact' })),
      400,
    );
  });
});

describe('update and patch', () => {
  test('409 on a stale resourceVersion; unconditional update of built-ins', () => {
    const { api, cm } = setup();
    const c = api.create(cm, 'default', configMap('x'));
    api.update(cm, 'default', 'x', { ...c, data: { a: '2' } });
    const stale = apiError(() => api.update(cm, 'default', 'x', { ...c, data: { a: '3' } }));
    assert.equal(stale.code, 409);
    assert.equal(stale.status.reason, 'Conflict');
    assert.match(stale.message, /the object has been modified/);
    const noRv = api.update(cm, 'default', 'x', { ...configMap('x'), data: { a: '4' } });
    assert.deepEqual(noRv.data, { a: '4' });
    assert.equal(noRv.metadata.uid, c.metadata.uid, 'uid is kept');
  });

  test('generation moves with spec only; the status subresource splits writes', () => {
    const { api, deploy } = setup();
    const d = api.create(deploy, 'default', deployment('web'));
    const withLabel = api.patch(deploy, 'default', 'web', 'merge', {
      metadata: { labels: { x: 'y' } },
    }).object;
    assert.equal(withLabel.metadata.generation, 1);
    const scaled = api.patch(deploy, 'default', 'web', 'merge', {
      spec: { replicas: 3 },
      status: { replicas: 5 },
    }).object;
    assert.equal(scaled.metadata.generation, 2);
    assert.equal(scaled.status, undefined, 'the main resource ignores status');
    const status = api.patch(
      deploy,
      'default',
      'web',
      'merge',
      { spec: { replicas: 7 }, status: { replicas: 3 } },
      { subresource: 'status' },
    ).object;
    assert.deepEqual(status.status, { replicas: 3 });
    assert.equal((status.spec as { replicas: number }).replicas, 3, 'status ignores spec');
    assert.equal(status.metadata.generation, 2);
    assert.equal(d.metadata.uid, status.metadata.uid);
  });

  test('a no-op write keeps the resourceVersion and emits no event', () => {
    const { api, cm } = setup();
    const c = api.create(cm, 'default', configMap('x'));
    const events: WatchEvent[] = [];
    const w = api.watch(cm, { resourceVersion: c.metadata.resourceVersion }, (e) => events.push(e));
    const same = api.patch(cm, 'default', 'x', 'merge', { data: { a: '1' } }).object;
    const put = api.update(cm, 'default', 'x', c);
    w.stop();
    assert.equal(same.metadata.resourceVersion, c.metadata.resourceVersion);
    assert.equal(put.metadata.resourceVersion, c.metadata.resourceVersion);
    assert.deepEqual(events, []);
  });

  test('JSON patch; a failed test op is 422; conditional patches check resourceVersion', () => {
    const { api, cm } = setup();
    const c = api.create(cm, 'default', configMap('x'));
    const p = api.patch(cm, 'default', 'x', 'json', [{ op: 'add', path: '/data/b', value: '2' }]).object;
    assert.deepEqual(p.data, { a: '1', b: '2' });
    assert.equal(
      code(() => api.patch(cm, 'default', 'x', 'json', [{ op: 'test', path: '/data/a', value: 'no' }])),
      422,
    );
    assert.equal(
      code(() =>
        api.patch(cm, 'default', 'x', 'merge', { metadata: { resourceVersion: c.metadata.resourceVersion } }),
      ),
      409,
    );
    assert.equal(
      code(() => api.patch(cm, 'default', 'missing', 'merge', {})),
      404,
    );
  });

  test('apply creates when missing (created: true) and needs a field manager', () => {
    const { api, cm } = setup();
    assert.equal(
      code(() => api.patch(cm, 'default', 'ssa', 'apply', configMap('ssa'))),
      400,
    );
    const first = api.patch(cm, 'default', 'ssa', 'apply', configMap('ssa'), { fieldManager: 'me' });
    assert.equal(first.created, true);
    const second = api.patch(
      cm,
      'default',
      'ssa',
      'apply',
      { ...configMap('ssa'), data: { a: '2' } },
      { fieldManager: 'me' },
    );
    assert.equal(second.created, false);
    assert.deepEqual(second.object.data, { a: '2' });
  });

  test('ConfigMaps marked immutable refuse data changes with 422', () => {
    const { api, cm } = setup();
    api.create(cm, 'default', configMap('frozen', { immutable: true }));
    const err = apiError(() => api.patch(cm, 'default', 'frozen', 'merge', { data: { a: '2' } }));
    assert.equal(err.code, 422);
    assert.match(err.message, /field is immutable when `immutable` is set/);
  });
});

describe('field management', () => {
  test('creates and updates record managedFields per manager; apply conflicts are 409 unless forced', () => {
    const { api, cm } = setup();
    const c = api.create(cm, 'default', configMap('owned'), { fieldManager: 'creator' });
    assert.equal((c.metadata.managedFields as { manager: string }[])[0].manager, 'creator');
    const updated = api.patch(
      cm,
      'default',
      'owned',
      'merge',
      { data: { b: '2' } },
      { fieldManager: 'editor' },
    ).object;
    const managers = (updated.metadata.managedFields as { manager: string; operation: string }[]).map(
      (m) => `${m.manager}/${m.operation}`,
    );
    assert.deepEqual(managers.sort(), ['creator/Update', 'editor/Update']);
    const same = api.patch(
      cm,
      'default',
      'owned',
      'merge',
      { data: { b: '2' } },
      { fieldManager: 'someone' },
    ).object;
    assert.equal(same.metadata.resourceVersion, updated.metadata.resourceVersion, 'a no-op stays a no-op');
    const applied = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'owned' }, data: { b: '3' } };
    const err = apiError(() =>
      api.patch(cm, 'default', 'owned', 'apply', applied, { fieldManager: 'applier' }),
    );
    assert.equal(err.code, 409);
    assert.match(err.message, /conflict with "editor"/);
    const forced = api.patch(cm, 'default', 'owned', 'apply', applied, {
      fieldManager: 'applier',
      force: true,
    }).object;
    assert.deepEqual(forced.data, { a: '1', b: '3' });
  });
});

describe('delete', () => {
  test('finalizers hold the object with a deletionTimestamp; removing the last one deletes it', () => {
    const { api, cm, clock } = setup();
    api.create(
      cm,
      'default',
      configMap('held', { metadata: { name: 'held', finalizers: ['example.com/hold'] } }),
    );
    clock.advance(2000);
    const marked = api.delete(cm, 'default', 'held') as KubeObject;
    assert.equal(marked.metadata.deletionTimestamp, '2026-03-01T10:00:02Z');
    assert.equal(marked.metadata.deletionGracePeriodSeconds, 0);
    clock.advance(5000);
    const again = api.delete(cm, 'default', 'held') as KubeObject;
    assert.equal(
      again.metadata.deletionTimestamp,
      '2026-03-01T10:00:02Z',
      'a repeated delete changes nothing',
    );
    const addFinalizer = apiError(() =>
      api.patch(cm, 'default', 'held', 'merge', { metadata: { finalizers: ['example.com/hold', 'more'] } }),
    );
    assert.equal(addFinalizer.code, 422);
    const events: string[] = [];
    const w = api.watch(cm, { resourceVersion: api.currentResourceVersion() }, (e) => events.push(e.type));
    api.patch(cm, 'default', 'held', 'merge', { metadata: { finalizers: null } });
    w.stop();
    assert.deepEqual(events, ['DELETED']);
    assert.equal(
      code(() => api.get(cm, 'default', 'held')),
      404,
    );
  });

  test('propagation policies add their finalizers; preconditions are checked', () => {
    const { api, deploy } = setup();
    const d = api.create(deploy, 'default', deployment('fg'));
    api.create(deploy, 'default', deployment('or'));
    assert.equal(
      code(() => api.delete(deploy, 'default', 'fg', { preconditions: { uid: 'other' } })),
      409,
    );
    const fg = api.delete(deploy, 'default', 'fg', {
      propagationPolicy: 'Foreground',
      preconditions: { uid: d.metadata.uid },
    }) as KubeObject;
    assert.deepEqual(fg.metadata.finalizers, ['foregroundDeletion']);
    const or = api.delete(deploy, 'default', 'or', { propagationPolicy: 'Orphan' }) as KubeObject;
    assert.deepEqual(or.metadata.finalizers, ['orphan']);
  });

  test('most kinds answer a Success Status, pods the object; dryRun keeps it', () => {
    const { api, cm, pods } = setup();
    const c = api.create(cm, 'default', configMap('x'));
    api.delete(cm, 'default', 'x', { dryRun: true });
    assert.ok(api.get(cm, 'default', 'x'));
    const status = api.delete(cm, 'default', 'x') as Status;
    assert.equal(status.kind, 'Status');
    assert.equal(status.status, 'Success');
    assert.deepEqual(status.details, { name: 'x', kind: 'configmaps', uid: c.metadata.uid });
    api.create(pods, 'default', {
      metadata: { name: 'p' },
      spec: { containers: [{ name: 'c', image: 'i' }] },
    });
    const pod = api.delete(pods, 'default', 'p') as KubeObject;
    assert.equal(pod.kind, 'Pod');
    assert.equal(
      code(() => api.get(pods, 'default', 'p')),
      404,
    );
  });

  test('a pod bound to a node terminates gracefully until a grace-0 delete', () => {
    const { api, pods } = setup();
    api.create(pods, 'default', {
      metadata: { name: 'bound' },
      spec: {
        nodeName: 'node-1',
        terminationGracePeriodSeconds: 10,
        containers: [{ name: 'c', image: 'i' }],
      },
    });
    const marked = api.delete(pods, 'default', 'bound') as KubeObject;
    assert.equal(marked.metadata.deletionGracePeriodSeconds, 10);
    assert.equal(marked.metadata.deletionTimestamp, '2026-03-01T10:00:10Z');
    api.delete(pods, 'default', 'bound', { gracePeriodSeconds: 0 });
    assert.equal(
      code(() => api.get(pods, 'default', 'bound')),
      404,
    );
  });
});

describe('watch', () => {
  test('synthetic ADDED without a resourceVersion, replay after N, 410 below the window', () => {
    const { api, cm } = setup({ watchHistory: 5 });
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
    const { api, cm } = setup();
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
    const { api, cm } = setup();
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

describe('subresources and kinds with state', () => {
  test('scale reads and writes replicas as autoscaling/v1 Scale', () => {
    const { api, deploy } = setup();
    api.create(deploy, 'default', deployment('web', 2));
    const scale = api.getScale(deploy, 'default', 'web');
    assert.equal(scale.kind, 'Scale');
    assert.equal(scale.apiVersion, 'autoscaling/v1');
    assert.deepEqual(scale.spec, { replicas: 2 });
    assert.deepEqual(scale.status, { replicas: 0, selector: 'app=web' });
    const after = api.writeScale(deploy, 'default', 'web', {
      patchType: 'merge',
      patch: { spec: { replicas: 5 } },
    });
    assert.deepEqual(after.spec, { replicas: 5 });
    const d = api.get(deploy, 'default', 'web');
    assert.equal((d.spec as { replicas: number }).replicas, 5);
    assert.equal(d.metadata.generation, 2);
  });

  test('namespaces: defaults, protected names, Terminating, finalize', () => {
    const { api, ns } = setup();
    const created = api.create(ns, undefined, { metadata: { name: 'team' } });
    assert.equal(created.metadata.labels?.['kubernetes.io/metadata.name'], 'team');
    assert.deepEqual(created.spec, { finalizers: ['kubernetes'] });
    assert.deepEqual(created.status, { phase: 'Active' });
    for (const name of ['default', 'kube-system', 'kube-public'])
      assert.equal(
        code(() => api.delete(ns, undefined, name)),
        403,
      );
    const terminating = api.delete(ns, undefined, 'team') as KubeObject;
    assert.equal((terminating.status as { phase: string }).phase, 'Terminating');
    assert.ok(terminating.metadata.deletionTimestamp);
    assert.deepEqual(
      api.list(ns, { fieldSelector: 'status.phase=Terminating' }).items.map((n) => n.metadata.name),
      ['team'],
    );
    const current = api.get(ns, undefined, 'team');
    api.update(ns, undefined, 'team', { ...current, spec: { finalizers: [] } }, { subresource: 'finalize' });
    assert.equal(
      code(() => api.get(ns, undefined, 'team')),
      404,
    );
  });

  test('services get unique cluster IPs and node ports; taken ones are 422', () => {
    const { api, svc } = setup();
    const kubernetes = api.get(svc, 'default', 'kubernetes');
    assert.equal((kubernetes.spec as { clusterIP: string }).clusterIP, '10.96.0.1');
    const a = api.create(svc, 'default', { metadata: { name: 'a' }, spec: { ports: [{ port: 80 }] } });
    const b = api.create(svc, 'default', { metadata: { name: 'b' }, spec: { ports: [{ port: 80 }] } });
    const ipA = (a.spec as { clusterIP: string }).clusterIP;
    assert.match(ipA, /^10\.96\.\d+\.\d+$/);
    assert.notEqual(ipA, (b.spec as { clusterIP: string }).clusterIP);
    const headless = api.create(svc, 'default', {
      metadata: { name: 'h' },
      spec: { clusterIP: 'None', ports: [{ port: 80 }] },
    });
    assert.deepEqual((headless.spec as { clusterIPs: string[] }).clusterIPs, ['None']);
    assert.equal(
      code(() => api.create(svc, 'default', { metadata: { name: 'c' }, spec: { clusterIP: ipA } })),
      422,
    );
    const np = api.create(svc, 'default', {
      metadata: { name: 'np' },
      spec: { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }, { port: 81 }] },
    });
    const ports = (np.spec as { ports: { nodePort: number }[] }).ports.map((p) => p.nodePort);
    assert.equal(ports[0], 30080);
    assert.ok(ports[1] >= 30000 && ports[1] <= 32767 && ports[1] !== 30080);
    const taken = apiError(() =>
      api.create(svc, 'default', {
        metadata: { name: 'np2' },
        spec: { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] },
      }),
    );
    assert.equal(taken.code, 422);
    assert.match(
      taken.message,
      /spec\.ports\[0\]\.nodePort: Invalid value: 30080: provided port is already allocated/,
    );
    api.delete(svc, 'default', 'np');
    api.create(svc, 'default', {
      metadata: { name: 'np3' },
      spec: { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] },
    });
    const kept = api.update(svc, 'default', 'a', {
      metadata: { name: 'a' },
      spec: { ports: [{ port: 8080 }] },
    });
    assert.equal((kept.spec as { clusterIP: string }).clusterIP, ipA, 'an update without clusterIP keeps it');
  });
});

describe('custom resources', () => {
  const crd = (versions = ['v1']): KubeObject => ({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.example.com' },
    spec: {
      group: 'example.com',
      scope: 'Namespaced',
      names: { plural: 'widgets', kind: 'Widget' },
      versions: versions.map((name, i) => ({
        name,
        served: true,
        storage: i === 0,
        schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
        subresources: { status: {} },
      })),
    },
  });

  test('a CRD is Established at once and its resources are served, in every served version', () => {
    const { api, crds } = setup();
    const created = api.create(crds, undefined, crd(['v1', 'v2']));
    const conditions = (created.status as { conditions: { type: string; status: string }[] }).conditions;
    assert.ok(conditions.some((c) => c.type === 'Established' && c.status === 'True'));
    assert.deepEqual((created.status as { storedVersions: string[] }).storedVersions, ['v1']);
    const v1 = api.lookup('example.com', 'v1', 'widgets');
    const v2 = api.lookup('example.com', 'v2', 'widgets');
    assert.ok(v1 && v2);
    const w = api.create(v2, 'default', {
      apiVersion: 'example.com/v2',
      kind: 'Widget',
      metadata: { name: 'w' },
      spec: { a: 1 },
    });
    assert.equal(w.apiVersion, 'example.com/v2');
    assert.equal(w.metadata.generation, 1);
    assert.equal(api.get(v1, 'default', 'w').apiVersion, 'example.com/v1');
    const raw = api.store.get('widgets.example.com', 'default', 'w');
    assert.equal(raw?.apiVersion, 'example.com/v1', 'stored in the storage version');
    assert.equal(
      code(() => api.patch(v1, 'default', 'w', 'strategic', { spec: { a: 2 } })),
      415,
    );
    const noRv = apiError(() => api.update(v1, 'default', 'w', { metadata: { name: 'w' }, spec: { a: 3 } }));
    assert.equal(noRv.code, 422);
    assert.match(
      noRv.message,
      /metadata\.resourceVersion: Invalid value: 0x0: must be specified for an update/,
    );
  });

  test('custom resources are pruned, defaulted and validated against their schema', () => {
    const { api, crds } = setup();
    const schema = {
      type: 'object',
      properties: {
        spec: {
          type: 'object',
          required: ['size'],
          properties: {
            size: { type: 'string', enum: ['small', 'large'] },
            count: { type: 'integer', minimum: 0, default: 1 },
          },
        },
      },
    };
    const def = crd();
    (def.spec as { versions: { schema: unknown }[] }).versions[0].schema = { openAPIV3Schema: schema };
    api.create(crds, undefined, def);
    const ref = api.lookup('example.com', 'v1', 'widgets')!;
    const w = api.create(ref, 'default', { metadata: { name: 'w' }, spec: { size: 'small', color: 'red' } });
    assert.deepEqual(w.spec, { size: 'small', count: 1 }, 'unknown fields pruned, defaults applied');
    const bad = apiError(() =>
      api.create(ref, 'default', { metadata: { name: 'bad' }, spec: { size: 'huge' } }),
    );
    assert.equal(bad.code, 422);
    assert.match(bad.message, /spec\.size: Unsupported value: "huge"/);
    assert.equal(bad.status.details?.causes?.[0].field, 'spec.size');
    const strict = apiError(() =>
      api.create(
        ref,
        'default',
        { metadata: { name: 's' }, spec: { size: 'small', color: 'red' } },
        { fieldValidation: 'Strict' },
      ),
    );
    assert.equal(strict.code, 400);
    assert.match(strict.message, /unknown field "spec\.color"/);
    const warnings: string[] = [];
    api.create(
      ref,
      'default',
      { metadata: { name: 'warned' }, spec: { size: 'small', color: 'red' } },
      {
        fieldValidation: 'Warn',
        warnings,
      },
    );
    assert.deepEqual(warnings, ['unknown field "spec.color"']);
  });

  test('deleting a CRD deletes its custom resources and stops serving them', () => {
    const { api, crds } = setup();
    api.create(crds, undefined, crd());
    const ref = api.lookup('example.com', 'v1', 'widgets')!;
    api.create(ref, 'default', { metadata: { name: 'a' }, spec: {} });
    api.create(ref, 'default', { metadata: { name: 'held', finalizers: ['x/y'] }, spec: {} });
    api.delete(crds, undefined, 'widgets.example.com');
    assert.ok(api.lookup('example.com', 'v1', 'widgets'), 'still served while a custom resource is held');
    assert.equal(
      code(() => api.get(ref, 'default', 'a')),
      404,
    );
    assert.equal(
      code(() => api.create(ref, 'default', { metadata: { name: 'late' } })),
      405,
    );
    const held = api.get(ref, 'default', 'held');
    assert.ok(held.metadata.deletionTimestamp);
    api.patch(ref, 'default', 'held', 'merge', { metadata: { finalizers: null } });
    assert.equal(api.lookup('example.com', 'v1', 'widgets'), undefined);
    assert.equal(
      code(() => api.get(crds, undefined, 'widgets.example.com')),
      404,
    );
  });
});
