/**
 * The CustomResourceDefinition lifecycle through the object service: establishing and serving every
 * version, schema pruning, defaulting and validation of custom resources, and deletion with cleanup.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { KubeObject } from '../registry/types.ts';
import { apiErrorOf, errorCode, setupService } from './testing.ts';

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
    const { api, crds } = setupService();
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
      errorCode(() => api.patch(v1, 'default', 'w', 'strategic', { spec: { a: 2 } })),
      415,
    );
    const noRv = apiErrorOf(() =>
      api.update(v1, 'default', 'w', { metadata: { name: 'w' }, spec: { a: 3 } }),
    );
    assert.equal(noRv.code, 422);
    assert.match(
      noRv.message,
      /metadata\.resourceVersion: Invalid value: 0x0: must be specified for an update/,
    );
  });

  test('custom resources are pruned, defaulted and validated against their schema', () => {
    const { api, crds } = setupService();
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
    const bad = apiErrorOf(() =>
      api.create(ref, 'default', { metadata: { name: 'bad' }, spec: { size: 'huge' } }),
    );
    assert.equal(bad.code, 422);
    assert.match(bad.message, /spec\.size: Unsupported value: "huge"/);
    assert.equal(bad.status.details?.causes?.[0].field, 'spec.size');
    const strict = apiErrorOf(() =>
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
    const { api, crds } = setupService();
    api.create(crds, undefined, crd());
    const ref = api.lookup('example.com', 'v1', 'widgets')!;
    api.create(ref, 'default', { metadata: { name: 'a' }, spec: {} });
    api.create(ref, 'default', { metadata: { name: 'held', finalizers: ['x/y'] }, spec: {} });
    api.delete(crds, undefined, 'widgets.example.com');
    assert.ok(api.lookup('example.com', 'v1', 'widgets'), 'still served while a custom resource is held');
    assert.equal(
      errorCode(() => api.get(ref, 'default', 'a')),
      404,
    );
    assert.equal(
      errorCode(() => api.create(ref, 'default', { metadata: { name: 'late' } })),
      405,
    );
    const held = api.get(ref, 'default', 'held');
    assert.ok(held.metadata.deletionTimestamp);
    api.patch(ref, 'default', 'held', 'merge', { metadata: { finalizers: null } });
    assert.equal(api.lookup('example.com', 'v1', 'widgets'), undefined);
    assert.equal(
      errorCode(() => api.get(crds, undefined, 'widgets.example.com')),
      404,
    );
  });
});
