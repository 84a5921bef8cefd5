/**
 * End to end on the embedded default: kubesim with its simulated cluster and the sample application of
 * `lifeboat dev`, Lifeboat installed by `lifeboat install` with an fs location, the server in this process,
 * and every step driven through the real CLI. Engine-level details (filters, tarball format, plan lines) are
 * tested beside the engines; here it is what an operator sees.
 */
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { compareSnapshots, type Snapshot } from '../../src/cli/commands/dev/compare.ts';
import { COPY_SUFFIX } from '../../src/cli/commands/dev/demo.ts';
import { comparisonLines } from '../../src/cli/commands/dev/report.ts';
import {
  SAMPLE_NAMESPACES,
  sampleApp,
  sampleCrd,
  sampleCustomResources,
} from '../../src/cli/commands/dev/sample-app.ts';
import { backupKeys } from '../../src/storage/index.ts';
import { fsStorage, type LifeboatEnv, SERVER_NAMESPACE, startLifeboatEnv } from '../support/lifeboat-env.ts';

const CRD = [
  { resource: 'customresourcedefinitions.apiextensions.k8s.io', name: 'featureflags.shop.example.com' },
];
const BACKUP = 'sample-app';

describe('backup and restore through the CLI and the server (kubesim cluster, fs location)', () => {
  const storage = fsStorage();
  let env: LifeboatEnv;
  let before_: Snapshot;

  const ok = async (...args: string[]): Promise<string> => {
    const result = await env.cli(...args);
    assert.equal(result.code, 0, `lifeboat ${args.join(' ')}\n${result.stdout}${result.stderr}`);
    return result.stdout;
  };
  const assertSame = (expected: Snapshot, actual: Snapshot, mapping: Record<string, string> = {}): void => {
    const comparison = compareSnapshots(expected, actual, mapping);
    assert.equal(comparison.matched, comparison.expected, comparisonLines(comparison).join('\n'));
    assert.ok(comparison.expected >= 20, `the sample application has ${comparison.expected} objects`);
  };
  const namespaces = async () => (await env.catalog()).resolve('namespaces')!;
  const deleteNamespaces = async (names: readonly string[]): Promise<void> => {
    const resource = await namespaces();
    for (const name of names) await env.client.delete(resource, undefined, name);
    for (let i = 0; i < 400; i++) {
      const left = await Promise.all(names.map((n) => env.client.get(resource, undefined, n)));
      if (left.every((n) => n === undefined)) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    assert.fail(`namespaces ${names.join(', ')} were not deleted`);
  };

  before(async () => {
    env = await startLifeboatEnv({ storage, cluster: true });
    await env.apply([sampleCrd, ...sampleApp(), ...sampleCustomResources()]);
    await env.kubesim.settled();
    before_ = await env.snapshot(SAMPLE_NAMESPACES, CRD);
    const out = await ok(
      'backup',
      'create',
      BACKUP,
      '--include-namespaces',
      SAMPLE_NAMESPACES.join(','),
      '--wait',
    );
    assert.match(out, /Backup completed with status: Completed/);
  });
  after(async () => {
    await env?.stop();
    storage.cleanup();
  });

  test('round trip: namespaces deleted, restored, every object equal; a copy into mapped namespaces too', async () => {
    await deleteNamespaces(SAMPLE_NAMESPACES);
    await ok('restore', 'create', 'in-place', '--from-backup', BACKUP, '--wait');
    assert.equal((await env.waitPhase('Restore', 'in-place')).phase, 'Completed');
    assertSame(before_, await env.snapshot(SAMPLE_NAMESPACES, CRD));

    const mapping = Object.fromEntries(SAMPLE_NAMESPACES.map((ns) => [ns, `${ns}${COPY_SUFFIX}`]));
    const pairs = Object.entries(mapping).map(([from, to]) => `${from}:${to}`);
    await ok(
      'restore',
      'create',
      'copy',
      '--from-backup',
      BACKUP,
      '--namespace-mappings',
      pairs.join(','),
      '--wait',
    );
    assertSame(before_, await env.snapshot(Object.values(mapping), CRD), mapping);
    // The copy's RoleBinding names the copy's ServiceAccount, not the original one.
    const binding = await env.client.get(
      (await env.catalog()).resolve('rolebindings.rbac.authorization.k8s.io')!,
      `shop${COPY_SUFFIX}`,
      'shop-reader',
    );
    assert.deepEqual(
      (binding as { subjects: { namespace: string }[] }).subjects[0].namespace,
      `shop${COPY_SUFFIX}`,
    );
    const described = await ok('restore', 'describe', 'copy');
    assert.match(described, /^Phase:\s+Completed/m);
  });

  test('filters through the CLI: resources, label selectors and excludes on backup; resources and namespaces on restore', async () => {
    /** The `group/version/Kind` headers of the backup's resource list, as `describe --details` prints it. */
    const kindsOf = async (name: string): Promise<{ kinds: string[]; text: string }> => {
      const text = await ok('backup', 'describe', name, '--details');
      const list = text.slice(text.indexOf('Resource List:'));
      return { kinds: [...list.matchAll(/^\s*(\S+\/\S+):$/gm)].map((m) => m[1]).sort(), text };
    };
    const run = (name: string, ...flags: string[]) => ok('backup', 'create', name, ...flags, '--wait');

    await run('config-only', '--include-namespaces', 'shop', '--include-resources', 'configmaps,secrets,ff');
    const config = await kindsOf('config-only');
    // The namespace and the custom resources' CRD come along, as in Velero.
    assert.deepEqual(
      config.kinds,
      [
        'apiextensions.k8s.io/v1/CustomResourceDefinition',
        'shop.example.com/v1/FeatureFlag',
        'v1/ConfigMap',
        'v1/Namespace',
        'v1/Secret',
      ],
      config.text,
    );
    assert.match(config.text, /- shop\/shop-config$/m);

    await run('postgres', '--include-namespaces', 'shop,shop-data', '--selector', 'app=postgres');
    const postgres = await kindsOf('postgres');
    assert.ok(postgres.kinds.includes('apps/v1/StatefulSet'), postgres.text);
    assert.match(postgres.text, /- shop-data\/postgres$/m);
    assert.doesNotMatch(postgres.text, /- shop\/frontend$/m);

    await run('no-secrets', '--include-namespaces', 'shop', '--exclude-resources', 'secrets');
    const noSecrets = await kindsOf('no-secrets');
    assert.ok(!noSecrets.kinds.includes('v1/Secret'), noSecrets.text);
    assert.ok(noSecrets.kinds.includes('apps/v1/Deployment'), noSecrets.text);

    await ok(
      'restore',
      'create',
      'pick',
      '--from-backup',
      BACKUP,
      '--include-namespaces',
      'shop',
      '--include-resources',
      'configmaps',
      '--namespace-mappings',
      'shop:shop-pick',
      '--wait',
    );
    const catalog = await env.catalog();
    assert.ok(await env.client.get(catalog.resolve('configmaps')!, 'shop-pick', 'shop-config'));
    assert.equal(
      await env.client.get(catalog.resolve('deployments.apps')!, 'shop-pick', 'frontend'),
      undefined,
    );
    assert.equal(
      await env.client.get(catalog.resolve('configmaps')!, 'shop-data-pick', 'shop-config'),
      undefined,
    );
  });

  test('existing objects: policy none skips them with a warning, update brings back the backed-up content', async () => {
    const configmaps = (await env.catalog()).resolve('configmaps')!;
    const edit = { data: { CURRENCY: 'USD', EXTRA: 'added later' } };
    await env.client.patch(configmaps, 'shop', 'shop-config', 'merge', edit);

    await ok('restore', 'create', 'keep', '--from-backup', BACKUP, '--include-namespaces', 'shop', '--wait');
    const kept = await env.waitPhase('Restore', 'keep');
    assert.equal(kept.phase, 'Completed');
    assert.ok((kept.warnings ?? 0) >= 1, `a warning about the changed ConfigMap: ${JSON.stringify(kept)}`);
    const untouched = (await env.client.get(configmaps, 'shop', 'shop-config')) as {
      data: Record<string, string>;
    };
    assert.equal(untouched.data.CURRENCY, 'USD');
    const describe_ = await ok('restore', 'describe', 'keep', '--details');
    // The warning says how the live object differs from the backup.
    assert.match(describe_, /shop-config: it already exists and differs \(.*data\.CURRENCY/, describe_);

    await ok(
      'restore',
      'create',
      'overwrite',
      '--from-backup',
      BACKUP,
      '--include-namespaces',
      'shop',
      '--existing-resource-policy',
      'update',
      '--wait',
    );
    assert.equal((await env.waitPhase('Restore', 'overwrite')).phase, 'Completed');
    const restored = (await env.client.get(configmaps, 'shop', 'shop-config')) as {
      data: Record<string, string>;
    };
    assert.deepEqual(restored.data, { CURRENCY: 'EUR', CATALOG_URL: 'http://catalog.shop.svc:80' });
  });

  test('resource modifiers from a ConfigMap change what is restored; an invalid result is PartiallyFailed by namespace', async () => {
    await env.apply([
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { namespace: SERVER_NAMESPACE, name: 'scale-down' },
        data: {
          'rules.yaml': [
            'version: v1',
            'resourceModifierRules:',
            '- conditions: {groupResource: deployments.apps, resourceNameRegex: "^frontend$"}',
            '  patches:',
            '  - {operation: replace, path: /spec/replicas, value: "1"}',
            '- conditions: {groupResource: configmaps, resourceNameRegex: "^shop-config$"}',
            '  mergePatches:',
            '  - patchData: \'{"data": {"CURRENCY": "CHF"}}\'',
          ].join('\n'),
        },
      },
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { namespace: SERVER_NAMESPACE, name: 'break-a-flag' },
        data: {
          'rules.yaml': [
            'version: v1',
            'resourceModifierRules:',
            '- conditions: {groupResource: featureflags.shop.example.com, resourceNameRegex: "^dark-mode$"}',
            '  patches:',
            '  - {operation: add, path: /spec/rollout, value: "500"}',
          ].join('\n'),
        },
      },
    ]);
    const catalog = await env.catalog();
    await ok(
      'restore',
      'create',
      'modified',
      '--from-backup',
      BACKUP,
      '--include-namespaces',
      'shop',
      '--namespace-mappings',
      'shop:shop-modified',
      '--resource-modifier-configmap',
      'scale-down',
      '--wait',
    );
    const frontend = (await env.client.get(
      catalog.resolve('deployments.apps')!,
      'shop-modified',
      'frontend',
    )) as {
      spec: { replicas: number };
    };
    assert.equal(frontend.spec.replicas, 1);
    const catalogDeployment = (await env.client.get(
      catalog.resolve('deployments.apps')!,
      'shop-modified',
      'catalog',
    )) as {
      spec: { replicas: number };
    };
    assert.equal(catalogDeployment.spec.replicas, 1, 'the other deployment kept its own replicas');
    const config = (await env.client.get(catalog.resolve('configmaps')!, 'shop-modified', 'shop-config')) as {
      data: Record<string, string>;
    };
    assert.equal(config.data.CURRENCY, 'CHF');

    const broken = await env.cli(
      'restore',
      'create',
      'broken',
      '--from-backup',
      BACKUP,
      '--namespace-mappings',
      'shop:shop-broken,shop-data:shop-data-broken',
      '--resource-modifier-configmap',
      'break-a-flag',
      '--wait',
    );
    const status = await env.waitPhase('Restore', 'broken');
    assert.equal(status.phase, 'PartiallyFailed', broken.stdout + broken.stderr);
    assert.equal(status.errors, 1);
    const described = await ok('restore', 'describe', 'broken', '--details');
    // Filed under the namespace it happened in, with the API server's reason, and marked in the resource list.
    assert.match(
      described,
      /Namespace shop-broken:\n\s+featureflags\.shop\.example\.com shop-broken\/dark-mode: .*spec\.rollout/,
    );
    assert.match(described, /- shop-broken\/dark-mode\(failed\)$/m);
    assert.match(described, /- shop-data-broken\/postgres\(created\)$/m);
    // The rest of the namespace made it.
    const flags = catalog.resolve('featureflags.shop.example.com')!;
    assert.ok(await env.client.get(flags, 'shop-broken', 'new-checkout'));
    assert.equal(await env.client.get(flags, 'shop-broken', 'dark-mode'), undefined);
  });

  test('dry runs: a backup counts without writing, a restore prints its plan without changing the cluster', async () => {
    const dry = await ok('backup', 'create', 'would-be', '--include-namespaces', 'shop', '--dry-run');
    assert.match(
      dry,
      /Dry run of backup "would-be": \d+ items would be backed up\. Nothing was written/,
      dry,
    );
    assert.match(dry, /^configmaps\s+2$/m, dry);
    assert.match(dry, /^featureflags\.shop\.example\.com\s+2$/m, dry);
    assert.equal(existsSync(join(storage.root, storage.bucket, 'backups', 'would-be')), false);

    const mapping = 'shop:shop-preview';
    const plan = await ok(
      'restore',
      'create',
      'preview',
      '--from-backup',
      BACKUP,
      '--namespace-mappings',
      mapping,
      '--dry-run',
    );
    assert.match(plan, /Dry run of restore preview from backup sample-app/);
    assert.match(plan, /create/);
    assert.match(plan, /shop-preview/);
    assert.equal(await env.client.get(await namespaces(), undefined, 'shop-preview'), undefined);
  });

  test('invalid specs: the CLI refuses them naming the flag; applied anyway, the server ends them in FailedValidation', async () => {
    const refused = await env.cli(
      'backup',
      'create',
      'contradiction',
      '--include-namespaces',
      'shop',
      '--exclude-namespaces',
      'shop',
    );
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /spec\.excludedNamespaces.*--exclude-namespaces/);
    assert.equal(await env.getLifeboat('Backup', 'contradiction'), undefined);

    // What `kubectl apply -f` of hand-written manifests would send: only the server can judge them.
    await env.apply([
      {
        apiVersion: 'lifeboat.io/v1',
        kind: 'Backup',
        metadata: { namespace: SERVER_NAMESPACE, name: 'nowhere' },
        spec: { storageLocation: 'missing', includedResources: ['no-such-kind'] },
      },
      {
        apiVersion: 'lifeboat.io/v1',
        kind: 'Restore',
        metadata: { namespace: SERVER_NAMESPACE, name: 'orphan' },
        spec: { backupName: 'no-such-backup' },
      },
    ]);
    const nowhere = await env.waitPhase('Backup', 'nowhere');
    assert.equal(nowhere.phase, 'FailedValidation');
    const messages = nowhere.validationErrors ?? [];
    assert.ok(
      messages.some((m) => /spec\.storageLocation/.test(m) && /missing/.test(m)),
      messages.join('\n'),
    );
    assert.ok(
      messages.some((m) => /spec\.includedResources/.test(m) && /no-such-kind/.test(m)),
      messages.join('\n'),
    );
    const described = await ok('backup', 'describe', 'nowhere');
    assert.match(described, /FailedValidation/);
    assert.match(described, /spec\.storageLocation/);

    const orphan = await env.waitPhase('Restore', 'orphan');
    assert.equal(orphan.phase, 'FailedValidation');
    assert.ok(
      orphan.validationErrors?.some((m) => /spec\.backupName/.test(m)),
      JSON.stringify(orphan),
    );
  });

  test('a corrupt tarball fails the restore with a clear message, creating nothing', async () => {
    await ok('backup', 'create', 'to-corrupt', '--include-namespaces', 'shop', '--wait');
    const tarball = join(storage.root, storage.bucket, backupKeys('to-corrupt').contents);
    assert.ok(existsSync(tarball), tarball);
    writeFileSync(tarball, Buffer.from('this is not a gzip stream, it was overwritten'));
    await env.cli(
      'restore',
      'create',
      'from-corrupt',
      '--from-backup',
      'to-corrupt',
      '--namespace-mappings',
      'shop:shop-corrupt',
      '--wait',
    );
    const status = await env.waitPhase('Restore', 'from-corrupt');
    assert.equal(status.phase, 'Failed');
    assert.match(status.failureReason ?? '', /gzip|tarball|archive/i, JSON.stringify(status));
    assert.equal(await env.client.get(await namespaces(), undefined, 'shop-corrupt'), undefined);
  });
});
