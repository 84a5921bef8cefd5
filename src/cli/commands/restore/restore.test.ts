import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { gzipSync } from 'node:zlib';
import { lifeboatResource } from '../../../kube/index.ts';
import { startKubesim } from '../../../kubesim/index.ts';
import { type CliEnv, runCaptured, serveDownloads, startCliEnv } from '../../test-support.ts';

describe('lifeboat restore against kubesim', () => {
  let env: CliEnv;
  before(async () => {
    env = await startCliEnv(await startKubesim({ cluster: false }));
    await env.run('backup', 'create', 'shop-1');
    await env.setStatus('Backup', 'shop-1', { phase: 'Completed' });
  });
  after(() => env.stop());

  test('create builds the Restore from Velero-style flags', async () => {
    const r = await env.run(
      'restore',
      'create',
      'copy',
      '--from-backup',
      'shop-1',
      '--include-namespaces',
      'shop',
      '--namespace-mappings',
      'shop:shop-copy,blog:blog-copy',
      '--existing-resource-policy',
      'update',
      '--restore-status',
      'deployments.apps',
      '--preserve-nodeports',
      '--resource-modifier-configmap',
      'modifiers',
      '-l',
      'app=web',
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Restore request "copy" submitted successfully/);
    const restore = JSON.parse((await env.run('restore', 'get', 'copy', '-o', 'json')).stdout);
    assert.deepEqual(restore.spec, {
      backupName: 'shop-1',
      includedNamespaces: ['shop'],
      namespaceMapping: { shop: 'shop-copy', blog: 'blog-copy' },
      existingResourcePolicy: 'update',
      restoreStatus: { includedResources: ['deployments.apps'] },
      preserveNodePorts: true,
      resourceModifier: { kind: 'ConfigMap', name: 'modifiers' },
      labelSelector: { matchLabels: { app: 'web' } },
    });
  });

  test('a default name from the backup and the time; get and describe show it', async () => {
    const r = await env.run('restore', 'create', '--from-backup', 'shop-1');
    assert.equal(r.code, 0, r.stderr);
    const name = /Restore request "(shop-1-\d{14})"/.exec(r.stdout)?.[1];
    assert.ok(name, r.stdout);
    await env.setStatus('Restore', name, {
      phase: 'Completed',
      startTimestamp: '2026-01-01T00:00:00Z',
      completionTimestamp: '2026-01-01T00:00:05Z',
      warnings: 2,
      progress: { totalItems: 4, itemsRestored: 4 },
    });
    const table = await env.run('restore', 'get');
    assert.match(
      table.stdout,
      /^NAME\s+BACKUP\s+STATUS\s+STARTED\s+COMPLETED\s+ERRORS\s+WARNINGS\s+CREATED\s+SELECTOR$/m,
    );
    assert.match(
      table.stdout,
      new RegExp(
        `^${name}\\s+shop-1\\s+Completed\\s+2026-01-01 00:00:00 \\+0000 UTC\\s+2026-01-01 00:00:05 \\+0000 UTC\\s+0\\s+2\\s`,
        'm',
      ),
    );
    const d = await env.run('restore', 'describe', 'copy');
    assert.equal(d.code, 0, d.stderr);
    assert.match(d.stdout, /^Backup:\s+shop-1$/m);
    assert.match(d.stdout, /^Namespace mappings:\s+blog:blog-copy, shop:shop-copy$/m);
    assert.match(d.stdout, /^Existing Resource Policy:\s+update$/m);
    assert.match(d.stdout, /^Preserve Service NodePorts:\s+true$/m);
    const d2 = await env.run('restore', 'describe', name);
    assert.match(d2.stdout, /^Phase:\s+Completed\nTotal items to be restored:\s+4\nItems restored:\s+4$/m);
  });

  test('usage mistakes exit 2 naming the flag; a missing backup exits 1', async () => {
    const cases: [string[], RegExp][] = [
      [['restore', 'create', 'x'], /exactly one of --from-backup and --from-schedule/],
      [['restore', 'create', 'x', '--from-backup', 'a', '--from-schedule', 'b'], /exactly one/],
      [
        ['restore', 'create', 'x', '--from-backup', 'shop-1', '--namespace-mappings', 'shop'],
        /--namespace-mappings: expected source:target/,
      ],
      [
        ['restore', 'create', 'x', '--from-backup', 'shop-1', '--existing-resource-policy', 'overwrite'],
        /spec\.existingResourcePolicy: .*\(--existing-resource-policy\)/,
      ],
      [
        ['restore', 'create', 'x', '--from-backup', 'shop-1', '--include-resources', 'nodes'],
        /spec\.includedResources.*\(--include-resources\)/,
      ],
    ];
    for (const [args, message] of cases) {
      const r = await env.run(...args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
    }
    const missing = await env.run('restore', 'create', 'x', '--from-backup', 'nope');
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /backup "nope" not found/);
    const noSchedule = await env.run('restore', 'create', 'x', '--from-schedule', 'nightly');
    assert.equal(noSchedule.code, 1);
    assert.match(noSchedule.stderr, /schedule "nightly" not found/);
  });

  test('--dry-run waits, downloads the plan and prints it with the restore engine’s formatter', async () => {
    const plan = {
      restoreName: 'preview',
      backupName: 'shop-1',
      generatedAt: '2026-01-01T00:00:00Z',
      existingResourcePolicy: 'none',
      summary: { create: 1, update: 0, skip: 1, conflict: 1 },
      excluded: 0,
      entries: [
        {
          gvk: 'v1/ConfigMap',
          groupResource: 'configmaps',
          namespace: 'shop',
          name: 'settings',
          action: 'create',
        },
        {
          gvk: 'apps/v1/Deployment',
          groupResource: 'deployments.apps',
          namespace: 'shop',
          name: 'web',
          action: 'conflict',
          diff: [{ path: 'spec.replicas', change: 'changed', live: '3', desired: '2' }],
        },
        {
          gvk: 'v1/Service',
          groupResource: 'services',
          namespace: 'shop',
          name: 'web',
          action: 'skip',
          reason: 'unchanged',
        },
      ],
      warnings: [],
      errors: [],
    };
    const downloads = await serveDownloads(env, { RestoreDryRunPlan: gzipSync(JSON.stringify(plan)) });
    try {
      const running = env.run('restore', 'create', 'preview', '--from-backup', 'shop-1', '--dry-run');
      for (
        let i = 0;
        i < 200 && !(await env.client.get(lifeboatResource('Restore'), 'lifeboat', 'preview'));
        i++
      )
        await sleep(20);
      const restore = (await env.client.get(lifeboatResource('Restore'), 'lifeboat', 'preview')) as {
        spec: { dryRun?: boolean };
      };
      assert.equal(restore.spec.dryRun, true);
      await env.setStatus('Restore', 'preview', { phase: 'Completed', dryRunSummary: plan.summary });
      const r = await running;
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /1 to create, 0 to update, 1 in conflict, 1 to skip/);
      assert.match(r.stdout, /create\s+v1\/ConfigMap settings/);
      assert.match(r.stdout, /conflict\s+apps\/v1\/Deployment web/);
      assert.match(r.stdout, /spec\.replicas: 3 → 2/);
      assert.match(r.stdout, /Nothing was changed/);
    } finally {
      await downloads.stop();
    }
  });

  test('delete removes restores after confirmation', async () => {
    await env.run('restore', 'create', 'gone', '--from-backup', 'shop-1');
    const r = await env.run('restore', 'delete', 'gone', '--confirm');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await env.client.get(lifeboatResource('Restore'), 'lifeboat', 'gone'), undefined);
    await env.run('restore', 'create', 'asked', '--from-backup', 'shop-1');
    const yes = await runCaptured(
      ['--kubeconfig', env.kubesim.kubeconfigPath, 'restore', 'delete', 'asked'],
      {
        stdin: 'y\n',
      },
    );
    assert.equal(yes.code, 0, yes.stderr);
    assert.match(
      yes.stdout,
      /Are you sure you want to continue \(Y\/N\)\? Request to delete restore "asked"/,
    );
    assert.equal(await env.client.get(lifeboatResource('Restore'), 'lifeboat', 'asked'), undefined);
  });
});
