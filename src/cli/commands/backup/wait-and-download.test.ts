import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { gzipSync } from 'node:zlib';
import { lifeboatResource } from '../../../kube/index.ts';
import { startKubesim } from '../../../kubesim/index.ts';
import { type CliEnv, runCaptured, serveDownloads, startCliEnv } from '../../test-support.ts';

/** Waits until the CLI has created `name` (the test then plays the server). */
async function created(env: CliEnv, kind: 'Backup' | 'Restore', name: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await env.client.get(lifeboatResource(kind), 'lifeboat', name)) return;
    await sleep(20);
  }
  throw new Error(`${kind} ${name} never appeared`);
}

describe('--wait, logs, download and --details against kubesim', () => {
  let env: CliEnv;
  before(async () => {
    env = await startCliEnv(await startKubesim({ cluster: false }));
  });
  after(() => env.stop());

  test('--wait on a terminal shows a live progress bar and exits 0 on Completed', async () => {
    const running = runCaptured(
      ['--kubeconfig', env.kubesim.kubeconfigPath, 'backup', 'create', 'live', '--wait'],
      {
        tty: true,
      },
    );
    await created(env, 'Backup', 'live');
    await env.setStatus('Backup', 'live', {
      phase: 'InProgress',
      progress: { totalItems: 10, itemsBackedUp: 3 },
    });
    await sleep(700);
    await env.setStatus('Backup', 'live', {
      phase: 'Completed',
      progress: { totalItems: 10, itemsBackedUp: 10 },
    });
    const r = await running;
    assert.equal(r.code, 0, r.stderr);
    const bar = `[${'#'.repeat(9)}${'-'.repeat(21)}]  30% (3/10 items)`;
    assert.ok(r.stderr.includes(`\r\u001b[2KBackup "live": InProgress  ${bar}`), JSON.stringify(r.stderr));
    assert.match(r.stdout, /Backup completed with status: Completed\./);
  });

  test('--wait without a terminal prints plain lines and exits 1 on PartiallyFailed', async () => {
    const running = env.run('backup', 'create', 'partial', '--wait');
    await created(env, 'Backup', 'partial');
    await env.setStatus('Backup', 'partial', { phase: 'PartiallyFailed', errors: 3 });
    const r = await running;
    assert.equal(r.code, 1);
    assert.ok(!r.stderr.includes('\u001b'), 'no terminal escapes without a terminal');
    assert.match(r.stdout, /Backup completed with status: PartiallyFailed\./);
    assert.match(r.stderr, /^Backup "partial": waiting for the lifeboat server to start it$/m);
  });

  test('backup create --dry-run prints the summary the server leaves in status', async () => {
    const running = env.run('backup', 'create', 'plan', '--dry-run', '--include-namespaces', 'shop');
    await created(env, 'Backup', 'plan');
    const backup = (await env.client.get(lifeboatResource('Backup'), 'lifeboat', 'plan')) as {
      spec: { dryRun?: boolean };
    };
    assert.equal(backup.spec.dryRun, true);
    await env.setStatus('Backup', 'plan', {
      phase: 'Completed',
      dryRunSummary: {
        totalItems: 7,
        resources: { configmaps: 4, 'deployments.apps': 3 },
        namespaces: { shop: 7 },
      },
    });
    const r = await running;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /7 items would be backed up/);
    assert.match(r.stdout, /^configmaps\s+4$/m);
    assert.match(r.stdout, /^deployments\.apps\s+3$/m);
    assert.match(r.stdout, /^shop\s+7$/m);
    assert.match((await env.run('backup', 'get', 'plan')).stdout, /plan\s+Completed \(dry run\)/);
  });

  test('logs, download and describe --details go through DownloadRequests', async () => {
    await env.run('backup', 'create', 'done');
    await env.setStatus('Backup', 'done', { phase: 'Completed', warnings: 1 });
    const log = 'time="2026-01-01T00:00:00Z" level=info msg="backed up 3 items"\n';
    const tarball = Buffer.from('not really a tarball, but bytes to compare');
    const downloads = await serveDownloads(env, {
      BackupLog: gzipSync(log),
      BackupContents: tarball,
      BackupResourceList: gzipSync(
        JSON.stringify({ 'v1/ConfigMap': ['shop/a', 'shop/b'], 'apps/v1/Deployment': ['shop/web'] }),
      ),
      BackupResults: gzipSync(
        JSON.stringify({ errors: {}, warnings: { namespaces: { shop: ['configmap b is odd'] } } }),
      ),
    });
    try {
      const logs = await env.run('backup', 'logs', 'done');
      assert.equal(logs.code, 0, logs.stderr);
      assert.equal(logs.stdout, log);

      const file = join(env.root, 'done-data.tar.gz');
      const dl = await env.run('backup', 'download', 'done', '-o', file);
      assert.equal(dl.code, 0, dl.stderr);
      assert.deepEqual(readFileSync(file), tarball);
      const again = await env.run('backup', 'download', 'done', '-o', file);
      assert.equal(again.code, 2, 'an existing file is kept unless --force');

      const d = await env.run('backup', 'describe', 'done', '--details');
      assert.equal(d.code, 0, d.stderr);
      assert.match(
        d.stdout,
        /^Resource List:\n {2}apps\/v1\/Deployment:\n {4}- shop\/web\n {2}v1\/ConfigMap:\n {4}- shop\/a\n {4}- shop\/b$/m,
      );
      assert.match(d.stdout, /^Warnings:\n {2}Namespace shop:\n {4}configmap b is odd$/m);
    } finally {
      await downloads.stop();
    }
    const left = [];
    for await (const page of env.client.listPages(lifeboatResource('DownloadRequest'), {
      namespace: 'lifeboat',
    }))
      left.push(...page.items);
    assert.equal(left.length, 0, 'the CLI deletes its DownloadRequests when done');
  });

  test('logs of a missing backup exit 1 naming it', async () => {
    const r = await env.run('backup', 'logs', 'ghost');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /backup "ghost" not found in namespace lifeboat/);
  });
});
