import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { gunzipSync } from 'node:zlib';
import { pino } from 'pino';
import { connect, discoverResources, lifeboatResource } from '../kube/index.ts';
import type { ResourceCatalog } from '../kube/types.ts';
import { startKubesim } from '../kubesim/index.ts';
import { parseServerConfig } from '../server/config.ts';
import { type RunningServer, startServer } from '../server/index.ts';
import { type CliEnv, startCliEnv } from './test-support.ts';

describe('the CLI with the lifeboat server running (kubesim, fs location)', () => {
  let env: CliEnv;
  let server: RunningServer;
  let catalog: ResourceCatalog;
  before(async () => {
    env = await startCliEnv(await startKubesim({ cluster: false }));
    catalog = await discoverResources(connect(env.kubesim.kubeconfigPath));
    await env.client.create(catalog.resolve('namespaces')!, {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'app' },
    });
    for (let i = 0; i < 5; i++)
      await env.client.create(catalog.resolve('configmaps')!, {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { namespace: 'app', name: `cm-${i}` },
        data: { index: String(i) },
      });
    server = await startServer(
      parseServerConfig({
        namespace: 'lifeboat',
        kubeconfig: env.kubesim.kubeconfigPath,
        metricsAddress: '127.0.0.1:0',
        leaderElection: false,
        progressInterval: '50ms',
        logLevel: 'silent',
      }),
      { logger: pino({ level: 'silent' }) },
    );
  });
  after(async () => {
    await server?.stop();
    await env.stop();
  });

  test('backup --wait, describe --details, logs, download, restore into a mapped namespace, dry run, delete', async () => {
    const backup = await env.run('backup', 'create', 'app-1', '--include-namespaces', 'app', '--wait');
    assert.equal(backup.code, 0, backup.stdout + backup.stderr);
    assert.match(backup.stdout, /Backup completed with status: Completed/);

    const d = await env.run('backup', 'describe', 'app-1', '--details');
    assert.equal(d.code, 0, d.stderr);
    assert.match(d.stdout, /^Phase:\s+Completed$/m);
    assert.match(d.stdout, /^Backup Format Version:\s+1\.1\.0$/m);
    assert.match(d.stdout, /^Resource List:$/m);
    assert.match(d.stdout, /- app\/cm-3$/m);

    const logs = await env.run('backup', 'logs', 'app-1');
    assert.equal(logs.code, 0, logs.stderr);
    assert.ok(logs.stdout.length > 0, 'the backup log is not empty');

    const file = join(env.root, 'app-1-data.tar.gz');
    const dl = await env.run('backup', 'download', 'app-1', '-o', file);
    assert.equal(dl.code, 0, dl.stderr);
    assert.ok(existsSync(file));
    assert.ok(gunzipSync(readFileSync(file)).includes('resources/configmaps/namespaces/app/cm-3.json'));

    const restore = await env.run(
      'restore',
      'create',
      'copy',
      '--from-backup',
      'app-1',
      '--namespace-mappings',
      'app:app-copy',
      '--wait',
    );
    assert.equal(restore.code, 0, restore.stdout + restore.stderr);
    const copied = await env.client.get(catalog.resolve('configmaps')!, 'app-copy', 'cm-3');
    assert.deepEqual((copied as { data?: unknown } | undefined)?.data, { index: '3' });
    const restoreLogs = await env.run('restore', 'logs', 'copy');
    assert.equal(restoreLogs.code, 0, restoreLogs.stderr);
    assert.ok(restoreLogs.stdout.length > 0, 'the restore log is not empty');
    const rd = await env.run('restore', 'describe', 'copy', '--details');
    assert.equal(rd.code, 0, rd.stderr);
    assert.match(rd.stdout, /^Namespace mappings:\s+app:app-copy$/m);
    assert.match(rd.stdout, /^Resource List:$/m);
    assert.match(rd.stdout, /app-copy\/cm-3/);

    const plan = await env.run('restore', 'create', 'preview', '--from-backup', 'app-1', '--dry-run');
    assert.equal(plan.code, 0, plan.stdout + plan.stderr);
    assert.match(plan.stdout, /Dry run of restore preview from backup app-1/);

    const del = await env.run('backup', 'delete', 'app-1', '--confirm');
    assert.equal(del.code, 0, del.stderr);
    for (let i = 0; i < 400 && (await env.client.get(lifeboatResource('Backup'), 'lifeboat', 'app-1')); i++)
      await sleep(50);
    const requests = [];
    for await (const page of env.client.listPages(lifeboatResource('DeleteBackupRequest'), {
      namespace: 'lifeboat',
    }))
      requests.push(...page.items);
    assert.equal(
      await env.client.get(lifeboatResource('Backup'), 'lifeboat', 'app-1'),
      undefined,
      `the server deleted the backup: ${JSON.stringify(requests.map((r) => r.status))}`,
    );
  });
  test('backup logs reports at once why the server gives no URL, rather than waiting for the timeout', async () => {
    await env.client.create(lifeboatResource('Backup'), {
      apiVersion: 'lifeboat.io/v1',
      kind: 'Backup',
      metadata: { namespace: 'lifeboat', name: 'elsewhere' },
      spec: { storageLocation: 'nowhere' },
    });
    const started = Date.now();
    const logs = await env.run('backup', 'logs', 'elsewhere', '--timeout', '120');
    assert.notEqual(logs.code, 0);
    assert.match(logs.stderr, /backup storage location "nowhere" not found/);
    assert.ok(Date.now() - started < 60_000, 'the CLI did not sit out its 120 s timeout');
  });
});
