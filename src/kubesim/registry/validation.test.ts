import assert from 'node:assert/strict';
import { test } from 'node:test';
import { invalid as invalidStatus } from '../apiserver/errors.ts';
import { createBuiltinRegistry } from './registry.ts';
import type { KubeObject, ResourceType } from './types.ts';
import { validateObjectMeta } from './validation.ts';

const registry = createBuiltinRegistry();

function typeOf(group: string, resource: string): ResourceType {
  const t = registry.find(group, resource);
  assert.ok(t);
  return t;
}

const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

function create(type: ResourceType, metadata: KubeObject['metadata']) {
  return validateObjectMeta(type, { metadata }, { operation: 'create' });
}

test('most kinds take DNS-1123 subdomain names, with the real message', () => {
  const cm = typeOf('', 'configmaps');
  assert.deepEqual(create(cm, { name: 'my.config-1', namespace: 'default' }), []);
  assert.deepEqual(create(cm, { name: 'My_Config', namespace: 'default' }), [
    {
      field: 'metadata.name',
      message: `Invalid value: "My_Config": ${SUBDOMAIN_MSG}`,
      reason: 'FieldValueInvalid',
    },
  ]);
  const long = 'a'.repeat(254);
  assert.equal(
    create(cm, { name: long, namespace: 'default' })[0].message,
    `Invalid value: "${long}": must be no more than 253 characters`,
  );
});

test('the 422 Status reads as kubectl prints it', () => {
  const type = typeOf('', 'configmaps');
  const causes = create(type, { name: 'Bad', namespace: 'default' });
  const err = invalidStatus(type, 'Bad', causes);
  assert.equal(
    err.status.message,
    `ConfigMap "Bad" is invalid: metadata.name: Invalid value: "Bad": ${SUBDOMAIN_MSG}`,
  );
  assert.equal(err.status.details?.causes?.[0].reason, 'FieldValueInvalid');
});

test('namespaces use DNS-1123 labels and services DNS-1035 labels', () => {
  assert.deepEqual(create(typeOf('', 'namespaces'), { name: 'team-a' }), []);
  assert.deepEqual(
    create(typeOf('', 'namespaces'), { name: 'team.a' }).map((c) => c.message),
    ['Invalid value: "team.a": must not contain dots'],
  );
  assert.equal(
    create(typeOf('', 'namespaces'), { name: '-x' })[0].message,
    `Invalid value: "-x": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
  );
  assert.equal(
    create(typeOf('', 'services'), { name: '1web', namespace: 'd' })[0].message,
    `Invalid value: "1web": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')`,
  );
  assert.deepEqual(create(typeOf('', 'pods'), { name: '1web', namespace: 'd' }), []);
});

test('RBAC objects and persistent volumes allow any path segment', () => {
  assert.deepEqual(
    create(typeOf('rbac.authorization.k8s.io', 'clusterroles'), { name: 'system:controller:Foo' }),
    [],
  );
  assert.deepEqual(
    create(typeOf('rbac.authorization.k8s.io', 'roles'), { name: 'a/b%c', namespace: 'd' }).map(
      (c) => c.message,
    ),
    [`Invalid value: "a/b%c": may not contain '/'`, `Invalid value: "a/b%c": may not contain '%'`],
  );
  assert.equal(
    create(typeOf('', 'persistentvolumes'), { name: '..' })[0].message,
    `Invalid value: "..": may not be '..'`,
  );
});

test('cron job names stay within 52 characters', () => {
  const name = 'c'.repeat(53);
  assert.deepEqual(
    create(typeOf('batch', 'cronjobs'), { name, namespace: 'd' }).map((c) => c.message),
    [`Invalid value: "${name}": must be no more than 52 characters`],
  );
});

test('a name or generateName is required; generateName may end in a dash', () => {
  const type = typeOf('', 'pods');
  assert.deepEqual(create(type, { namespace: 'd' }), [
    {
      field: 'metadata.name',
      message: 'Required value: name or generateName is required',
      reason: 'FieldValueRequired',
    },
  ]);
  assert.deepEqual(create(type, { generateName: 'web-', namespace: 'd' }), []);
  assert.equal(create(type, { generateName: 'Web-', namespace: 'd' })[0].field, 'metadata.generateName');
});

test('namespace presence follows the scope', () => {
  assert.deepEqual(create(typeOf('', 'pods'), { name: 'p' }), [
    { field: 'metadata.namespace', message: 'Required value', reason: 'FieldValueRequired' },
  ]);
  assert.deepEqual(create(typeOf('', 'nodes'), { name: 'n', namespace: 'x' }), [
    {
      field: 'metadata.namespace',
      message: 'Forbidden: not allowed on this type',
      reason: 'FieldValueForbidden',
    },
  ]);
});

test('label keys and values', () => {
  const type = typeOf('', 'configmaps');
  assert.deepEqual(
    create(type, { name: 'c', namespace: 'd', labels: { 'app.kubernetes.io/name': 'web', empty: '' } }),
    [],
  );
  const causes = create(type, {
    name: 'c',
    namespace: 'd',
    labels: { 'bad key!': 'ok', good: 'v'.repeat(64) },
  });
  assert.deepEqual(
    causes.map((c) => `${c.field}: ${c.message}`),
    [
      `metadata.labels: Invalid value: "bad key!": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
      `metadata.labels: Invalid value: "${'v'.repeat(64)}": must be no more than 63 characters`,
    ],
  );
  assert.deepEqual(
    create(type, { name: 'c', namespace: 'd', labels: { '/x': 'y' } }).map((c) => c.message),
    ['Invalid value: "/x": prefix part must be non-empty'],
  );
});

test('annotation keys ignore case and the total size is capped at 256 KiB', () => {
  const type = typeOf('', 'configmaps');
  assert.deepEqual(create(type, { name: 'c', namespace: 'd', annotations: { 'Example.com/Note': 'x' } }), []);
  const big = 'x'.repeat(256 * 1024);
  assert.deepEqual(create(type, { name: 'c', namespace: 'd', annotations: { a: big } }), [
    {
      field: 'metadata.annotations',
      message: 'Too long: may not be more than 262144 bytes',
      reason: 'FieldValueTooLong',
    },
  ]);
});

test('finalizers: qualified names, the standard ones, and not orphan with foregroundDeletion', () => {
  const pods = typeOf('', 'pods');
  assert.deepEqual(
    create(pods, { name: 'p', namespace: 'd', finalizers: ['kubernetes', 'example.com/hold'] }),
    [],
  );
  assert.deepEqual(create(pods, { name: 'p', namespace: 'd', finalizers: ['hold'] }), [
    {
      field: 'metadata.finalizers[0]',
      message: 'Invalid value: "hold": name is neither a standard finalizer name nor is it fully qualified',
      reason: 'FieldValueInvalid',
    },
  ]);
  assert.deepEqual(
    create(pods, { name: 'p', namespace: 'd', finalizers: ['orphan', 'foregroundDeletion'] }).map(
      (c) => c.message,
    ),
    [
      'Invalid value: []string{"orphan", "foregroundDeletion"}: finalizer orphan and foregroundDeletion cannot be both set',
    ],
  );
  const cr = { ...typeOf('', 'pods'), crdName: 'widgets.example.com' };
  assert.deepEqual(create(cr, { name: 'p', namespace: 'd', finalizers: ['hold'] }), []);
});

test('owner references need apiVersion, kind, name, uid and at most one controller', () => {
  const type = typeOf('', 'pods');
  const ok = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u1', controller: true };
  assert.deepEqual(create(type, { name: 'p', namespace: 'd', ownerReferences: [ok] }), []);
  const causes = create(type, {
    name: 'p',
    namespace: 'd',
    ownerReferences: [
      ok,
      { apiVersion: 'apps/', kind: 'ReplicaSet', name: 'rs2', uid: '', controller: true },
    ],
  });
  assert.deepEqual(
    causes.map((c) => c.field),
    ['metadata.ownerReferences.apiVersion', 'metadata.ownerReferences.uid', 'metadata.ownerReferences'],
  );
  assert.match(
    causes[2].message,
    /Only one reference can have Controller set to true\. Found "true" in references for ReplicaSet\/rs and ReplicaSet\/rs2$/,
  );
});

test('updates keep name and namespace, refuse new finalizers while deleting, and need a resourceVersion for CRs', () => {
  const type = typeOf('', 'configmaps');
  const old: KubeObject = {
    metadata: {
      name: 'c',
      namespace: 'd',
      uid: 'u',
      deletionTimestamp: '2026-01-01T00:00:00Z',
      finalizers: ['a.io/x'],
    },
  };
  const renamed = validateObjectMeta(
    type,
    { metadata: { name: 'c2', namespace: 'd', uid: 'u' } },
    { operation: 'update', old },
  );
  assert.deepEqual(renamed, [
    {
      field: 'metadata.name',
      message: 'Invalid value: "c2": field is immutable',
      reason: 'FieldValueInvalid',
    },
  ]);
  const added = validateObjectMeta(
    type,
    { metadata: { name: 'c', namespace: 'd', finalizers: ['a.io/x', 'b.io/y'] } },
    { operation: 'update', old },
  );
  assert.deepEqual(added, [
    {
      field: 'metadata.finalizers',
      message:
        'Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"b.io/y"}',
      reason: 'FieldValueForbidden',
    },
  ]);
  const crd = typeOf('apiextensions.k8s.io', 'customresourcedefinitions');
  assert.deepEqual(
    validateObjectMeta(
      crd,
      { metadata: { name: 'a.b.c' } },
      { operation: 'update', old: { metadata: { name: 'a.b.c' } } },
    ),
    [
      {
        field: 'metadata.resourceVersion',
        message: 'Invalid value: 0x0: must be specified for an update',
        reason: 'FieldValueInvalid',
      },
    ],
  );
});
