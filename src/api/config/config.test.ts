import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'yaml';
import { validateResourceModifiers } from './resource-modifiers.ts';
import { validateResourcePolicies } from './resource-policies.ts';

/** Velero's resource-policies example (its docs' YAML), as the ConfigMap's data key holds it. */
const policies = `
version: v1
volumePolicies:
- conditions:
    capacity: "10Gi,100Gi"
    storageClass: [gp2, gp3]
    csi:
      driver: ebs.csi.aws.com
      volumeAttributes: {type: gp3}
    pvcLabels: {app: db}
  action:
    type: snapshot
- conditions:
    volumeTypes: [emptyDir, nfs]
    nfs: {server: 192.168.200.90, path: /mnt/data}
  action:
    type: skip
- conditions:
    capacity: "0,10Gi"
    pvcPhase: [Pending, Lost]
  action:
    type: fs-backup
- conditions: {}
  action:
    type: custom
    parameters: {driver: my-mover, retries: 3}
includeExcludePolicy:
  includedClusterScopedResources: [persistentvolumes]
  excludedNamespaceScopedResources: [events]
`;

test('a resource-policies document as Velero documents it is accepted', () => {
  const result = validateResourcePolicies(parse(policies));
  assert.ok(result.ok, JSON.stringify(!result.ok && result.issues));
  assert.equal(result.value.volumePolicies?.length, 4);
  assert.deepEqual(result.value.volumePolicies?.[3].action.parameters, { driver: 'my-mover', retries: 3 });
});

test('resource-policies mistakes are named', () => {
  const result = validateResourcePolicies({
    version: 'v2',
    volumePolicies: [
      {
        conditions: { capacity: '10G-100G', volumeTypes: ['disk'], csi: { volumeAttributes: { a: 'b' } } },
        action: { type: 'delete' },
      },
      { conditions: { storageClas: ['gp2'] }, action: { type: 'skip' } },
    ],
    includeExcludePolicy: { excludedClusterScopedResources: ['*'] },
  });
  assert.ok(!result.ok);
  const issues = Object.fromEntries(result.issues.map((i) => [i.field, i.message]));
  assert.equal(issues.version, 'must be "v1" (got "v2")');
  assert.match(issues['volumePolicies[0].conditions.capacity'], /must be "low,high" such as "10Gi,100Gi"/);
  assert.match(issues['volumePolicies[0].conditions.volumeTypes[0]'], /^must be one of "awsAzureDisk", /);
  assert.equal(issues['volumePolicies[0].conditions.csi.driver'], 'is required when volumeAttributes is set');
  assert.equal(
    issues['volumePolicies[0].action.type'],
    'must be one of "skip", "snapshot", "fs-backup", "custom" (got "delete")',
  );
  assert.equal(
    issues['volumePolicies[1].conditions.storageClas'],
    'unknown field "storageClas"; did you mean "storageClass"?',
  );
});

test('"*" is refused in an include/exclude policy', () => {
  const result = validateResourcePolicies({
    version: 'v1',
    includeExcludePolicy: { excludedClusterScopedResources: ['*'] },
  });
  assert.ok(!result.ok);
  assert.deepEqual(result.issues, [
    {
      field: 'includeExcludePolicy.excludedClusterScopedResources[0]',
      message: '"*" is not allowed in an include/exclude policy: name the resources',
    },
  ]);
});

/** Velero's resource-modifiers example, one rule per kind of patch. */
const modifiers = `
version: v1
resourceModifierRules:
- conditions:
    groupResource: deployments.apps
    resourceNameRegex: "^web-.*$"
    namespaces: [shop]
    labelSelector: {matchLabels: {app: web}}
    matches:
    - path: /spec/template/spec/containers/0/image
      value: nginx:1.0
  patches:
  - operation: replace
    path: /spec/replicas
    value: "2"
  - operation: Add
    path: /metadata/labels/restored
    value: '"true"'
- conditions:
    groupResource: persistentvolumeclaims
  mergePatches:
  - patchData: |
      {"metadata": {"annotations": {"foo": null}}}
- conditions:
    groupResource: pods
  strategicPatches:
  - patchData: |
      spec:
        containers:
        - name: nginx
          image: repo2/nginx
`;

test('a resource-modifiers document as Velero documents it is accepted', () => {
  const result = validateResourceModifiers(parse(modifiers));
  assert.ok(result.ok, JSON.stringify(!result.ok && result.issues));
  assert.equal(result.value.resourceModifierRules.length, 3);
});

test('resource-modifiers mistakes are named', () => {
  const result = validateResourceModifiers({
    version: 'v1',
    resourceModifierRules: [
      {
        conditions: { groupResource: '' },
        patches: [{ operation: 'upsert', path: '' }],
        mergePatches: [{ patchData: '{}' }],
      },
    ],
  });
  assert.ok(!result.ok);
  assert.deepEqual(Object.fromEntries(result.issues.map((i) => [i.field, i.message])), {
    'resourceModifierRules[0].conditions.groupResource': 'must not be empty',
    'resourceModifierRules[0].patches[0].operation': 'must be one of add, remove, replace, test, move, copy',
    'resourceModifierRules[0].patches[0].path': 'must not be empty',
    'resourceModifierRules[0].mergePatches':
      'cannot be used together with patches: a rule uses one kind of patch',
  });
  const mixed = validateResourceModifiers({
    version: 'V1',
    resourceModifierRules: [
      {
        conditions: { groupResource: 'pods' },
        patches: [{ operation: 'remove', path: '/x' }],
        strategicPatches: [{ patchData: 'a: b' }],
      },
    ],
  });
  assert.ok(!mixed.ok);
  assert.deepEqual(mixed.issues, [
    {
      field: 'resourceModifierRules[0].strategicPatches',
      message: 'cannot be used together with patches: a rule uses one kind of patch',
    },
  ]);
  const empty = validateResourceModifiers({ version: 'v1', resourceModifierRules: [] });
  assert.ok(!empty.ok);
  assert.deepEqual(empty.issues, [
    { field: 'resourceModifierRules', message: 'must have at least one item' },
  ]);
});
