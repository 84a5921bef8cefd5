import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import {
  type FieldIssue,
  fromVeleroApiVersion,
  manifest,
  RESOURCE_KINDS,
  validateAnyResource,
  validateResource,
} from './index.ts';
import {
  lifeboatSchedule,
  veleroBackupDocSample,
  veleroBackupStorageLocationWithCaCert,
  veleroManifests,
} from './testdata/velero-manifests.ts';

/** A Velero manifest ported the documented way: apiVersion changed, nothing else. */
function ported(yaml: string): Record<string, unknown> {
  return fromVeleroApiVersion(parse(yaml) as Record<string, unknown>);
}

function fields(issues: FieldIssue[]): string[] {
  return issues.map((i) => i.field);
}

describe('Velero manifests ported by changing apiVersion', () => {
  for (const kind of RESOURCE_KINDS) {
    test(`${kind} is accepted`, () => {
      const result = validateResource(kind, ported(veleroManifests[kind]));
      assert.deepEqual(result.ok ? [] : result.issues, []);
      assert.ok(result.ok);
      assert.equal(result.value.apiVersion, 'lifeboat.io/v1');
      assert.equal(result.value.kind, kind);
    });
  }

  test('the Backup keeps every field, with hooks and nullable fields as written', () => {
    const result = validateResource('Backup', ported(veleroManifests.Backup));
    assert.ok(result.ok);
    const spec = result.value.spec;
    assert.deepEqual(spec.includedNamespaces, ['*']);
    assert.equal(spec.includeClusterResources, null);
    assert.equal(spec.ttl, '24h0m0s');
    assert.equal(spec.hooks?.resources?.[0].pre?.[0].exec.onError, 'Fail');
    assert.deepEqual(spec.hooks?.resources?.[0].pre?.[0].exec.command, ['/bin/uname', '-a']);
    assert.equal(spec.orderedResources?.pods?.split(',').length, 3);
    assert.equal(result.value.status?.phase, 'Completed');
    assert.equal(result.value.status?.progress?.itemsBackedUp, 120);
  });

  test('the Restore keeps namespaceMapping, restoreStatus and init containers with all their fields', () => {
    const result = validateResource('Restore', ported(veleroManifests.Restore));
    assert.ok(result.ok);
    const spec = result.value.spec;
    assert.deepEqual(spec.namespaceMapping, { 'namespace-backup-from': 'namespace-to-restore-to' });
    assert.deepEqual(spec.restoreStatus?.includedResources, ['workflows']);
    const init = spec.hooks?.resources?.[0].postHooks?.[0].init;
    assert.equal(init?.initContainers.length, 2);
    // Container fields the schema does not name (volumeMounts) are kept, as the CRD preserves them.
    assert.deepEqual(init?.initContainers[0].volumeMounts, [
      { mountPath: '/restores/pvc1-vm', name: 'pvc1-vm' },
    ]);
    assert.equal(spec.hooks?.resources?.[0].postHooks?.[1].exec?.waitTimeout, '5m');
    // `failureReason:` (null) is dropped as the API server drops nulls in non-nullable fields.
    assert.equal(result.value.status && 'failureReason' in result.value.status, false);
  });

  test('the Schedule keeps its template, including template labels and OR selectors', () => {
    const result = validateResource('Schedule', ported(veleroManifests.Schedule));
    assert.ok(result.ok);
    assert.equal(result.value.spec.schedule, '0 7 * * *');
    assert.deepEqual(result.value.spec.template.metadata?.labels, { labelname: 'somelabelvalue' });
    assert.equal(result.value.spec.template.orLabelSelectors?.length, 2);
    assert.equal(result.value.status?.lastSkipped, null);
  });

  test('the BackupStorageLocation (aws, with config and credential) and its caCert variant', () => {
    const result = validateResource('BackupStorageLocation', ported(veleroManifests.BackupStorageLocation));
    assert.ok(result.ok);
    assert.equal(result.value.spec.config?.region, 'us-west-2');
    assert.deepEqual(result.value.spec.credential, { name: 'secret-name', key: 'key-in-secret' });
    assert.ok(validateResource('BackupStorageLocation', ported(veleroBackupStorageLocationWithCaCert)).ok);
  });

  test('a v2alpha1 DataUpload ports to v1 and defaults nothing it was not given', () => {
    const manifest = ported(veleroManifests.DataUpload);
    assert.equal(manifest.apiVersion, 'lifeboat.io/v1');
    const result = validateResource('DataUpload', manifest);
    assert.ok(result.ok);
    assert.equal(result.value.spec.csiSnapshot?.driver, 'hostpath.csi.k8s.io');
    assert.equal(result.value.status?.dataMoverResult, null);
  });

  test('validateAnyResource dispatches on kind', () => {
    for (const kind of RESOURCE_KINDS) {
      const result = validateAnyResource(ported(veleroManifests[kind]));
      assert.ok(result.ok, kind);
      assert.equal(result.value.kind, kind);
    }
  });
});

describe('manifests that must be fixed first', () => {
  test('an unported Velero manifest is told to change its apiVersion', () => {
    const result = validateResource('Backup', parse(veleroManifests.Backup));
    assert.equal(result.ok, false);
    assert.ok(!result.ok);
    assert.deepEqual(fields(result.issues), ['apiVersion']);
    assert.match(
      result.issues[0].message,
      /Velero manifest \(velero\.io\/v1\); change its apiVersion to lifeboat\.io\/v1/,
    );
  });

  test('Velero’s own Backup doc sample fails here as it fails in Velero, naming each field', () => {
    const result = validateResource('Backup', ported(veleroBackupDocSample));
    assert.ok(!result.ok);
    assert.deepEqual(fields(result.issues).sort(), [
      'spec.excludedClusterScopedResources',
      'spec.excludedNamespaceScopedResources',
      'spec.includedClusterScopedResources',
      'spec.includedNamespaceScopedResources',
      'status.phase',
    ]);
    assert.ok(
      result.issues.every(
        (i) => i.field === 'status.phase' || i.message === 'must be a list (got an object)',
      ),
    );
    assert.match(result.issues.find((i) => i.field === 'status.phase')!.message, /^must be one of "New", /);
  });

  test('with the shape fixed, the sample’s mixed filters and double selectors are named', () => {
    const sample = ported(veleroBackupDocSample) as { spec: Record<string, unknown>; status: unknown };
    sample.spec.includedClusterScopedResources = ['persistentvolumes'];
    sample.spec.excludedClusterScopedResources = [];
    sample.spec.includedNamespaceScopedResources = [];
    sample.spec.excludedNamespaceScopedResources = [];
    delete sample.status;
    const result = validateResource('Backup', sample);
    assert.ok(!result.ok);
    assert.deepEqual(fields(result.issues), ['spec.orLabelSelectors', 'spec.includedClusterScopedResources']);
    assert.match(
      result.issues[1].message,
      /cannot be combined with includedResources, excludedResources, includeClusterResources/,
    );
  });
});

describe('Lifeboat additions', () => {
  test('a Schedule with retention, copies, time zone and webhooks', () => {
    const result = validateResource('Schedule', parse(lifeboatSchedule));
    assert.ok(result.ok, JSON.stringify(!result.ok && result.issues));
    const spec = result.value.spec;
    assert.deepEqual(spec.keep, { last: 3, hourly: 24, daily: 7, weekly: 4, monthly: 12, yearly: 2 });
    assert.deepEqual(spec.copyTo, ['secondary-region']);
    assert.equal(spec.notifications?.webhooks?.[1].urlSecretRef?.key, 'url');
  });

  test('a dry-run Backup with copies and the status the controller writes for it', () => {
    const result = validateResource('Backup', {
      apiVersion: 'lifeboat.io/v1',
      kind: 'Backup',
      metadata: { name: 'preview' },
      spec: { dryRun: true, includedNamespaces: ['shop'], copyTo: ['secondary'] },
      status: {
        phase: 'Completed',
        dryRunSummary: { totalItems: 12, resources: { pods: 4, configmaps: 8 }, namespaces: { shop: 12 } },
        copies: [{ location: 'secondary', phase: 'Completed', completionTimestamp: '2024-05-01T12:00:00Z' }],
        conditions: [
          { type: 'Ready', status: 'True', reason: 'Completed', lastTransitionTime: '2024-05-01T12:00:00Z' },
        ],
      },
    });
    assert.ok(result.ok, JSON.stringify(!result.ok && result.issues));
    assert.equal(result.value.status?.dryRunSummary?.resources?.configmaps, 8);
  });
});

test('manifest() stamps apiVersion and kind on a typed spec that validates', () => {
  const backup = manifest(
    'Backup',
    { name: 'shop', namespace: 'lifeboat' },
    { includedNamespaces: ['shop'], ttl: '24h' },
  );
  assert.equal(backup.apiVersion, 'lifeboat.io/v1');
  assert.equal(backup.kind, 'Backup');
  const result = validateResource('Backup', backup);
  assert.ok(result.ok);
  assert.deepEqual(result.value.spec, { includedNamespaces: ['shop'], ttl: '24h' });
});
