import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ResourceKind } from '../kinds.ts';
import { validateResource } from '../validation/validate.ts';
import { namespacePatternProblem } from './names.ts';

/** The issues of a resource whose shape is valid, as field → message. */
function ruleIssues(kind: ResourceKind, spec: Record<string, unknown>): Record<string, string> {
  const result = validateResource(kind, { metadata: { name: 'x' }, spec });
  return result.ok ? {} : Object.fromEntries(result.issues.map((i) => [i.field, i.message]));
}

describe('Backup rules (after Velero’s backup controller)', () => {
  test('a namespace both included and excluded', () => {
    assert.deepEqual(
      ruleIssues('Backup', { includedNamespaces: ['shop', 'db'], excludedNamespaces: ['db'] }),
      {
        'spec.excludedNamespaces[0]': '"db" is both included (includedNamespaces) and excluded',
      },
    );
  });

  test('"*" alone or not at all', () => {
    assert.deepEqual(ruleIssues('Backup', { includedNamespaces: ['*', 'shop'], excludedNamespaces: ['*'] }), {
      'spec.includedNamespaces': 'must be either just "*" or a list of names without "*"',
      'spec.excludedNamespaces[0]': '"*" is not allowed in an exclude list: it would exclude everything',
    });
    assert.deepEqual(ruleIssues('Backup', { includedResources: ['*'], excludedResources: ['*'] }), {
      'spec.excludedResources[0]': '"*" is not allowed in an exclude list: it would exclude everything',
    });
  });

  test('includeClusterResources with the scoped filters, as Velero refuses', () => {
    const issues = ruleIssues('Backup', {
      includeClusterResources: true,
      includedNamespaceScopedResources: ['pods'],
    });
    assert.deepEqual(Object.keys(issues), ['spec.includedNamespaceScopedResources']);
    assert.match(
      issues['spec.includedNamespaceScopedResources'],
      /cannot be combined with .*includeClusterResources/,
    );
    // includeClusterResources: null is "unset" and mixes with nothing.
    assert.deepEqual(
      ruleIssues('Backup', { includeClusterResources: null, includedNamespaceScopedResources: ['pods'] }),
      {},
    );
  });

  test('scoped filters may exclude "*", which leaves nothing to include', () => {
    assert.deepEqual(ruleIssues('Backup', { excludedClusterScopedResources: ['*'] }), {});
    assert.deepEqual(
      ruleIssues('Backup', {
        includedClusterScopedResources: ['storageclasses'],
        excludedClusterScopedResources: ['*'],
      }),
      { 'spec.includedClusterScopedResources': 'must be empty when excludedClusterScopedResources is "*"' },
    );
  });

  test('both selector styles at once', () => {
    assert.deepEqual(
      ruleIssues('Backup', { labelSelector: {}, orLabelSelectors: [{ matchLabels: { a: 'b' } }] }),
      {
        'spec.orLabelSelectors': 'cannot be used together with labelSelector: set only one of them',
      },
    );
  });

  test('namespace patterns must be able to match a namespace', () => {
    const issues = ruleIssues('Backup', { includedNamespaces: ['Shop', 'team-[ab', 'app-?', 'prod-*', ''] });
    assert.deepEqual(Object.keys(issues), ['spec.includedNamespaces[0]', 'spec.includedNamespaces[1]']);
    assert.match(issues['spec.includedNamespaces[0]'], /"Shop" can never match a namespace/);
    assert.match(
      issues['spec.includedNamespaces[1]'],
      /"team-\[ab" is not a valid pattern: '\[' is not closed/,
    );
  });

  test('resource policies come from a ConfigMap; copies go elsewhere, once each', () => {
    assert.deepEqual(
      ruleIssues('Backup', {
        resourcePolicy: { kind: 'Secret', name: 'p' },
        storageLocation: 'primary',
        copyTo: ['dr', 'primary', 'dr'],
      }),
      {
        'spec.resourcePolicy.kind':
          'must be "configmap", the only kind that holds resource policies (got "Secret")',
        'spec.copyTo[1]': `"primary" is the backup's own storage location, which holds the original`,
        'spec.copyTo[2]': '"dr" is listed twice',
      },
    );
    assert.deepEqual(ruleIssues('Backup', { resourcePolicy: { kind: 'ConfigMap', name: 'p' } }), {});
  });
});

describe('Restore rules (after Velero’s restore controller)', () => {
  test('exactly one source', () => {
    assert.deepEqual(ruleIssues('Restore', {}), {
      'spec.backupName': 'is required (or set scheduleName to restore its latest completed backup)',
    });
    assert.deepEqual(ruleIssues('Restore', { backupName: 'b', scheduleName: 's' }), {
      'spec.scheduleName': 'cannot be set together with backupName: restore from one or the other',
    });
    assert.deepEqual(ruleIssues('Restore', { scheduleName: 's' }), {});
  });

  test('resources that are never restored', () => {
    assert.deepEqual(
      ruleIssues('Restore', { backupName: 'b', includedResources: ['pods', 'nodes', 'backups.lifeboat.io'] }),
      {
        'spec.includedResources[1]': '"nodes" is never restored',
        'spec.includedResources[2]': '"backups.lifeboat.io" is never restored',
      },
    );
  });

  test('namespace mapping targets must be namespace names', () => {
    assert.deepEqual(
      ruleIssues('Restore', { backupName: 'b', namespaceMapping: { shop: 'shop-copy', db: 'DB' } }),
      {
        'spec.namespaceMapping.db': `"DB" is not a valid namespace name: use lower case letters, digits and '-', starting and ending with a letter or digit`,
      },
    );
  });

  test('status include/exclude lists, hooks without an action, modifiers from a ConfigMap', () => {
    assert.deepEqual(
      ruleIssues('Restore', {
        backupName: 'b',
        restoreStatus: { includedResources: ['workflows'], excludedResources: ['workflows'] },
        hooks: { resources: [{ name: 'h', postHooks: [{ exec: { command: ['true'] } }, {}] }] },
        resourceModifier: { kind: 'Secret', name: 'm' },
      }),
      {
        'spec.restoreStatus.excludedResources[0]':
          '"workflows" is both included (includedResources) and excluded',
        'spec.hooks.resources[0].postHooks[1]': 'must set exec or init',
        'spec.resourceModifier.kind':
          'must be "ConfigMap", the only kind that holds resource modifiers (got "Secret")',
      },
    );
  });
});

describe('Schedule rules', () => {
  const base = { schedule: '@daily', template: {} };

  test('the template follows the Backup rules, at its own path', () => {
    assert.deepEqual(
      ruleIssues('Schedule', { ...base, template: { includedNamespaces: ['a'], excludedNamespaces: ['a'] } }),
      {
        'spec.template.excludedNamespaces[0]': '"a" is both included (includedNamespaces) and excluded',
      },
    );
  });

  test('no dry-run template, a real time zone, a keep with a rule', () => {
    const issues = ruleIssues('Schedule', {
      ...base,
      template: { dryRun: true },
      timezone: 'Mars/Olympus',
      keep: { daily: 0 },
    });
    assert.deepEqual(Object.keys(issues), ['spec.template.dryRun', 'spec.timezone', 'spec.keep']);
    assert.match(issues['spec.timezone'], /"Mars\/Olympus" is not a known time zone/);
    assert.deepEqual(
      ruleIssues('Schedule', { ...base, timezone: 'America/New_York', keep: { last: 1 } }),
      {},
    );
  });

  test('webhooks: exactly one of url and urlSecretRef; copies not to the template’s own location', () => {
    assert.deepEqual(
      ruleIssues('Schedule', {
        ...base,
        template: { storageLocation: 'primary' },
        copyTo: ['primary'],
        notifications: {
          webhooks: [
            {},
            { url: 'https://x.example', urlSecretRef: { name: 's', key: 'k' } },
            { url: 'https://ok.example' },
          ],
        },
      }),
      {
        'spec.copyTo[0]': `"primary" is the backup's own storage location, which holds the original`,
        'spec.notifications.webhooks[0].url': 'is required (or set urlSecretRef)',
        'spec.notifications.webhooks[1].urlSecretRef': 'cannot be set together with url: set one of them',
      },
    );
  });

  test('webhook URLs must be http(s)', () => {
    const result = validateResource('Schedule', {
      metadata: { name: 's' },
      spec: { ...base, notifications: { webhooks: [{ url: 'ftp://x.example/hook' }] } },
    });
    assert.ok(!result.ok);
    assert.deepEqual(result.issues, [
      {
        field: 'spec.notifications.webhooks[0].url',
        message: 'must be an http or https URL (got "ftp://x.example/hook")',
      },
    ]);
  });
});

describe('BackupStorageLocation and DataUpload rules', () => {
  const location = (objectStorage: Record<string, unknown>) => ({ provider: 'aws', objectStorage });

  test('one way of giving the CA; a bucket without a path', () => {
    assert.deepEqual(
      ruleIssues(
        'BackupStorageLocation',
        location({ bucket: 'b/backups', caCert: 'QUJD', caCertRef: { key: 'ca' } }),
      ),
      {
        'spec.objectStorage.caCertRef': 'cannot be used together with caCert: keep only caCertRef',
        'spec.objectStorage.bucket':
          'must be a bucket name without "/" (got "b/backups"): put the path inside the bucket in prefix',
      },
    );
    assert.deepEqual(ruleIssues('BackupStorageLocation', location({ bucket: '/b/' })), {});
    assert.deepEqual(
      ruleIssues(
        'BackupStorageLocation',
        location({ bucket: 'arn:aws:s3::123456789012:accesspoint/mfzwi23gnjvgw.mrap' }),
      ),
      {},
    );
  });

  test('a CSI upload needs its snapshot', () => {
    const spec = {
      snapshotType: 'CSI',
      sourcePVC: 'data',
      backupStorageLocation: 'default',
      sourceNamespace: 'db',
      operationTimeout: '10m',
    };
    assert.deepEqual(ruleIssues('DataUpload', spec), {
      'spec.csiSnapshot': 'is required when snapshotType is CSI',
    });
  });
});

test('namespace patterns: names, globs, character classes', () => {
  for (const ok of [
    '',
    '*',
    'shop',
    'shop-*',
    'team-?',
    'ns-[abc]',
    '[a-c]*',
    'a'.repeat(63),
    `${'a'.repeat(70)}*`,
  ]) {
    assert.equal(namespacePatternProblem(ok), undefined, ok);
  }
  for (const bad of [
    'Shop',
    'shop_1',
    '-shop',
    'ns-[]',
    'ns-]',
    'ns-[[a]]',
    `${'a'.repeat(62)}_`,
    'a'.repeat(64),
  ]) {
    assert.notEqual(namespacePatternProblem(bad), undefined, bad);
  }
});
