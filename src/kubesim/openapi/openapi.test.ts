import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resourceTypesFromCrd } from '../registry/crd.ts';
import { createBuiltinRegistry } from '../registry/registry.ts';
import type { KubeObject } from '../registry/types.ts';
import { definitionName, openApiDocument, openApiIndex } from './openapi.ts';

type Operation = {
  parameters: { name: string; in: string }[];
  requestBody: { content: Record<string, unknown> };
  'x-kubernetes-group-version-kind': { group: string; version: string; kind: string };
};

function parse(body: string): {
  paths: Record<string, { patch: Operation }>;
  components: { schemas: Record<string, unknown> };
} {
  return JSON.parse(body);
}

const widgets: KubeObject = {
  metadata: { name: 'widgets.example.com' },
  spec: {
    group: 'example.com',
    scope: 'Namespaced',
    names: { plural: 'widgets', kind: 'Widget' },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } },
          },
        },
      },
    ],
  },
};

test('the index lists every served group version with a hashed URL', () => {
  const registry = createBuiltinRegistry();
  const index = openApiIndex(registry);
  const expected = registry
    .groups()
    .flatMap((g) => g.versions.map((v) => (g.name === '' ? `api/${v}` : `apis/${g.name}/${v}`)));
  assert.deepEqual(Object.keys(index.paths).sort(), expected.sort());
  assert.ok(index.paths['apis/apps/v1']);
  assert.ok(index.paths['apis/autoscaling/v1']);
  assert.match(index.paths['api/v1'].serverRelativeURL, /^\/openapi\/v3\/api\/v1\?hash=[0-9A-F]{128}$/);
});

test('each kind has a PATCH operation with its GVK and the fieldValidation parameter', () => {
  const registry = createBuiltinRegistry();
  const doc = openApiDocument(registry, 'apis/apps/v1');
  assert.ok(doc);
  const parsed = parse(doc.body);
  const op = parsed.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'].patch;
  assert.deepEqual(op['x-kubernetes-group-version-kind'], {
    group: 'apps',
    version: 'v1',
    kind: 'Deployment',
  });
  assert.ok(op.parameters.some((p) => p.name === 'fieldValidation' && p.in === 'query'));
  assert.ok('application/strategic-merge-patch+json' in op.requestBody.content);
  assert.deepEqual(parsed.components.schemas, {});
  assert.equal(Object.keys(parsed.paths).length, registry.servedAt('apps', 'v1').length);
  const core = parse(openApiDocument(registry, 'api/v1')?.body ?? '{}');
  assert.deepEqual(core.paths['/api/v1/namespaces/{name}'].patch['x-kubernetes-group-version-kind'], {
    group: '',
    version: 'v1',
    kind: 'Namespace',
  });
  assert.equal(openApiDocument(registry, 'apis/apps/v2'), undefined);
  assert.equal(openApiDocument(registry, 'nonsense'), undefined);
});

test('a CRD group version carries the schema and no strategic merge patch', () => {
  const registry = createBuiltinRegistry();
  registry.add(resourceTypesFromCrd(widgets));
  const doc = openApiDocument(registry, '/apis/example.com/v1');
  assert.ok(doc);
  const parsed = parse(doc.body);
  const op = parsed.paths['/apis/example.com/v1/namespaces/{namespace}/widgets/{name}'].patch;
  assert.ok(!('application/strategic-merge-patch+json' in op.requestBody.content));
  assert.equal(definitionName('example.com', 'v1', 'Widget'), 'com.example.v1.Widget');
  const schema = parsed.components.schemas['com.example.v1.Widget'] as Record<string, unknown>;
  assert.deepEqual(schema['x-kubernetes-group-version-kind'], [
    { group: 'example.com', kind: 'Widget', version: 'v1' },
  ]);
  assert.deepEqual((schema.properties as Record<string, unknown>).spec, {
    type: 'object',
    properties: { size: { type: 'integer' } },
  });
  assert.ok(parsed.components.schemas['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta']);
  assert.ok(openApiIndex(registry).paths['apis/example.com/v1']);
});

test('documents are cached per registry generation and the hash follows their content', () => {
  const registry = createBuiltinRegistry();
  const first = openApiDocument(registry, 'api/v1');
  assert.equal(openApiDocument(registry, 'api/v1'), first);
  const appsBefore = openApiIndex(registry).paths['apis/apps/v1'].serverRelativeURL;
  registry.add(resourceTypesFromCrd(widgets));
  const after = openApiDocument(registry, 'api/v1');
  assert.notEqual(after, first);
  assert.equal(after?.hash, first?.hash);
  assert.equal(openApiIndex(registry).paths['apis/apps/v1'].serverRelativeURL, appsBefore);
  const widgetHash = openApiDocument(registry, 'apis/example.com/v1')?.hash;
  const changed = structuredClone(widgets);
  (
    changed.spec as { versions: { schema: { openAPIV3Schema: { description?: string } } }[] }
  ).versions[0].schema.openAPIV3Schema.description = 'changed';
  registry.add(resourceTypesFromCrd(changed));
  assert.notEqual(openApiDocument(registry, 'apis/example.com/v1')?.hash, widgetHash);
  registry.remove('example.com', 'widgets');
  assert.equal(openApiIndex(registry).paths['apis/example.com/v1'], undefined);
});
