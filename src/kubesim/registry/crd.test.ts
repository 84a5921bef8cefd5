import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crdStatus, resourceTypesFromCrd, takenNames, validateCrd } from './crd.ts';
import { createBuiltinRegistry } from './registry.ts';
import type { KubeObject } from './types.ts';

const schema = { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object' } } } };

function widgetCrd(overrides: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.example.com' },
    spec: {
      group: 'example.com',
      scope: 'Namespaced',
      names: { plural: 'widgets', kind: 'Widget', shortNames: ['wd'], categories: ['all'] },
      versions: [
        {
          name: 'v1beta1',
          served: true,
          storage: false,
          schema,
        },
        {
          name: 'v1',
          served: true,
          storage: true,
          schema,
          subresources: {
            status: {},
            scale: {
              specReplicasPath: '.spec.replicas',
              statusReplicasPath: '.status.replicas',
              labelSelectorPath: '.status.selector',
            },
          },
          additionalPrinterColumns: [{ name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' }],
          selectableFields: [{ jsonPath: '.spec.color' }],
        },
      ],
      ...overrides,
    },
  };
}

test('a well-formed CRD has no causes', () => {
  assert.deepEqual(validateCrd(widgetCrd()), []);
});

test('the name must be <plural>.<group>', () => {
  const crd = widgetCrd();
  crd.metadata.name = 'gadgets.example.com';
  assert.deepEqual(validateCrd(crd), [
    {
      field: 'metadata.name',
      message: 'Invalid value: "gadgets.example.com": must be spec.names.plural+"."+spec.group',
      reason: 'FieldValueInvalid',
    },
  ]);
});

test('exactly one storage version, at least one served, unique names, schemas present', () => {
  const twoStorage = widgetCrd({
    versions: [
      { name: 'v1', served: true, storage: true, schema },
      { name: 'v2', served: true, storage: true, schema },
    ],
  });
  assert.deepEqual(
    validateCrd(twoStorage).map((c) => [c.field, c.message.replace(/^Invalid value: .*: /, '')]),
    [['spec.versions', 'must have exactly one version marked as storage version']],
  );
  const notServed = widgetCrd({ versions: [{ name: 'v1', served: false, storage: true, schema }] });
  assert.match(validateCrd(notServed)[0].message, /must have at least one served version$/);
  const duplicate = widgetCrd({
    versions: [
      { name: 'v1', served: true, storage: true, schema },
      { name: 'v1', served: true, storage: false, schema },
    ],
  });
  assert.match(validateCrd(duplicate)[0].message, /must contain unique version names$/);
  const noSchema = widgetCrd({ versions: [{ name: 'v1', served: true, storage: true }] });
  assert.deepEqual(validateCrd(noSchema), [
    {
      field: 'spec.versions[0].schema.openAPIV3Schema',
      message: 'Required value: schemas are required',
      reason: 'FieldValueRequired',
    },
  ]);
  const badVersion = widgetCrd({ versions: [{ name: 'V1', served: true, storage: true, schema }] });
  assert.equal(validateCrd(badVersion)[0].field, 'spec.versions[0].name');
});

test('group, scope and names', () => {
  const noDot = widgetCrd({ group: 'example' });
  noDot.metadata.name = 'widgets.example';
  assert.deepEqual(
    validateCrd(noDot).map((c) => c.message),
    ['Invalid value: "example": should be a domain with at least one dot'],
  );
  assert.deepEqual(validateCrd(widgetCrd({ scope: 'Global' })), [
    {
      field: 'spec.scope',
      message: 'Unsupported value: "Global": supported values: "Cluster", "Namespaced"',
      reason: 'FieldValueNotSupported',
    },
  ]);
  assert.deepEqual(
    validateCrd(widgetCrd({ names: { plural: 'widgets', kind: 'Widget', listKind: 'Widget' } })).map(
      (c) => c.message,
    ),
    ['Invalid value: "Widget": kind and listKind may not be the same'],
  );
  const missingKind = validateCrd(widgetCrd({ names: { plural: 'widgets' } }));
  assert.deepEqual(
    missingKind.map((c) => c.field),
    ['spec.names.singular', 'spec.names.kind', 'spec.names.listKind'],
  );
  assert.match(
    validateCrd(widgetCrd({ names: { plural: 'widgets', kind: 'Wid_get', singular: 'widget' } }))[0].message,
    /^Invalid value: "Wid_get": may have mixed case, but should otherwise match: a DNS-1035 label/,
  );
});

test('scale paths and printer columns', () => {
  const crd = widgetCrd({
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        schema,
        subresources: {
          scale: { specReplicasPath: '.status.replicas', statusReplicasPath: 'status.replicas' },
        },
        additionalPrinterColumns: [{ name: 'X', type: 'map', jsonPath: '.spec.x' }],
      },
    ],
  });
  assert.deepEqual(
    validateCrd(crd).map((c) => `${c.field}: ${c.message}`),
    [
      'spec.versions[0].subresources.scale.specReplicasPath: Invalid value: ".status.replicas": should be a json path under .spec',
      'spec.versions[0].subresources.scale.statusReplicasPath: Invalid value: "status.replicas": must be a simple json path starting with .',
      'spec.versions[0].additionalPrinterColumns[0].type: Invalid value: "map": must be one of boolean,date,integer,number,string',
    ],
  );
});

test('webhook conversion needs its client config', () => {
  assert.equal(
    validateCrd(widgetCrd({ conversion: { strategy: 'Webhook' } }))[0].field,
    'spec.conversion.webhookClientConfig',
  );
  assert.deepEqual(
    validateCrd(widgetCrd({ conversion: { strategy: 'Webhook', webhook: { clientConfig: {} } } })),
    [],
  );
});

test('the resource type: names, scope, preferred version first, subresources, printer columns', () => {
  const type = resourceTypesFromCrd(widgetCrd());
  assert.equal(type.group, 'example.com');
  assert.equal(type.resource, 'widgets');
  assert.equal(type.singular, 'widget');
  assert.equal(type.kind, 'Widget');
  assert.equal(type.listKind, 'WidgetList');
  assert.equal(type.namespaced, true);
  assert.deepEqual(type.shortNames, ['wd']);
  assert.deepEqual(type.categories, ['all']);
  assert.deepEqual(
    type.versions.map((v) => [v.name, v.served, v.storage]),
    [
      ['v1', true, true],
      ['v1beta1', true, false],
    ],
  );
  assert.deepEqual(type.versions[0].schema, schema.openAPIV3Schema);
  assert.deepEqual(type.versions[0].printerColumns, [
    { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' },
  ]);
  assert.equal(type.versions[1].printerColumns, undefined);
  assert.deepEqual(type.subresources, {
    status: true,
    scale: {
      specReplicasPath: '.spec.replicas',
      statusReplicasPath: '.status.replicas',
      labelSelectorPath: '.status.selector',
    },
  });
  assert.deepEqual(type.verbs, [
    'delete',
    'deletecollection',
    'get',
    'list',
    'patch',
    'create',
    'update',
    'watch',
  ]);
  assert.equal(type.strategicMerge, false);
  assert.equal(type.allowUnconditionalUpdate, false);
  assert.equal(type.tracksGeneration, true);
  assert.equal(type.crdName, 'widgets.example.com');
  assert.equal(type.fieldSelectors?.['spec.color']?.({ metadata: {}, spec: { color: 'red' } }), 'red');
  const registry = createBuiltinRegistry();
  registry.add(type);
  assert.equal(registry.lookup('example.com', 'v1beta1', 'widgets')?.type, type);
});

test('status: accepted names, stored versions and the two conditions', () => {
  const now = new Date('2026-01-01T00:00:00.123Z');
  const status = crdStatus(widgetCrd(), now);
  assert.deepEqual(status, {
    conditions: [
      {
        type: 'NamesAccepted',
        status: 'True',
        reason: 'NoConflicts',
        message: 'no conflicts found',
        lastTransitionTime: '2026-01-01T00:00:00Z',
      },
      {
        type: 'Established',
        status: 'True',
        reason: 'InitialNamesAccepted',
        message: 'the initial names have been accepted',
        lastTransitionTime: '2026-01-01T00:00:00Z',
      },
    ],
    acceptedNames: {
      plural: 'widgets',
      singular: 'widget',
      shortNames: ['wd'],
      kind: 'Widget',
      listKind: 'WidgetList',
      categories: ['all'],
    },
    storedVersions: ['v1'],
  });
});

test('status on update keeps transition times and accumulates stored versions', () => {
  const crd = widgetCrd();
  crd.status = crdStatus(crd, new Date('2026-01-01T00:00:00Z'));
  const versions = (crd.spec as { versions: { storage: boolean }[] }).versions;
  versions[0].storage = true;
  versions[1].storage = false;
  const next = crdStatus(crd, new Date('2026-02-01T00:00:00Z'));
  assert.deepEqual(next.storedVersions, ['v1', 'v1beta1']);
  assert.equal(next.conditions[1].lastTransitionTime, '2026-01-01T00:00:00Z');
});

test('a name another resource of the group holds is not accepted', () => {
  const registry = createBuiltinRegistry();
  registry.add(
    resourceTypesFromCrd({
      ...widgetCrd(),
      metadata: { name: 'gizmos.example.com' },
      spec: {
        ...(widgetCrd().spec as object),
        names: { plural: 'gizmos', kind: 'Gizmo', shortNames: ['wd'] },
      },
    }),
  );
  const taken = takenNames(registry.all(), 'example.com', 'widgets.example.com');
  const status = crdStatus(widgetCrd(), new Date('2026-01-01T00:00:00Z'), { taken });
  assert.deepEqual(
    status.conditions.map((c) => [c.type, c.status, c.reason, c.message]),
    [
      ['NamesAccepted', 'False', 'ShortNamesConflict', '"wd" is already in use'],
      ['Established', 'False', 'NotAccepted', 'not all names are accepted'],
    ],
  );
  assert.equal(status.acceptedNames.plural, 'widgets');
  assert.equal(status.acceptedNames.shortNames, undefined);
});
