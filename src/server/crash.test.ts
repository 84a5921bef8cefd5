import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { ABANDONED_BACKUP_REASON } from '../controllers/abandoned-runs.ts';
import { LIFEBOAT_RESOURCES } from '../controllers/resources.ts';
import { eventually } from '../controllers/testing.ts';
import { connect, createDynamicClient, discoverResources } from '../kube/index.ts';
import { ensureCrds } from '../kube/lifeboat-client.ts';
import { startKubesim } from '../kubesim/index.ts';
import { backupKeys, createFsObjectStore } from '../storage/index.ts';
import { parseServerConfig } from './config.ts';
import { startServer } from './index.ts';

const NS = 'lifeboat';
const repo = fileURLToPath(new URL('../..', import.meta.url));

test('a server killed mid-backup: after restart the backup is Failed and nothing in storage looks complete', async () => {
  const sim = await startKubesim({ cluster: false });
  const root = await mkdtemp(join(tmpdir(), 'lifeboat-crash-'));
  const conn = connect(sim.kubeconfigPath);
  const client = createDynamicClient(conn);
  const catalog = await discoverResources(conn);
  await ensureCrds(client);
  for (const name of [NS, 'app'])
    await client.create(catalog.resolve('namespaces')!, {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name },
    });
  await client.create(catalog.resolve('configmaps')!, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { namespace: 'app', name: 'settings' },
    data: { a: '1' },
  });
  await client.create(LIFEBOAT_RESOURCES.BackupStorageLocation, {
    apiVersion: 'lifeboat.io/v1',
    kind: 'BackupStorageLocation',
    metadata: { namespace: NS, name: 'default' },
    spec: { provider: 'fs', objectStorage: { bucket: 'main' }, config: { root } },
  });
  // Listing Secrets takes a minute: the backup is surely running when the server dies.
  const slow = sim.faults.add({ resource: 'secrets', verb: 'list', latencyMs: 60_000 });
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', 'server', '--kubeconfig', sim.kubeconfigPath, '--no-leader-elect'],
    { cwd: repo, stdio: ['ignore', 'ignore', 'ignore'], env: { ...process.env, LIFEBOAT_NAMESPACE: NS } },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await client.create(LIFEBOAT_RESOURCES.Backup, {
      apiVersion: 'lifeboat.io/v1',
      kind: 'Backup',
      metadata: { namespace: NS, name: 'interrupted' },
      spec: {},
    });
    await eventually(
      'the child server runs the backup',
      async () => {
        const object = await client.get(LIFEBOAT_RESOURCES.Backup, NS, 'interrupted');
        return (object?.status as { phase?: string } | undefined)?.phase === 'InProgress' ? true : undefined;
      },
      60_000,
    );
    child.kill('SIGKILL');
    await exited;
    slow.remove();

    const server = await startServer(
      parseServerConfig({
        namespace: NS,
        kubeconfig: sim.kubeconfigPath,
        metricsAddress: '127.0.0.1:0',
        leaderElection: false,
        logLevel: 'silent',
      }),
      { logger: pino({ level: 'silent' }) },
    );
    try {
      const status = await eventually('the backup failed', async () => {
        const object = await client.get(LIFEBOAT_RESOURCES.Backup, NS, 'interrupted');
        const s = (object?.status ?? {}) as { phase?: string; failureReason?: string };
        return s.phase === 'Failed' ? s : undefined;
      });
      assert.equal(status.failureReason, ABANDONED_BACKUP_REASON);
      const store = createFsObjectStore({ root: join(root, 'main'), durable: false });
      assert.equal(await store.exists(backupKeys('interrupted').metadata), false);
    } finally {
      await server.stop();
    }
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
    slow.remove();
    await sim.stop();
    await rm(root, { recursive: true, force: true });
  }
});
