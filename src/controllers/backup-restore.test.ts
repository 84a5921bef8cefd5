import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runBackup, validateBackup } from '../backup/index.ts';
import { type Kubesim, startKubesim } from '../kubesim/index.ts';
import { runRestore, validateRestore } from '../restore/index.ts';
import { backupKeys, createFsObjectStore, restoreKeys } from '../storage/index.ts';
import { ABANDONED_BACKUP_REASON, failAbandonedRuns } from './abandoned-runs.ts';
import { BackupReconciler } from './backup.ts';
import { BackupSync } from './backup-sync.ts';
import { LIFEBOAT_RESOURCES } from './resources.ts';
import { RestoreReconciler } from './restore.ts';
import { type ControllerTestEnv, controllerTestEnv } from './testing.ts';

type Status = Record<string, unknown> & {
  phase?: string;
  validationErrors?: string[];
  progress?: { totalItems?: number; itemsBackedUp?: number; itemsRestored?: number };
  conditions?: { type: string; status: string; reason: string }[];
};

describe('Backup and Restore reconcilers with the real engines', () => {
  let sim: Kubesim;
  let env: ControllerTestEnv;
  let backups: BackupReconciler;
  let restores: RestoreReconciler;

  const statusOf = async (kind: 'Backup' | 'Restore', name: string): Promise<Status> =>
    ((await env.get(kind, name))?.status ?? {}) as Status;

  before(async () => {
    sim = await startKubesim({ cluster: false });
    env = await controllerTestEnv(sim.kubeconfigPath);
    await env.createFsLocation('default', { default: true });
    const namespaces = env.catalog.resolve('namespaces')!;
    const configmaps = env.catalog.resolve('configmaps')!;
    await env.client.create(namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'app' } });
    for (let i = 0; i < 5; i++)
      await env.client.create(configmaps, {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { namespace: 'app', name: `cm-${i}`, labels: { tier: 'web' } },
        data: { index: String(i) },
      });
    backups = new BackupReconciler(env.ctx, {
      engine: { runBackup, validateBackup },
      progressIntervalMs: 10,
    });
    restores = new RestoreReconciler(env.ctx, {
      engine: { runRestore, validateRestore },
      progressIntervalMs: 10,
    });
  });
  after(async () => {
    await env.close();
    await sim.stop();
  });

  test('a new Backup runs to Completed: defaults in the spec, status, events, metrics, objects in storage', async () => {
    await env.create('Backup', { metadata: { name: 'b1' }, spec: { includedNamespaces: ['app'] } });
    await backups.reconcile('b1');
    const backup = await env.get('Backup', 'b1');
    const status = backup?.status as Status;
    assert.equal(status.phase, 'Completed', JSON.stringify(status));
    assert.equal(status.formatVersion, '1.1.0');
    assert.ok(status.startTimestamp && status.completionTimestamp && status.expiration);
    assert.ok((status.progress?.itemsBackedUp ?? 0) >= 5, JSON.stringify(status.progress));
    assert.equal((backup?.spec as { storageLocation?: string } | undefined)?.storageLocation, 'default');
    assert.equal((backup?.spec as { ttl?: string } | undefined)?.ttl, '720h0m0s');
    assert.equal(backup?.metadata?.labels?.['lifeboat.io/storage-location'], 'default');
    assert.deepEqual(
      status.conditions?.map((c) => [c.type, c.status]),
      [
        ['Validated', 'True'],
        ['Completed', 'True'],
      ],
    );
    assert.deepEqual(env.events.reasons('b1'), ['Started', 'Completed']);
    assert.equal(env.metrics.of('backupStarted').length, 1);
    assert.equal((env.metrics.of('backupFinished').at(-1) as { outcome: string }).outcome, 'Completed');
    const store = createFsObjectStore({ root: `${env.root}/default`, durable: false });
    assert.ok(await store.exists(backupKeys('b1').metadata));
    assert.ok(await store.exists(backupKeys('b1').contents));

    // A backup with a phase is left alone.
    await backups.reconcile('b1');
    assert.deepEqual(env.events.reasons('b1'), ['Started', 'Completed']);
  });

  test('a Backup that sync imported is never validated or run here, even before its status is written', async () => {
    await env.create('Backup', {
      metadata: { name: 'imported', annotations: { 'lifeboat.io/synced-from': 'default' } },
      spec: { storageLocation: 'somewhere-else' },
    });
    await backups.reconcile('imported');
    assert.deepEqual(await statusOf('Backup', 'imported'), {});
    assert.deepEqual(env.events.reasons('imported'), []);
  });

  test('invalid backups end in FailedValidation naming the field', async () => {
    await env.create('Backup', { metadata: { name: 'bad-location' }, spec: { storageLocation: 'nowhere' } });
    await env.create('Backup', {
      metadata: { name: 'bad-ns' },
      spec: { includedNamespaces: ['app'], excludedNamespaces: ['app'] },
    });
    await backups.reconcile('bad-location');
    await backups.reconcile('bad-ns');
    const location = await statusOf('Backup', 'bad-location');
    assert.equal(location.phase, 'FailedValidation');
    assert.deepEqual(location.validationErrors, [
      'spec.storageLocation: backup storage location "nowhere" not found',
    ]);
    const ns = await statusOf('Backup', 'bad-ns');
    assert.equal(ns.phase, 'FailedValidation');
    assert.match(ns.validationErrors?.join('\n') ?? '', /spec\.(included|excluded)Namespaces/);
    assert.deepEqual(env.events.reasons('bad-ns'), ['FailedValidation']);
  });

  test('a Restore brings deleted objects back; one from a missing backup fails validation', async () => {
    const configmaps = env.catalog.resolve('configmaps')!;
    for (let i = 0; i < 5; i++) await env.client.delete(configmaps, 'app', `cm-${i}`);
    await env.create('Restore', { metadata: { name: 'r1' }, spec: { backupName: 'b1' } });
    await restores.reconcile('r1');
    const status = await statusOf('Restore', 'r1');
    assert.equal(status.phase, 'Completed', JSON.stringify(status));
    for (let i = 0; i < 5; i++) {
      const cm = await env.client.get(configmaps, 'app', `cm-${i}`);
      assert.equal((cm?.data as { index?: string } | undefined)?.index, String(i));
    }
    assert.deepEqual(env.events.reasons('r1'), ['Started', 'Completed']);
    const store = createFsObjectStore({ root: `${env.root}/default`, durable: false });
    assert.ok(await store.exists(restoreKeys('r1').results));

    await env.create('Restore', { metadata: { name: 'r-missing' }, spec: { backupName: 'no-such-backup' } });
    await restores.reconcile('r-missing');
    const missing = await statusOf('Restore', 'r-missing');
    assert.equal(missing.phase, 'FailedValidation');
    assert.deepEqual(missing.validationErrors, ['spec.backupName: backup "no-such-backup" not found']);
  });

  test('a Restore by schedule name uses the latest Completed backup of that schedule', async () => {
    for (const [name, start, phase] of [
      ['nightly-1', '2026-01-01T00:00:00Z', 'Completed'],
      ['nightly-2', '2026-01-02T00:00:00Z', 'Completed'],
      ['nightly-3', '2026-01-03T00:00:00Z', 'Failed'],
    ] as const) {
      await env.create('Backup', {
        metadata: { name, labels: { 'lifeboat.io/schedule-name': 'nightly' } },
        spec: { storageLocation: 'default' },
      });
      await env.client.patch(
        LIFEBOAT_RESOURCES.Backup,
        env.namespace,
        name,
        'merge',
        {
          status: { phase, startTimestamp: start },
        },
        { subresource: 'status' },
      );
    }
    await env.create('Restore', { metadata: { name: 'r-sched' }, spec: { scheduleName: 'nightly' } });
    await restores.reconcile('r-sched');
    const restore = await env.get('Restore', 'r-sched');
    assert.equal((restore?.spec as { backupName?: string } | undefined)?.backupName, 'nightly-2');
    // nightly-2 has no files in storage: the engine fails, and says so.
    const status = restore?.status as Status;
    assert.equal(status.phase, 'Failed');
    assert.ok(String(status.failureReason).length > 0);
  });

  test('a Restore of a backup known only to storage imports the Backup first', async () => {
    await env.client.delete(LIFEBOAT_RESOURCES.Backup, env.namespace, 'b1');
    const withSync = new RestoreReconciler(env.ctx, {
      engine: { runRestore, validateRestore },
      sync: new BackupSync(env.ctx),
    });
    await env.create('Restore', { metadata: { name: 'r-from-storage' }, spec: { backupName: 'b1' } });
    await withSync.reconcile('r-from-storage');
    assert.equal((await statusOf('Restore', 'r-from-storage')).phase, 'Completed');
    const imported = await env.get('Backup', 'b1');
    assert.equal((imported?.status as Status | undefined)?.phase, 'Completed');
    assert.equal(imported?.metadata?.labels?.['lifeboat.io/storage-location'], 'default');
  });

  test('a Restore waits for a Backup created a moment ago to get its status, then decides', async () => {
    await env.create('Backup', { metadata: { name: 'fresh' }, spec: { storageLocation: 'default' } });
    await env.create('Restore', { metadata: { name: 'r-fresh' }, spec: { backupName: 'fresh' } });
    await assert.rejects(restores.reconcile('r-fresh'), /backup "fresh" has no status yet/);
    assert.equal((await statusOf('Restore', 'r-fresh')).phase, undefined);
    await env.client.patch(
      LIFEBOAT_RESOURCES.Backup,
      env.namespace,
      'fresh',
      'merge',
      { status: { phase: 'Failed' } },
      {
        subresource: 'status',
      },
    );
    await restores.reconcile('r-fresh');
    const status = await statusOf('Restore', 'r-fresh');
    assert.equal(status.phase, 'FailedValidation');
    assert.match(status.validationErrors?.[0] ?? '', /backup "fresh" is Failed/);
  });

  test('runs left InProgress by a dead server become Failed with a reason', async () => {
    await env.create('Backup', { metadata: { name: 'orphan' }, spec: {} });
    await env.client.patch(
      LIFEBOAT_RESOURCES.Backup,
      env.namespace,
      'orphan',
      'merge',
      {
        status: { phase: 'InProgress' },
      },
      { subresource: 'status' },
    );
    const result = await failAbandonedRuns(env.ctx);
    assert.deepEqual(result.backups, ['orphan']);
    const status = await statusOf('Backup', 'orphan');
    assert.equal(status.phase, 'Failed');
    assert.equal(status.failureReason, ABANDONED_BACKUP_REASON);
    assert.ok(status.completionTimestamp);
  });
});
