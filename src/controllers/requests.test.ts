import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ManualClock } from '../core/clock.ts';
import { LIFEBOAT_VERSION } from '../core/version.ts';
import { type Kubesim, startKubesim } from '../kubesim/index.ts';
import { backupKeys, createFsObjectStore, restoreKeys } from '../storage/index.ts';
import { DeleteBackupRequestReconciler } from './delete-backup-request.ts';
import { DownloadRequestReconciler } from './download-request.ts';
import { LIFEBOAT_RESOURCES } from './resources.ts';
import { ServerStatusRequestReconciler } from './server-status-request.ts';
import { type ControllerTestEnv, controllerTestEnv } from './testing.ts';

describe('request reconcilers: DeleteBackupRequest, DownloadRequest, ServerStatusRequest', () => {
  let sim: Kubesim;
  let env: ControllerTestEnv;
  const clock = new ManualClock('2026-05-01T10:00:00Z');

  before(async () => {
    sim = await startKubesim({ cluster: false });
    env = await controllerTestEnv(sim.kubeconfigPath, {
      clock,
      fsSigner: (location) => async (key, ttlMs) =>
        `http://server.test/download/${location}/${key}?ttl=${ttlMs}`,
    });
    await env.createFsLocation('default');
  });
  after(async () => {
    await env.close();
    await sim.stop();
  });

  /** A Backup resource in `phase`, and its files in the default location's bucket. */
  async function backupWithFiles(name: string, phase: string): Promise<void> {
    await env.create('Backup', { metadata: { name }, spec: { storageLocation: 'default' } });
    await env.client.patch(
      LIFEBOAT_RESOURCES.Backup,
      env.namespace,
      name,
      'merge',
      { status: { phase } },
      {
        subresource: 'status',
      },
    );
    const store = createFsObjectStore({ root: `${env.root}/default`, durable: false });
    const keys = backupKeys(name);
    await store.put(keys.metadata, '{}');
    await store.put(keys.contents, 'tarball');
    await store.put(keys.log, 'log');
  }

  function store() {
    return createFsObjectStore({ root: `${env.root}/default`, durable: false });
  }

  test('a delete request removes every object of the backup, its restores, then the Backup', async () => {
    await backupWithFiles('doomed', 'Completed');
    await backupWithFiles('kept', 'Completed');
    await env.create('Restore', { metadata: { name: 'doomed-r1' }, spec: { backupName: 'doomed' } });
    await store().put(restoreKeys('doomed-r1').log, 'restore log');
    await env.create('DeleteBackupRequest', {
      metadata: { name: 'doomed-del' },
      spec: { backupName: 'doomed' },
    });

    const seen: string[] = [];
    const reconciler = new DeleteBackupRequestReconciler(env.ctx, {
      beforeDeleteBackup: [
        async ({ backup }) => {
          seen.push(backup.metadata.name ?? '');
          return undefined;
        },
      ],
    });
    const result = await reconciler.reconcile('doomed-del');
    assert.equal(result?.requeueAfterMs, 24 * 3_600_000);
    assert.deepEqual(seen, ['doomed']);
    const request = await env.get('DeleteBackupRequest', 'doomed-del');
    assert.equal((request?.status as { phase?: string } | undefined)?.phase, 'Processed');
    assert.equal((request?.status as { errors?: string[] } | undefined)?.errors, undefined);
    assert.equal(request?.metadata?.labels?.['lifeboat.io/backup-name'], 'doomed');
    assert.equal(await env.get('Backup', 'doomed'), undefined);
    assert.equal(await env.get('Restore', 'doomed-r1'), undefined);
    const left: string[] = [];
    for await (const info of store().list('')) left.push(info.key);
    assert.deepEqual(
      left,
      [backupKeys('kept').contents, backupKeys('kept').log, backupKeys('kept').metadata].sort(),
    );
    assert.deepEqual(env.metrics.of('deletionFinished').at(-1), {
      schedule: undefined,
      location: 'default',
      ok: true,
    });

    // Kept a day, then deleted.
    clock.advance(24 * 3_600_000 + 1000);
    assert.equal(await reconciler.reconcile('doomed-del'), undefined);
    assert.equal(await env.get('DeleteBackupRequest', 'doomed-del'), undefined);
  });

  test('deleting a backup in progress, or one that does not exist, is refused with errors', async () => {
    await backupWithFiles('busy', 'InProgress');
    await env.create('DeleteBackupRequest', { metadata: { name: 'busy-del' }, spec: { backupName: 'busy' } });
    await env.create('DeleteBackupRequest', {
      metadata: { name: 'ghost-del' },
      spec: { backupName: 'ghost' },
    });
    const reconciler = new DeleteBackupRequestReconciler(env.ctx);
    await reconciler.reconcile('busy-del');
    await reconciler.reconcile('ghost-del');
    const busy = (await env.get('DeleteBackupRequest', 'busy-del'))?.status as {
      phase: string;
      errors: string[];
    };
    assert.equal(busy.phase, 'Processed');
    assert.match(busy.errors[0], /still in progress/);
    assert.ok(await env.get('Backup', 'busy'));
    assert.ok(await store().exists(backupKeys('busy').contents));
    const ghost = (await env.get('DeleteBackupRequest', 'ghost-del'))?.status as { errors: string[] };
    assert.match(ghost.errors[0], /backup "ghost" not found/);
  });

  test('a failing hook stops the deletion and puts the backup back in its phase', async () => {
    await backupWithFiles('stubborn', 'PartiallyFailed');
    await env.create('DeleteBackupRequest', {
      metadata: { name: 'stubborn-del' },
      spec: { backupName: 'stubborn' },
    });
    const reconciler = new DeleteBackupRequestReconciler(env.ctx, {
      beforeDeleteBackup: [async () => ['snapshot snap-1 could not be deleted']],
    });
    await reconciler.reconcile('stubborn-del');
    const status = (await env.get('DeleteBackupRequest', 'stubborn-del'))?.status as { errors: string[] };
    assert.deepEqual(status.errors, ['snapshot snap-1 could not be deleted']);
    const backup = await env.get('Backup', 'stubborn');
    assert.equal((backup?.status as { phase: string } | undefined)?.phase, 'PartiallyFailed');
    assert.ok(await store().exists(backupKeys('stubborn').metadata));
  });

  test('a download request gets a URL for the target key of the backup’s location, and expires', async () => {
    await backupWithFiles('dl', 'Completed');
    await env.create('Restore', { metadata: { name: 'dl-restore' }, spec: { backupName: 'dl' } });
    await env.create('DownloadRequest', {
      metadata: { name: 'dl-log' },
      spec: { target: { kind: 'BackupLog', name: 'dl' } },
    });
    await env.create('DownloadRequest', {
      metadata: { name: 'dl-restore-log' },
      spec: { target: { kind: 'RestoreResults', name: 'dl-restore' } },
    });
    await env.create('DownloadRequest', {
      metadata: { name: 'dl-missing' },
      spec: { target: { kind: 'BackupContents', name: 'nothing-here' } },
    });
    const reconciler = new DownloadRequestReconciler(env.ctx);
    assert.equal((await reconciler.reconcile('dl-log'))?.requeueAfterMs, 600_000);
    const status = (await env.get('DownloadRequest', 'dl-log'))?.status as Record<string, string>;
    assert.equal(status.phase, 'Processed');
    assert.equal(
      status.downloadURL,
      `http://server.test/download/default/${backupKeys('dl').log}?ttl=600000`,
    );
    assert.equal(status.expiration, '2026-05-02T10:10:01Z');

    await reconciler.reconcile('dl-restore-log');
    const restoreStatus = (await env.get('DownloadRequest', 'dl-restore-log'))?.status as Record<
      string,
      string
    >;
    assert.equal(
      restoreStatus.downloadURL,
      `http://server.test/download/default/${restoreKeys('dl-restore').results}?ttl=600000`,
    );

    await reconciler.reconcile('dl-missing');
    const missing = (await env.get('DownloadRequest', 'dl-missing'))?.status as {
      phase: string;
      downloadURL?: string;
      conditions: { reason: string; message: string }[];
    };
    assert.equal(missing.phase, 'Processed');
    assert.equal(missing.downloadURL, undefined);
    assert.equal(missing.conditions[0].reason, 'TargetNotFound');
    assert.match(missing.conditions[0].message, /backup "nothing-here" not found/);

    clock.advance(5 * 60_000);
    assert.ok(((await reconciler.reconcile('dl-log'))?.requeueAfterMs ?? 0) > 0);
    assert.ok(await env.get('DownloadRequest', 'dl-log'));
    clock.advance(5 * 60_000 + 1000);
    assert.equal(await reconciler.reconcile('dl-log'), undefined);
    assert.equal(await env.get('DownloadRequest', 'dl-log'), undefined);
  });

  test('a server status request is answered with the version and plugins, then deleted', async () => {
    await env.create('ServerStatusRequest', { metadata: { name: 'ssr-1' }, spec: {} });
    const reconciler = new ServerStatusRequestReconciler(env.ctx, { ttlMs: 60_000 });
    assert.equal((await reconciler.reconcile('ssr-1'))?.requeueAfterMs, 60_000);
    const status = (await env.get('ServerStatusRequest', 'ssr-1'))?.status as {
      phase: string;
      serverVersion: string;
      plugins: { name: string; kind: string }[];
    };
    assert.equal(status.phase, 'Processed');
    assert.equal(status.serverVersion, LIFEBOAT_VERSION);
    assert.ok(status.plugins.some((p) => p.name === 'lifeboat.io/fs' && p.kind === 'ObjectStore'));
    clock.advance(61_000);
    assert.equal(await reconciler.reconcile('ssr-1'), undefined);
    assert.equal(await env.get('ServerStatusRequest', 'ssr-1'), undefined);
  });
});
