import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { pino } from 'pino';
import { LIFEBOAT_RESOURCES } from '../controllers/resources.ts';
import { eventually } from '../controllers/testing.ts';
import { connect, createDynamicClient, discoverResources } from '../kube/index.ts';
import { ensureCrds } from '../kube/lifeboat-client.ts';
import type { DynamicClient, KubeObject, ResourceCatalog } from '../kube/types.ts';
import { type Kubesim, startKubesim } from '../kubesim/index.ts';
import { backupKeys, createFsObjectStore } from '../storage/index.ts';
import { parseServerConfig } from './config.ts';
import { type RunningServer, startServer } from './index.ts';

const NS = 'lifeboat';
const logger = pino({ level: 'silent' });

interface Cluster {
  sim: Kubesim;
  client: DynamicClient;
  catalog: ResourceCatalog;
  server?: RunningServer;
}

let root: string;
let source: Cluster;
let target: Cluster;

async function cluster(): Promise<Cluster> {
  const sim = await startKubesim({ cluster: false });
  const conn = connect(sim.kubeconfigPath);
  const client = createDynamicClient(conn);
  const catalog = await discoverResources(conn);
  await ensureCrds(client);
  await client.create(catalog.resolve('namespaces')!, {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: NS },
  });
  // Both clusters point a location at the same bucket.
  await client.create(LIFEBOAT_RESOURCES.BackupStorageLocation, {
    apiVersion: 'lifeboat.io/v1',
    kind: 'BackupStorageLocation',
    metadata: { namespace: NS, name: 'shared' },
    spec: { provider: 'fs', objectStorage: { bucket: 'shared' }, config: { root }, default: true },
  });
  return { sim, client, catalog };
}

async function phase(c: Cluster, kind: keyof typeof LIFEBOAT_RESOURCES, name: string, phases: string[]) {
  return eventually(`${kind} ${name}`, async () => {
    const object: KubeObject | undefined = await c.client.get(LIFEBOAT_RESOURCES[kind], NS, name);
    const status = (object?.status ?? {}) as Record<string, unknown>;
    return phases.includes(String(status.phase)) ? status : undefined;
  });
}

function serve(c: Cluster, backupSyncPeriod: string): Promise<RunningServer> {
  return startServer(
    parseServerConfig({
      namespace: NS,
      kubeconfig: c.sim.kubeconfigPath,
      metricsAddress: '127.0.0.1:0',
      leaderElection: false,
      backupSyncPeriod,
      logLevel: 'silent',
    }),
    { logger },
  );
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'lifeboat-migration-'));
  [source, target] = await Promise.all([cluster(), cluster()]);
  await source.client.create(source.catalog.resolve('namespaces')!, {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'shop' },
  });
  await source.client.create(source.catalog.resolve('configmaps')!, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { namespace: 'shop', name: 'prices' },
    data: { apple: '3' },
  });
});

after(async () => {
  await source.server?.stop();
  await target.server?.stop();
  await Promise.all([source.sim.stop(), target.sim.stop()]);
  await rm(root, { recursive: true, force: true });
});

test('a backup made in one cluster restores into another that shares the bucket, and is synced there', async () => {
  source.server = await serve(source, '1m');
  await source.client.create(LIFEBOAT_RESOURCES.Backup, {
    apiVersion: 'lifeboat.io/v1',
    kind: 'Backup',
    metadata: { namespace: NS, name: 'shop-move' },
    spec: { includedNamespaces: ['shop'] },
  });
  assert.equal((await phase(source, 'Backup', 'shop-move', ['Completed', 'Failed'])).phase, 'Completed');

  // The restore may come before the target's first sync: then it looks into storage for the backup itself.
  target.server = await serve(target, '1h');
  await target.client.create(LIFEBOAT_RESOURCES.Restore, {
    apiVersion: 'lifeboat.io/v1',
    kind: 'Restore',
    metadata: { namespace: NS, name: 'shop-arrives' },
    spec: { backupName: 'shop-move' },
  });
  const restored = await phase(target, 'Restore', 'shop-arrives', [
    'Completed',
    'PartiallyFailed',
    'Failed',
    'FailedValidation',
  ]);
  assert.equal(restored.phase, 'Completed', JSON.stringify(restored));
  const prices = await target.client.get(target.catalog.resolve('configmaps')!, 'shop', 'prices');
  assert.equal((prices?.data as { apple?: string } | undefined)?.apple, '3');
  const synced = await target.client.get(LIFEBOAT_RESOURCES.Backup, NS, 'shop-move');
  assert.equal((synced?.status as { phase?: string } | undefined)?.phase, 'Completed');
  assert.equal(synced?.metadata?.labels?.['lifeboat.io/storage-location'], 'shared');
});

test('periodic sync imports new backups and removes those gone from storage', async () => {
  await target.server?.stop();
  target.server = await serve(target, '200ms');
  await source.client.create(LIFEBOAT_RESOURCES.Backup, {
    apiVersion: 'lifeboat.io/v1',
    kind: 'Backup',
    metadata: { namespace: NS, name: 'shop-later' },
    spec: { includedNamespaces: ['shop'] },
  });
  await phase(source, 'Backup', 'shop-later', ['Completed']);
  await phase(target, 'Backup', 'shop-later', ['Completed']);

  // Deleted from storage behind the servers' backs: the target forgets it at the next sync.
  const store = createFsObjectStore({ root: join(root, 'shared'), durable: false });
  for await (const info of store.list(backupKeys('shop-later').dir)) await store.delete(info.key);
  await eventually('orphan removed', async () =>
    (await target.client.get(LIFEBOAT_RESOURCES.Backup, NS, 'shop-later')) === undefined ? true : undefined,
  );
  const location = await target.client.get(LIFEBOAT_RESOURCES.BackupStorageLocation, NS, 'shared');
  assert.ok((location?.status as { lastSyncedTime?: string } | undefined)?.lastSyncedTime);
});
