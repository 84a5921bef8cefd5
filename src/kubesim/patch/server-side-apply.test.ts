import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError } from '../apiserver/types.ts';
import type { KubeObject } from '../registry/types.ts';
import { FieldSet, formatPath } from './field-set.ts';
import type { ManagedFieldsEntry } from './managed-fields.ts';
import { recordUpdateManagedFields, serverSideApply } from './server-side-apply.ts';

const T0 = new Date('2026-01-01T00:00:00.123Z');
const T1 = new Date('2026-01-01T00:01:00Z');

type Obj = KubeObject & { spec: Record<string, unknown> };

function specOf(obj: KubeObject): Record<string, unknown> {
  return obj.spec as Record<string, unknown>;
}

function deployment(spec: Record<string, unknown>, metadata: Record<string, unknown> = {}): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'demo', ...metadata },
    spec,
  };
}

function apply(live: KubeObject | undefined, applied: KubeObject, manager: string, force = false, now = T0) {
  return serverSideApply({ live, applied, manager, force, apiVersion: 'apps/v1', kind: 'Deployment', now });
}

/** What the store would keep after a create: server fields filled in. */
function stored(obj: KubeObject): KubeObject {
  return {
    ...obj,
    metadata: {
      ...obj.metadata,
      uid: 'u-1',
      resourceVersion: '7',
      creationTimestamp: '2026-01-01T00:00:00Z',
    },
  };
}

function entry(obj: KubeObject, manager: string, operation = 'Apply'): ManagedFieldsEntry {
  const found = (obj.metadata.managedFields as ManagedFieldsEntry[]).find(
    (e) => e.manager === manager && e.operation === operation,
  );
  assert.ok(found, `no ${operation} entry for ${manager}`);
  return found;
}

function owns(obj: KubeObject, manager: string, field: string, operation = 'Apply'): boolean {
  const set = FieldSet.fromFieldsV1(entry(obj, manager, operation).fieldsV1);
  return set.paths().some((p) => formatPath(p) === field);
}

function conflictOf(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ApiError, String(err));
    assert.equal(err.code, 409);
    return err;
  }
  assert.fail('expected a conflict');
}

const template = (image: string, extra: Record<string, unknown>[] = []) => ({
  metadata: { labels: { app: 'web' } },
  spec: { containers: [{ name: 'nginx', image }, ...extra] },
});

test('apply creates the object and records one Apply entry in FieldsV1 form', () => {
  const applied = deployment(
    { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: template('nginx:1.25') },
    { labels: { app: 'web' } },
  );
  const { object, managedFields, changed } = apply(undefined, applied, 'kubectl');
  assert.equal(changed, true);
  assert.equal(object.metadata.name, 'web');
  assert.equal(object.metadata.namespace, 'demo');
  assert.deepEqual(object.spec, applied.spec);
  assert.equal(managedFields.length, 1);
  assert.deepEqual(managedFields[0], {
    manager: 'kubectl',
    operation: 'Apply',
    apiVersion: 'apps/v1',
    time: '2026-01-01T00:00:00Z',
    fieldsType: 'FieldsV1',
    fieldsV1: {
      'f:metadata': { 'f:labels': { 'f:app': {} } },
      'f:spec': {
        'f:replicas': {},
        'f:selector': {},
        'f:template': {
          'f:metadata': { 'f:labels': { 'f:app': {} } },
          'f:spec': { 'f:containers': { 'k:{"name":"nginx"}': { '.': {}, 'f:image': {}, 'f:name': {} } } },
        },
      },
    },
  });
  assert.deepEqual(object.metadata.managedFields, managedFields);
});

test('another applier changing an owned field conflicts; the same value is shared ownership', () => {
  const live = stored(apply(undefined, deployment({ replicas: 2 }), 'kubectl').object);
  const err = conflictOf(() => apply(live, deployment({ replicas: 5 }), 'ci'));
  assert.equal(err.status.reason, 'Conflict');
  assert.equal(err.status.message, 'Apply failed with 1 conflict: conflict with "kubectl": .spec.replicas');
  assert.deepEqual(err.status.details?.causes, [
    { reason: 'FieldManagerConflict', message: 'conflict with "kubectl"', field: '.spec.replicas' },
  ]);
  const shared = apply(live, deployment({ replicas: 2 }), 'ci').object;
  assert.equal(owns(shared, 'kubectl', '.spec.replicas'), true);
  assert.equal(owns(shared, 'ci', '.spec.replicas'), true);
});

test('an Update owner is named with its API version; force moves ownership', () => {
  const created = deployment({ replicas: 1, paused: false });
  const afterCreate = stored({
    ...created,
    metadata: {
      ...created.metadata,
      managedFields: recordUpdateManagedFields({
        after: created,
        manager: 'kubectl-create',
        apiVersion: 'apps/v1',
        now: T0,
      }),
    },
  });
  const err = conflictOf(() => apply(afterCreate, deployment({ replicas: 3, paused: true }), 'kubectl'));
  assert.equal(
    err.status.message,
    'Apply failed with 2 conflicts: conflicts with "kubectl-create" using apps/v1:\n- .spec.paused\n- .spec.replicas',
  );
  assert.equal(err.status.details?.causes?.length, 2);
  const forced = apply(afterCreate, deployment({ replicas: 3 }), 'kubectl', true).object;
  assert.equal(specOf(forced).replicas, 3);
  assert.equal(owns(forced, 'kubectl', '.spec.replicas'), true);
  assert.equal(owns(forced, 'kubectl-create', '.spec.replicas', 'Update'), false);
  assert.equal(owns(forced, 'kubectl-create', '.spec.paused', 'Update'), true);
});

test('fields an applier stops applying are removed unless someone else owns them', () => {
  const first = stored(
    apply(
      undefined,
      deployment({
        replicas: 2,
        minReadySeconds: 5,
        template: template('nginx:1', [{ name: 'side', image: 'b' }]),
      }),
      'kubectl',
    ).object,
  );
  const shared = stored(apply(first, deployment({ minReadySeconds: 5 }), 'other').object);
  const next = apply(shared, deployment({ template: template('nginx:2') }), 'kubectl').object;
  assert.equal(specOf(next).replicas, undefined, 'replicas was only kubectl’s');
  assert.equal(specOf(next).minReadySeconds, 5, 'minReadySeconds is still owned by other');
  const containers = (specOf(next).template as Record<string, Record<string, unknown>>).spec.containers as {
    name: string;
    image: string;
  }[];
  assert.deepEqual(containers, [{ name: 'nginx', image: 'nginx:2' }], 'the dropped container is removed');
  assert.equal(owns(next, 'kubectl', '.spec.replicas'), false);
});

test('keyed lists merge by key; items other managers added stay', () => {
  const base = stored(apply(undefined, deployment({ template: template('nginx:1') }), 'kubectl').object);
  const withSidecar = stored(
    apply(
      base,
      deployment({ template: { spec: { containers: [{ name: 'mesh', image: 'envoy' }] } } }),
      'injector',
    ).object,
  );
  const updated = apply(withSidecar, deployment({ template: template('nginx:2') }), 'kubectl').object;
  const containers = (
    (specOf(updated).template as Record<string, Record<string, unknown>>).spec.containers as {
      name: string;
    }[]
  ).map((c) => c.name);
  assert.deepEqual(containers.sort(), ['mesh', 'nginx']);
  assert.equal(owns(updated, 'injector', '.spec.template.spec.containers[name="mesh"].image'), true);
});

test('an unchanged re-apply is not a change and keeps the entry time', () => {
  const first = stored(apply(undefined, deployment({ replicas: 2 }), 'kubectl', false, T0).object);
  const again = apply(first, deployment({ replicas: 2 }), 'kubectl', false, T1);
  assert.equal(again.changed, false);
  assert.equal(again.managedFields[0].time, '2026-01-01T00:00:00Z');
  const changed = apply(first, deployment({ replicas: 3 }), 'kubectl', false, T1);
  assert.equal(changed.changed, true);
  assert.equal(changed.managedFields[0].time, '2026-01-01T00:01:00Z');
});

test('the main endpoint of a kind with a status subresource neither changes nor owns status', () => {
  const created = deployment({ replicas: 1 });
  const mf = recordUpdateManagedFields({
    after: created,
    manager: 'kubectl-create',
    apiVersion: 'apps/v1',
    now: T0,
    hasStatusSubresource: true,
  });
  const live = stored({
    ...created,
    metadata: { ...created.metadata, managedFields: mf },
    status: { replicas: 1 },
  });
  const result = serverSideApply({
    live,
    applied: { ...deployment({ replicas: 1 }), status: { replicas: 9 } },
    manager: 'kubectl',
    force: false,
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    now: T0,
    hasStatusSubresource: true,
  });
  assert.deepEqual(result.object.status, { replicas: 1 });
  assert.equal(JSON.stringify(result.managedFields).includes('f:status'), false);
  const status = serverSideApply({
    live,
    applied: { ...deployment({}), status: { replicas: 4 } },
    manager: 'controller',
    force: false,
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    now: T0,
    subresource: 'status',
    hasStatusSubresource: true,
  });
  assert.deepEqual(status.object.status, { replicas: 4 });
  assert.equal(specOf(status.object).replicas, 1);
  assert.equal(status.managedFields.find((e) => e.manager === 'controller')?.subresource, 'status');
});

test('Service ports match on port and the defaulted protocol', () => {
  const svc = (ports: unknown[]): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 's', namespace: 'd' },
    spec: { ports },
  });
  const first = serverSideApply({
    applied: svc([{ port: 80, targetPort: 8080 }]),
    manager: 'a',
    force: false,
    apiVersion: 'v1',
    kind: 'Service',
    now: T0,
  });
  assert.ok(JSON.stringify(first.managedFields).includes('k:{\\"port\\":80,\\"protocol\\":\\"TCP\\"}'));
  const live = stored({
    ...first.object,
    spec: { ports: [{ port: 80, protocol: 'TCP', targetPort: 8080 }] },
  });
  const second = serverSideApply({
    live,
    applied: svc([{ port: 80, targetPort: 9090 }]),
    manager: 'a',
    force: false,
    apiVersion: 'v1',
    kind: 'Service',
    now: T0,
  });
  assert.deepEqual(specOf(second.object).ports, [{ port: 80, protocol: 'TCP', targetPort: 9090 }]);
});

test('custom resources merge lists as their schema declares', () => {
  const schema = {
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        properties: {
          items: {
            type: 'array',
            'x-kubernetes-list-type': 'map',
            'x-kubernetes-list-map-keys': ['id'],
            items: { type: 'object', properties: { id: { type: 'string' }, v: { type: 'integer' } } },
          },
          tags: { type: 'array', items: { type: 'string' } },
        },
      },
    },
  };
  const cr = (spec: Record<string, unknown>): KubeObject => ({
    apiVersion: 'example.com/v1',
    kind: 'Widget',
    metadata: { name: 'w' },
    spec,
  });
  const run = (live: KubeObject | undefined, applied: KubeObject, manager: string) =>
    serverSideApply({
      live,
      applied,
      manager,
      force: false,
      apiVersion: 'example.com/v1',
      kind: 'Widget',
      now: T0,
      schema,
    });
  const a = stored(run(undefined, cr({ items: [{ id: 'x', v: 1 }], tags: ['t1'] }), 'a').object);
  const b = run(a, cr({ items: [{ id: 'y', v: 2 }] }), 'b').object;
  assert.deepEqual(specOf(b).items, [
    { id: 'x', v: 1 },
    { id: 'y', v: 2 },
  ]);
  const err = conflictOf(() => run(a, cr({ tags: ['t2'] }), 'b'));
  assert.match(err.status.message ?? '', /conflict with "a": \.spec\.tags$/);
});

test('an object nobody manages is owned by before-first-apply, as on the real server', () => {
  const live = stored(deployment({ replicas: 1 }));
  const err = conflictOf(() => apply(live, deployment({ replicas: 2 }), 'kubectl'));
  assert.equal(
    err.status.message,
    'Apply failed with 1 conflict: conflict with "before-first-apply" using apps/v1: .spec.replicas',
  );
});

test('bad apply bodies are 400', () => {
  const codes = [
    () => apply(undefined, { ...deployment({}), apiVersion: 'apps/v1beta1' }, 'kubectl'),
    () => apply(undefined, deployment({}, { managedFields: [] }), 'kubectl'),
    () => apply(undefined, deployment({}), ''),
    () => apply(undefined, deployment({ template: { spec: { containers: [{ image: 'x' }] } } }), 'kubectl'),
  ];
  for (const fn of codes) {
    try {
      fn();
      assert.fail('expected a 400');
    } catch (err) {
      assert.ok(err instanceof ApiError);
      assert.equal(err.code, 400, err.message);
    }
  }
});

test('recordUpdateManagedFields moves changed fields to the updater and drops removed ones', () => {
  const applied = stored(
    apply(undefined, deployment({ replicas: 2, paused: true }, { labels: { a: '1' } }), 'kubectl').object,
  );
  const after: KubeObject = {
    ...applied,
    metadata: { ...applied.metadata, labels: { a: '1', b: '2' } },
    spec: { replicas: 4 },
  };
  const entries = recordUpdateManagedFields({
    before: applied,
    after,
    manager: 'kubectl-edit',
    apiVersion: 'apps/v1',
    now: T1,
  });
  const result = { ...after, metadata: { ...after.metadata, managedFields: entries } };
  assert.equal(owns(result, 'kubectl-edit', '.spec.replicas', 'Update'), true);
  assert.equal(owns(result, 'kubectl-edit', '.metadata.labels.b', 'Update'), true);
  assert.equal(owns(result, 'kubectl', '.spec.replicas'), false);
  assert.equal(owns(result, 'kubectl', '.spec.paused'), false, 'a removed field leaves its owner');
  assert.equal(owns(result, 'kubectl', '.metadata.labels.a'), true);
  assert.equal(entries[0].operation, 'Apply', 'Apply entries sort first');
  assert.equal(entry(result, 'kubectl-edit', 'Update').time, '2026-01-01T00:01:00Z');
});

test('an update may reset managedFields; through a subresource it may not', () => {
  const created = deployment({ replicas: 1 });
  const mf = recordUpdateManagedFields({
    after: created,
    manager: 'kubectl-create',
    apiVersion: 'apps/v1',
    now: T0,
  });
  const before = stored({ ...created, metadata: { ...created.metadata, managedFields: mf } });
  const reset = recordUpdateManagedFields({
    before,
    after: { ...before, metadata: { ...before.metadata, managedFields: [] } },
    manager: 'x',
    apiVersion: 'apps/v1',
    now: T1,
  });
  assert.deepEqual(reset, []);
  const viaStatus = recordUpdateManagedFields({
    before,
    after: { ...before, metadata: { ...before.metadata, managedFields: [] }, status: { replicas: 1 } },
    manager: 'x',
    apiVersion: 'apps/v1',
    now: T1,
    subresource: 'status',
  });
  assert.deepEqual(
    viaStatus.map((e) => [e.manager, e.subresource]),
    [
      ['kubectl-create', undefined],
      ['x', 'status'],
    ],
  );
  const noChange = recordUpdateManagedFields({
    before,
    after: before,
    manager: 'y',
    apiVersion: 'apps/v1',
    now: T1,
  });
  assert.deepEqual(noChange, mf, 'a no-op write adds no entry');
});

test('kubectl takes over from its client-side apply without conflicts, and keeps the annotation in step', () => {
  const config = deployment({ replicas: 2, paused: false });
  const annotated = deployment(
    { replicas: 2, paused: false },
    { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify(config) } },
  );
  const live = stored({
    ...annotated,
    metadata: {
      ...annotated.metadata,
      managedFields: recordUpdateManagedFields({
        after: annotated,
        manager: 'kubectl-client-side-apply',
        apiVersion: 'apps/v1',
        now: T0,
      }),
    },
  });
  const moved = apply(live, deployment({ replicas: 3, paused: false }), 'kubectl');
  assert.equal(specOf(moved.object).replicas, 3);
  assert.equal(owns(moved.object, 'kubectl', '.spec.replicas'), true);
  const annotation =
    moved.object.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration'] ?? '';
  assert.equal((JSON.parse(annotation) as { spec: { replicas: number } }).spec.replicas, 3);
  const err = conflictOf(() => apply(live, deployment({ replicas: 3 }), 'helm'));
  assert.match(err.status.message ?? '', /conflict with "kubectl-client-side-apply" using apps\/v1/);
});

test('the create fast path records exactly what the general comparison records', () => {
  const objects: KubeObject[] = [
    deployment(
      {
        replicas: 1,
        selector: { matchLabels: { app: 'web' } },
        template: template('nginx', [{ name: 'side', image: 'x', ports: [{ containerPort: 81 }], env: [] }]),
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } },
      },
      { labels: { app: 'web' }, annotations: {}, finalizers: ['a', 'b'] },
    ),
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c' },
      data: { a: 'b', empty: '' },
      binaryData: {},
    },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'nothing' } },
  ];
  for (const after of objects) {
    const fast = recordUpdateManagedFields({
      after,
      manager: 'm',
      apiVersion: 'v1',
      now: T0,
      kind: after.kind,
    });
    const general = recordUpdateManagedFields({
      before: { apiVersion: after.apiVersion, kind: after.kind, metadata: { name: after.metadata.name } },
      after,
      manager: 'm',
      apiVersion: 'v1',
      now: T0,
      kind: after.kind,
    });
    // Compared as text: key order is part of what clients see.
    assert.equal(JSON.stringify(fast), JSON.stringify(general), after.metadata.name);
  }
});
