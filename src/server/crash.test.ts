import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { ABANDONED_BACKUP_REASON } from '../controllers/abandoned-runs.ts';
import { LIFEBOAT_RESOURCES } from '../controllers/resources.ts';
import { eventually } from '../controllers/testing.ts';
import { backupKeys, createFsObjectStore } from '../storage/index.ts';
import { parseServerConfig } from './config.ts';
import { startServer } from './index.ts';
import { startServerTestCluster } from './testing.ts';

const NS = 'lifeboat';
const repo = fileURLToPath(new URL('../..', import.meta.url));

test('a server killed mid-backup: after restart the backup is Failed and nothing in storage looks complete', async () => {
  const cluster = await startServerTestCluster(NS, 'lifeboat-crash-');
  const { sim, client, root } = cluster;
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
    await cluster.stop();
  }
});
