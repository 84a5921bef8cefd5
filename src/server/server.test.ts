import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { pino } from 'pino';
import { ABANDONED_BACKUP_REASON } from '../controllers/abandoned-runs.ts';
import { SHUTDOWN_REASON } from '../controllers/backup.ts';
import { LIFEBOAT_RESOURCES } from '../controllers/resources.ts';
import { EVENTS_RESOURCE as EVENTS, LEASES_RESOURCE as LEASES } from '../controllers/runtime/index.ts';
import { eventually } from '../controllers/testing.ts';
import { connect, createDynamicClient, discoverResources } from '../kube/index.ts';
import { ensureCrds } from '../kube/lifeboat-client.ts';
import type { DynamicClient, KubeObject, ResourceCatalog } from '../kube/types.ts';
import { type Kubesim, startKubesim } from '../kubesim/index.ts';
import { backupKeys, createFsObjectStore } from '../storage/index.ts';
import { parseServerConfig, type ServerConfigInput } from './config.ts';
import { startServer } from './index.ts';

const NS = 'lifeboat';
const logger = pino({ level: 'silent' });

describe('lifeboat server against kubesim', () => {
  let sim: Kubesim;
  let client: DynamicClient;
  let catalog: ResourceCatalog;
  let root: string;

  const config = (extra: Partial<ServerConfigInput> = {}) =>
    parseServerConfig({
      namespace: NS,
      kubeconfig: sim.kubeconfigPath,
      metricsAddress: '127.0.0.1:0',
      leaseDuration: '1s',
      leaseRenewDeadline: '800ms',
      leaseRetryPeriod: '100ms',
      progressInterval: '50ms',
      logLevel: 'silent',
      ...extra,
    });
  const get = (kind: keyof typeof LIFEBOAT_RESOURCES, name: string) =>
    client.get(LIFEBOAT_RESOURCES[kind], NS, name);
  const create = (kind: keyof typeof LIFEBOAT_RESOURCES, object: KubeObject) =>
    client.create(LIFEBOAT_RESOURCES[kind], {
      apiVersion: 'lifeboat.io/v1',
      kind,
      ...object,
      metadata: { namespace: NS, ...object.metadata },
    });
  const phaseOf = async (kind: keyof typeof LIFEBOAT_RESOURCES, name: string, phases: string[]) =>
    eventually(`${kind} ${name} in ${phases.join('/')}`, async () => {
      const object = await get(kind, name);
      const status = (object?.status ?? {}) as Record<string, unknown>;
      return phases.includes(String(status.phase)) ? status : undefined;
    });

  before(async () => {
    sim = await startKubesim({ cluster: false });
    const conn = connect(sim.kubeconfigPath);
    client = createDynamicClient(conn);
    catalog = await discoverResources(conn);
    await ensureCrds(client);
    root = await mkdtemp(join(tmpdir(), 'lifeboat-server-'));
    const namespaces = catalog.resolve('namespaces')!;
    for (const name of [NS, 'app'])
      await client.create(namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    for (let i = 0; i < 20; i++)
      await client.create(catalog.resolve('configmaps')!, {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { namespace: 'app', name: `cm-${i}` },
        data: { index: String(i) },
      });
    await create('BackupStorageLocation', {
      metadata: { name: 'default' },
      spec: { provider: 'fs', objectStorage: { bucket: 'main' }, config: { root } },
    });
  });
  after(async () => {
    await sim.stop();
    await rm(root, { recursive: true, force: true });
  });

  test('backs up and restores through resources, serves the log download, metrics and readiness', async () => {
    const server = await startServer(config({ leaderElection: false }), { logger });
    try {
      await eventually('readyz', async () =>
        (await fetch(`${server.url}/readyz`)).status === 200 ? true : undefined,
      );
      await phaseOf('BackupStorageLocation', 'default', ['Available']);

      await create('Backup', { metadata: { name: 'full' }, spec: { includedNamespaces: ['app'] } });
      const status = await phaseOf('Backup', 'full', ['Completed', 'PartiallyFailed', 'Failed']);
      assert.equal(status.phase, 'Completed', JSON.stringify(status));
      const store = createFsObjectStore({ root: join(root, 'main'), durable: false });
      assert.ok(await store.exists(backupKeys('full').metadata));

      const events = await eventually('backup events', async () => {
        const reasons: string[] = [];
        for await (const page of client.listPages(EVENTS, { namespace: NS }))
          for (const e of page.items)
            if ((e.involvedObject as { name?: string }).name === 'full') reasons.push(String(e.reason));
        return reasons.includes('Completed') ? reasons : undefined;
      });
      assert.ok(events.includes('Started'));

      await create('DownloadRequest', {
        metadata: { name: 'full-log' },
        spec: { target: { kind: 'BackupLog', name: 'full' } },
      });
      const download = await phaseOf('DownloadRequest', 'full-log', ['Processed']);
      const url = String(download.downloadURL);
      assert.ok(url.startsWith(`${server.url}/download/`), url);
      const res = await fetch(url);
      assert.equal(res.status, 200);
      const log = gunzipSync(Buffer.from(await res.arrayBuffer())).toString('utf8');
      assert.ok(log.length > 0);

      const configmaps = catalog.resolve('configmaps')!;
      for (let i = 0; i < 20; i++) await client.delete(configmaps, 'app', `cm-${i}`);
      await create('Restore', { metadata: { name: 'back' }, spec: { backupName: 'full' } });
      const restored = await phaseOf('Restore', 'back', ['Completed', 'PartiallyFailed', 'Failed']);
      assert.equal(restored.phase, 'Completed', JSON.stringify(restored));
      assert.equal(
        ((await client.get(configmaps, 'app', 'cm-7'))?.data as { index: string } | undefined)?.index,
        '7',
      );

      await create('ServerStatusRequest', { metadata: { name: 'status' }, spec: {} });
      const ssr = await phaseOf('ServerStatusRequest', 'status', ['Processed']);
      assert.ok(ssr.serverVersion);
      const plugins = (ssr.plugins as { name: string; kind: string }[]).map((p) => `${p.kind} ${p.name}`);
      assert.ok(plugins.includes('ObjectStore lifeboat.io/fs'), plugins.join(', '));
      assert.ok(
        plugins.some((p) => p.startsWith('BackupItemAction ')) &&
          plugins.some((p) => p.startsWith('RestoreItemAction ')),
      );

      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      assert.match(metrics, /lifeboat_backup_attempt_total\{schedule="",backup_location_name="default"\} 1/);
      assert.match(metrics, /lifeboat_backup_success_total\{schedule="",backup_location_name="default"\} 1/);
      assert.match(metrics, /lifeboat_restore_success_total\{schedule="",backup_location_name="default"\} 1/);
      assert.match(
        metrics,
        /lifeboat_backup_tarball_size_bytes\{schedule="",backup_location_name="default"\} [1-9]/,
      );
      assert.match(metrics, /lifeboat_backup_total 1/);
      assert.match(metrics, /lifeboat_backup_location_status_gauge\{backup_location_name="default"\} 1/);
    } finally {
      await server.stop();
    }
    assert.equal((await fetch(server.url).catch(() => undefined))?.status, undefined);
  });

  test('a dead leader’s lease is taken over after it expires, and its InProgress backup is failed', async () => {
    const now = new Date().toISOString().replace('Z', '000Z');
    await client.create(LEASES, {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'dead-lease', namespace: NS },
      spec: { holderIdentity: 'dead-server', leaseDurationSeconds: 1, acquireTime: now, renewTime: now },
    });
    await create('Backup', { metadata: { name: 'orphaned' }, spec: { includedNamespaces: ['app'] } });
    await client.patch(
      LIFEBOAT_RESOURCES.Backup,
      NS,
      'orphaned',
      'merge',
      { status: { phase: 'InProgress' } },
      {
        subresource: 'status',
      },
    );
    const server = await startServer(config({ leaseName: 'dead-lease', identity: 'heir' }), { logger });
    try {
      assert.equal(server.isLeader(), false);
      const status = await phaseOf('Backup', 'orphaned', ['Failed']);
      assert.equal(status.failureReason, ABANDONED_BACKUP_REASON);
      assert.equal(server.isLeader(), true);
      const lease = await client.get(LEASES, NS, 'dead-lease');
      assert.equal((lease?.spec as { holderIdentity?: string } | undefined)?.holderIdentity, 'heir');
      assert.equal((lease?.spec as { leaseTransitions?: number } | undefined)?.leaseTransitions, 1);
      // Nothing in storage looks like a backup named orphaned.
      const store = createFsObjectStore({ root: join(root, 'main'), durable: false });
      assert.equal(await store.exists(backupKeys('orphaned').metadata), false);
    } finally {
      await server.stop();
    }
  });

  test('two servers: one leads, the other takes over when it stops', async () => {
    const a = await startServer(config({ leaseName: 'pair', identity: 'a' }), { logger });
    const b = await startServer(config({ leaseName: 'pair', identity: 'b' }), { logger });
    try {
      await eventually('a leads', async () => (a.isLeader() ? true : undefined));
      assert.equal(b.isLeader(), false);
      await eventually('b ready as follower', async () =>
        (await fetch(`${b.url}/readyz`)).status === 200 ? true : undefined,
      );
      await a.stop();
      // A released lease is taken at the next retry, not after a lease duration.
      const started = Date.now();
      await eventually('b leads', async () => (b.isLeader() ? true : undefined));
      assert.ok(Date.now() - started < 900, `took ${Date.now() - started} ms`);
      await create('ServerStatusRequest', { metadata: { name: 'after-failover' }, spec: {} });
      await phaseOf('ServerStatusRequest', 'after-failover', ['Processed']);
    } finally {
      await a.stop();
      await b.stop();
    }
  });

  test('SIGTERM-style stop cuts a slow backup short: Failed, and nothing complete in storage', async () => {
    const slow = sim.faults.add({ resource: 'configmaps', verb: 'list', latencyMs: 4000 });
    const server = await startServer(config({ leaderElection: false, shutdownTimeout: '100ms' }), { logger });
    try {
      await create('Backup', { metadata: { name: 'cut-short' }, spec: { includedNamespaces: ['app'] } });
      await phaseOf('Backup', 'cut-short', ['InProgress']);
      await eventually('backup running', async () =>
        server.inFlight().backups.length > 0 ? true : undefined,
      );
    } finally {
      await server.stop();
      slow.remove();
    }
    const status = (await get('Backup', 'cut-short'))?.status as Record<string, unknown>;
    assert.equal(status.phase, 'Failed');
    assert.ok(String(status.failureReason).includes(SHUTDOWN_REASON), String(status.failureReason));
    const store = createFsObjectStore({ root: join(root, 'main'), durable: false });
    assert.equal(await store.exists(backupKeys('cut-short').metadata), false);
  });
});
