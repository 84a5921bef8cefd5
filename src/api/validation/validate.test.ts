import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isLifeboatError } from '../../core/errors.ts';
import { formatFieldPath } from './field-issue.ts';
import { parseResource, validateAnyResource, validateResource } from './validate.ts';
import { formatIssues } from './validate-document.ts';

const backup = (spec: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'lifeboat.io/v1',
  kind: 'Backup',
  metadata: { name: 'b1', namespace: 'lifeboat' },
  spec,
  ...extra,
});

function issuesOf(result: ReturnType<typeof validateResource>): Record<string, string> {
  assert.equal(result.ok, false, 'expected the object to be rejected');
  return Object.fromEntries(
    (result as { issues: { field: string; message: string }[] }).issues.map((i) => [i.field, i.message]),
  );
}

describe('messages name the field and say what is wrong', () => {
  test('types, enums, lists, durations, times and selectors', () => {
    const issues = issuesOf(
      validateResource(
        'Backup',
        backup(
          {
            includedNamespaces: ['shop', 7],
            snapshotVolumes: 'yes',
            ttl: '30d',
            excludedResources: 'secrets',
            labelSelector: { matchExpressions: [{ key: 'tier', operator: 'in', values: ['db'] }] },
            uploaderConfig: { parallelFilesUpload: -1 },
            hooks: { resources: [{ pre: [{ exec: { command: [] } }] }] },
          },
          { status: { phase: 'Done', completionTimestamp: 'yesterday' } },
        ),
      ),
    );
    assert.deepEqual(issues, {
      'spec.includedNamespaces[1]': 'must be a string (got 7)',
      'spec.excludedResources': 'must be a list (got "secrets")',
      'spec.labelSelector.matchExpressions[0].operator':
        'must be one of "In", "NotIn", "Exists", "DoesNotExist" (got "in")',
      'spec.snapshotVolumes': 'must be true or false (got "yes")',
      'spec.ttl': 'invalid duration "30d": use Go syntax such as 720h, 1h30m or 90s',
      'spec.hooks.resources[0].name': 'is required',
      'spec.hooks.resources[0].pre[0].exec.command': 'must have at least one item',
      'spec.uploaderConfig.parallelFilesUpload': 'must be at least 0',
      'status.phase': issues['status.phase'],
      'status.completionTimestamp': 'must be an RFC 3339 time such as 2024-05-01T12:00:00Z (got "yesterday")',
    });
    assert.match(issues['status.phase'], /^must be one of "New", "Queued", .*"Deleting" \(got "Done"\)$/);
  });

  test('a label selector with bad values gets the API server’s own message', () => {
    const issues = issuesOf(
      validateResource(
        'Backup',
        backup({ labelSelector: { matchExpressions: [{ key: 'tier', operator: 'In' }] } }),
      ),
    );
    assert.deepEqual(Object.keys(issues), ['spec.labelSelector']);
    assert.match(
      issues['spec.labelSelector'],
      /^values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty$/,
    );
  });

  test('required fields of required objects', () => {
    const issues = issuesOf(validateResource('BackupStorageLocation', { metadata: { name: 'x' }, spec: {} }));
    assert.deepEqual(issues, { 'spec.provider': 'is required', 'spec.objectStorage': 'is required' });
    const empty = issuesOf(validateResource('Schedule', { metadata: { name: 's' } }));
    assert.deepEqual(empty, { spec: 'is required' });
  });

  test('field paths: indexes in brackets, map keys that are not identifiers in brackets', () => {
    assert.equal(formatFieldPath(['spec', 'includedNamespaces', 1]), 'spec.includedNamespaces[1]');
    assert.equal(
      formatFieldPath(['metadata', 'labels', 'app.kubernetes.io/name']),
      'metadata.labels[app.kubernetes.io/name]',
    );
    assert.equal(formatFieldPath(['spec', 'namespaceMapping', 'ns-a']), 'spec.namespaceMapping[ns-a]');
    assert.equal(formatFieldPath([]), '');
  });
});

describe('unknown fields and nulls, as the API server treats them', () => {
  test('unknown fields are issues, with the likely intended name', () => {
    const issues = issuesOf(
      validateResource('Backup', backup({ includeNamespaces: ['a'], ttll: '1h', zzz: 1 })),
    );
    assert.deepEqual(issues, {
      'spec.includeNamespaces': 'unknown field "includeNamespaces"; did you mean "includedNamespaces"?',
      'spec.ttll': 'unknown field "ttll"; did you mean "ttl"?',
      'spec.zzz': 'unknown field "zzz"',
    });
  });

  test('with unknownFields: drop they are removed and returned as warnings', () => {
    const result = validateResource('Backup', backup({ ttl: '1h', futureField: true }), {
      unknownFields: 'drop',
    });
    assert.ok(result.ok);
    assert.deepEqual(result.value.spec, { ttl: '1h' });
    assert.deepEqual(result.warnings, [
      { field: 'spec.futureField', message: 'unknown field "futureField"' },
    ]);
  });

  test('metadata keeps every field the API server sets', () => {
    const result = validateResource(
      'Backup',
      backup({}, { metadata: { name: 'b', managedFields: [{ manager: 'kubectl' }], selfLink: '/x' } }),
    );
    assert.ok(result.ok);
    assert.deepEqual(result.value.metadata.managedFields, [{ manager: 'kubectl' }]);
  });

  test('null in a nullable field stays null; in any other field it reads as unset', () => {
    const result = validateResource(
      'Backup',
      backup(
        { includedNamespaces: null, storageLocation: null, hooks: null },
        { status: { failureReason: null } },
      ),
    );
    assert.ok(result.ok);
    assert.deepEqual(result.value.spec, { includedNamespaces: null });
    assert.deepEqual(result.value.status, {});
  });

  test('null for a required field is reported as missing', () => {
    const issues = issuesOf(
      validateResource('DeleteBackupRequest', { metadata: { name: 'd' }, spec: { backupName: null } }),
    );
    assert.deepEqual(issues, { 'spec.backupName': 'is required' });
  });
});

describe('defaults and the envelope', () => {
  test('missing spec and metadata default to empty; defaults inside are applied', () => {
    const result = validateResource('BackupStorageLocation', {
      metadata: { name: 'default' },
      spec: { provider: 'aws', objectStorage: { bucket: 'b' }, credential: { key: 'cloud' } },
    });
    assert.ok(result.ok);
    assert.deepEqual(result.value.spec.credential, { name: '', key: 'cloud' });
    const ssr = validateResource('ServerStatusRequest', { metadata: { generateName: 'lifeboat-cli-' } });
    assert.ok(ssr.ok);
    assert.deepEqual(ssr.value.spec, {});
  });

  test('a name or generateName is required, and must be a valid name', () => {
    assert.deepEqual(issuesOf(validateResource('Backup', { spec: {} })), {
      'metadata.name': 'is required (or set metadata.generateName)',
    });
    const bad = issuesOf(validateResource('Backup', backup({}, { metadata: { name: 'Nightly_Backup' } })));
    assert.match(bad['metadata.name'], /lowercase RFC 1123 subdomain/);
  });

  test('label keys and values are checked like the API server does', () => {
    const issues = issuesOf(
      validateResource(
        'Backup',
        backup({}, { metadata: { name: 'b', labels: { 'a/b/c': 'x', ok: 'bad value!' } } }),
      ),
    );
    assert.match(issues['metadata.labels[a/b/c]'], /^key "a\/b\/c": a qualified name must consist of/);
    assert.match(issues['metadata.labels.ok'], /^value "bad value!": a valid label must be an empty string/);
  });

  test('the wrong kind or apiVersion is named once', () => {
    const issues = issuesOf(validateResource('Restore', { ...backup({}), apiVersion: 'v1' }));
    assert.deepEqual(issues, {
      apiVersion: 'must be lifeboat.io/v1 (got "v1")',
      kind: 'must be Restore (got "Backup")',
      'spec.backupName': 'is required (or set scheduleName to restore its latest completed backup)',
    });
  });

  test('not an object at all', () => {
    assert.deepEqual(issuesOf(validateResource('Backup', 'backup: yes')), {
      '': 'must be a Backup object (got "backup: yes")',
    });
    assert.deepEqual(issuesOf(validateAnyResource({ kind: 'Pod' })), {
      kind: 'must be one of the lifeboat.io kinds (got "Pod")',
    });
  });

  test('the input is never modified', () => {
    const input = backup({ includeNamespaces: ['a'], storageLocation: null });
    const before = JSON.stringify(input);
    validateResource('Backup', input);
    validateResource('Backup', input, { unknownFields: 'drop' });
    assert.equal(JSON.stringify(input), before);
  });
});

describe('parseResource', () => {
  test('returns the parsed object', () => {
    const value = parseResource('DeleteBackupRequest', {
      metadata: { name: 'd' },
      spec: { backupName: 'b' },
    });
    assert.equal(value.spec.backupName, 'b');
  });

  test('throws an Invalid LifeboatError listing every issue, field set to the first', () => {
    assert.throws(
      () => parseResource('Backup', backup({ ttl: 'soon', snapshotVolumes: 1 })),
      (err: unknown) => {
        assert.ok(isLifeboatError(err, 'Invalid'));
        assert.equal(err.field, 'spec.snapshotVolumes');
        assert.equal(
          err.message,
          'invalid Backup: spec.snapshotVolumes: must be true or false (got 1); spec.ttl: invalid duration "soon": use Go syntax such as 720h, 1h30m or 90s',
        );
        return true;
      },
    );
  });

  test('formatIssues joins issues, leaving out an empty field', () => {
    assert.equal(
      formatIssues([
        { field: '', message: 'a' },
        { field: 'spec.x', message: 'b' },
      ]),
      'a; spec.x: b',
    );
  });
});
