import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { lifeboatResource } from '../../../kube/index.ts';
import { startKubesim } from '../../../kubesim/index.ts';
import { type CliEnv, runCaptured, startCliEnv } from '../../test-support.ts';

describe('lifeboat backup against kubesim', () => {
  let env: CliEnv;
  before(async () => {
    env = await startCliEnv(await startKubesim({ cluster: false }));
  });
  after(() => env.stop());

  test('create builds the Backup from Velero-style flags', async () => {
    const r = await env.run(
      'backup',
      'create',
      'web',
      '--include-namespaces',
      'shop,blog',
      '--exclude-resources',
      'secrets',
      '-l',
      'app=web,tier!=db',
      '--or-selector',
      'a=b or c in (d,e)',
      '--ttl',
      '24h',
      '--ordered-resources',
      'pods=shop/a,shop/b;persistentvolumeclaims=shop/c',
      '--include-cluster-resources=false',
      '--labels',
      'team=ops',
    );
    assert.equal(r.code, 2, 'labelSelector and orLabelSelectors together are refused');
    assert.match(r.stderr, /spec\.(labelSelector|orLabelSelectors).*\(--(selector|or-selector)\)/);

    const ok = await env.run(
      'backup',
      'create',
      'web',
      '--include-namespaces',
      'shop,blog',
      '--exclude-resources',
      'secrets',
      '-l',
      'app=web,tier!=db',
      '--ttl',
      '24h',
      '--ordered-resources',
      'pods=shop/a,shop/b;persistentvolumeclaims=shop/c',
      '--include-cluster-resources=false',
      '--labels',
      'team=ops',
    );
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /Backup request "web" submitted successfully/);
    const got = await env.run('backup', 'get', 'web', '-o', 'json');
    const backup = JSON.parse(got.stdout);
    assert.equal(backup.kind, 'Backup');
    assert.deepEqual(backup.spec.includedNamespaces, ['shop', 'blog']);
    assert.deepEqual(backup.spec.excludedResources, ['secrets']);
    assert.deepEqual(backup.spec.labelSelector, {
      matchLabels: { app: 'web' },
      matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['db'] }],
    });
    assert.equal(backup.spec.ttl, '24h');
    assert.equal(backup.spec.includeClusterResources, false);
    assert.deepEqual(backup.spec.orderedResources, {
      pods: 'shop/a,shop/b',
      persistentvolumeclaims: 'shop/c',
    });
    assert.equal(backup.metadata.labels.team, 'ops');
    assert.equal(backup.metadata.managedFields, undefined, 'managedFields are left out as kubectl does');
  });

  test('invalid flags name the field and the flag, exit 2, and create nothing', async () => {
    const r = await env.run('backup', 'create', 'bad', '--ttl', '30d');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /spec\.ttl: .*\(--ttl\)/);
    const both = await env.run(
      'backup',
      'create',
      'bad',
      '--include-namespaces',
      'a',
      '--exclude-namespaces',
      'a',
    );
    assert.equal(both.code, 2);
    assert.match(both.stderr, /spec\.(in|ex)cludedNamespaces.*\(--(in|ex)clude-namespaces\)/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
    const get = await env.run('backup', 'get', 'bad');
    assert.equal(get.code, 1);
    assert.match(get.stderr, /Backup "bad" not found/);
  });

  test('-o yaml on create prints the backup without creating it', async () => {
    const r = await env.run('backup', 'create', 'preview', '--ttl', '1h', '-o', 'yaml');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /kind: Backup\n/);
    assert.match(r.stdout, /ttl: 1h/);
    assert.equal((await env.run('backup', 'get', 'preview')).code, 1);
  });

  test('get prints the table; describe reads like Velero', async () => {
    await env.run('backup', 'create', 'nightly', '--storage-location', 'default');
    await env.setStatus('Backup', 'nightly', {
      phase: 'PartiallyFailed',
      errors: 2,
      warnings: 1,
      formatVersion: '1.1.0',
      startTimestamp: '2026-01-01T00:00:00Z',
      completionTimestamp: '2026-01-01T00:01:00Z',
      expiration: '2099-01-31T00:00:00Z',
      progress: { totalItems: 10, itemsBackedUp: 9 },
    });
    const table = await env.run('backup', 'get');
    assert.equal(table.code, 0, table.stderr);
    const lines = table.stdout.trim().split('\n');
    assert.match(
      lines[0],
      /^NAME\s+STATUS\s+ERRORS\s+WARNINGS\s+CREATED\s+EXPIRES\s+STORAGE LOCATION\s+SELECTOR$/,
    );
    const row = lines.find((l) => l.startsWith('nightly '));
    assert.ok(row, table.stdout);
    assert.match(
      row,
      /nightly\s+PartiallyFailed\s+2\s+1\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0000 UTC\s+\d+d\s+default\s+<none>/,
    );

    const d = await env.run('backup', 'describe', 'nightly');
    assert.equal(d.code, 0, d.stderr);
    assert.match(d.stdout, /^Name:\s+nightly$/m);
    assert.match(d.stdout, /^Phase:\s+PartiallyFailed$/m);
    assert.match(d.stdout, /^Errors:\s+2\nWarnings:\s+1$/m);
    assert.match(d.stdout, /^Namespaces:\n {2}Included:\s+\*\n {2}Excluded:\s+<none>$/m);
    assert.match(d.stdout, /^Storage Location:\s+default$/m);
    assert.match(d.stdout, /^Backup Format Version:\s+1\.1\.0$/m);
    assert.match(
      d.stdout,
      /^Started:\s+2026-01-01 00:00:00 \+0000 UTC\nCompleted:\s+2026-01-01 00:01:00 \+0000 UTC$/m,
    );
    assert.match(d.stdout, /^Expiration:\s+2099-01-31 00:00:00 \+0000 UTC$/m);
    assert.match(d.stdout, /^Total items to be backed up:\s+10\nItems backed up:\s+9$/m);
  });

  test('delete asks first, then files a DeleteBackupRequest labelled with the backup', async () => {
    await env.run('backup', 'create', 'old');
    const declined = await env.run('backup', 'delete', 'old');
    assert.equal(declined.code, 1);
    assert.match(declined.stdout, /Are you sure/);
    const r = await env.run('backup', 'delete', 'old', '--confirm');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Request to delete backup "old" submitted successfully/);
    const requests = [];
    for await (const page of env.client.listPages(lifeboatResource('DeleteBackupRequest'), {
      namespace: 'lifeboat',
      labelSelector: 'lifeboat.io/backup-name=old',
    }))
      requests.push(...page.items);
    assert.equal(requests.length, 1);
    assert.deepEqual((requests[0] as { spec: unknown }).spec, { backupName: 'old' });
    const none = await env.run('backup', 'delete');
    assert.equal(none.code, 2, 'delete without names, --selector or --all is a usage error');
  });

  test('--from-schedule copies the schedule template, names the backup <schedule>-<time> and labels it', async () => {
    await env.client.create(lifeboatResource('Schedule'), {
      apiVersion: 'lifeboat.io/v1',
      kind: 'Schedule',
      metadata: { name: 'daily', namespace: 'lifeboat' },
      spec: {
        schedule: '0 1 * * *',
        template: { includedNamespaces: ['shop'], ttl: '48h', metadata: { labels: { tier: 'gold' } } },
      },
    });
    const r = await env.run('backup', 'create', '--from-schedule', 'daily');
    assert.equal(r.code, 0, r.stderr);
    const name = /Backup request "(daily-\d{14})"/.exec(r.stdout)?.[1];
    assert.ok(name, r.stdout);
    const backup = JSON.parse((await env.run('backup', 'get', name, '-o', 'json')).stdout);
    assert.deepEqual(backup.spec, { includedNamespaces: ['shop'], ttl: '48h' });
    assert.deepEqual(backup.metadata.labels, { tier: 'gold', 'lifeboat.io/schedule-name': 'daily' });
    const nowhere = await env.run('backup', 'create', 'lost', '--storage-location', 'nowhere');
    assert.equal(nowhere.code, 1);
    assert.match(nowhere.stderr, /backup storage location "nowhere" not found/);
    const missing = await env.run('backup', 'create', '--from-schedule', 'weekly');
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /schedule "weekly" not found/);
  });

  test('the namespace comes from -n, else LIFEBOAT_NAMESPACE; the kubeconfig from KUBECONFIG', async () => {
    const other = await env.run('backup', 'get', '-n', 'elsewhere');
    assert.equal(other.code, 0, other.stderr);
    assert.match(other.stderr, /No backups found in namespace elsewhere/);
    const fromEnv = await runCaptured(['backup', 'get'], {
      env: { KUBECONFIG: env.kubesim.kubeconfigPath, LIFEBOAT_NAMESPACE: 'elsewhere' },
    });
    assert.equal(fromEnv.code, 0, fromEnv.stderr);
    assert.match(fromEnv.stderr, /No backups found in namespace elsewhere/);
    const home = await runCaptured(['backup', 'get', 'web'], {
      env: { KUBECONFIG: env.kubesim.kubeconfigPath },
    });
    assert.equal(home.code, 0, home.stderr);
    assert.match(home.stdout, /^web\s+New/m);
  });
});
