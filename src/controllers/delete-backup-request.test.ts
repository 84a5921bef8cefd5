import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ManualClock } from '../core/clock.ts';
import { type Kubesim, startKubesim } from '../kubesim/index.ts';
import { backupKeys, createFsObjectStore, type ObjectStore, restoreKeys } from '../storage/index.ts';
import { DeleteBackupRequestReconciler } from './delete-backup-request.ts';
import { LIFEBOAT_RESOURCES } from './resources.ts';
import { type ControllerTestEnv, controllerTestEnv } from './testing.ts';

describe('DeleteBackupRequest: completeness and refusals', () => {
  let sim: Kubesim;
  let env: ControllerTestEnv;
  const clock = new ManualClock('2026-05-01T10:00:00Z');

  before(async () => {
    sim = await startKubesim({ cluster: false });
    env = await controllerTestEnv(sim.kubeconfigPath, { clock });
    await env.createFsLocation('main', { default: true });
    await env.createFsLocation('far');
    await env.createFsLocation('vault', { accessMode: 'ReadOnly' });
  });
  after(async () => {
    await env.close();
    await sim.stop();
  });

  const bucket = (name: string): ObjectStore =>
    createFsObjectStore({ root: `${env.root}/${name}`, durable: false });

  async function keys(store: ObjectStore): Promise<string[]> {
    const out: string[] = [];
    for await (const info of store.list('')) out.push(info.key);
    return out;
  }

  /** Every object a real backup leaves (metadata, tarball, side files) under `backups/<name>/` of `store`. */
  async function writeBackupObjects(store: ObjectStore, name: string): Promise<void> {
    const k = backupKeys(name);
    for (const key of [
      k.contents,
      k.log,
      k.results,
      k.resourceList,
      k.volumeInfo,
      k.podVolumeBackups,
      k.csiVolumeSnapshots,
      k.itemOperations,
    ])
      await store.put(key, `${key} body`);
    await store.put(k.metadata, '{}');
  }

  async function backup(
    name: string,
    location: string,
    status: Record<string, unknown> | undefined,
  ): Promise<void> {
    await env.create('Backup', {
      metadata: { name, labels: { 'lifeboat.io/storage-location': location } },
      spec: { storageLocation: location },
    });
    if (status)
      await env.client.patch(
        LIFEBOAT_RESOURCES.Backup,
        env.namespace,
        name,
        'merge',
        { status },
        { subresource: 'status' },
      );
  }

  async function requestDeletion(backupName: string): Promise<{ phase?: string; errors?: string[] }> {
    const name = `${backupName}-del`;
    await env.create('DeleteBackupRequest', { metadata: { name }, spec: { backupName } });
    await new DeleteBackupRequestReconciler(env.ctx).reconcile(name);
    return ((await env.get('DeleteBackupRequest', name))?.status ?? {}) as {
      phase?: string;
      errors?: string[];
    };
  }

  test('nothing of the backup stays in storage (its copies and restores included); other backups are untouched', async () => {
    await writeBackupObjects(bucket('main'), 'nightly');
    await writeBackupObjects(bucket('main'), 'weekly');
    await writeBackupObjects(bucket('far'), 'nightly');
    await writeBackupObjects(bucket('far'), 'nightly-2');
    await bucket('main').put(restoreKeys('nightly-r').log, 'restore log');
    await bucket('main').put(restoreKeys('weekly-r').log, 'restore log');
    await backup('nightly', 'main', {
      phase: 'Completed',
      copies: [{ location: 'far', phase: 'Completed' }],
    });
    await backup('weekly', 'main', { phase: 'Completed' });
    await env.create('Restore', { metadata: { name: 'nightly-r' }, spec: { backupName: 'nightly' } });
    await env.create('Restore', { metadata: { name: 'weekly-r' }, spec: { backupName: 'weekly' } });
    const weeklyBefore = await keys(bucket('main'));

    const status = await requestDeletion('nightly');
    assert.equal(status.phase, 'Processed');
    assert.equal(status.errors, undefined);

    assert.deepEqual(
      await keys(bucket('main')),
      weeklyBefore.filter((k) => !k.startsWith('backups/nightly/') && !k.startsWith('restores/nightly-r/')),
    );
    assert.ok((await keys(bucket('main'))).includes(backupKeys('weekly').contents));
    assert.ok((await keys(bucket('main'))).includes(restoreKeys('weekly-r').log));
    const far = await keys(bucket('far'));
    assert.equal(
      far.some((k) => k.startsWith('backups/nightly/')),
      false,
    );
    assert.ok(far.includes(backupKeys('nightly-2').metadata), 'a backup whose name extends it stays');
    assert.equal(await env.get('Backup', 'nightly'), undefined);
    assert.equal(await env.get('Restore', 'nightly-r'), undefined);
    assert.ok(await env.get('Backup', 'weekly'));
    assert.ok(await env.get('Restore', 'weekly-r'));
    assert.deepEqual(env.metrics.of('deletionFinished').at(-1), {
      schedule: undefined,
      location: 'main',
      ok: true,
    });
  });

  test('a backup not finished yet (no phase, New, InProgress, Finalizing) is refused and kept with its objects', async () => {
    for (const [name, status] of [
      ['fresh', undefined],
      ['queued', { phase: 'New' }],
      ['running', { phase: 'InProgress' }],
      ['closing', { phase: 'Finalizing' }],
    ] as const) {
      await writeBackupObjects(bucket('main'), name);
      await backup(name, 'main', status);
      const result = await requestDeletion(name);
      assert.equal(result.phase, 'Processed');
      assert.match(result.errors?.join() ?? '', /still in progress|not finished/, name);
      assert.ok(await env.get('Backup', name), name);
      assert.ok((await keys(bucket('main'))).includes(backupKeys(name).contents), name);
    }
  });

  test('a ReadOnly location refuses: neither the backup there nor a copy there is deleted', async () => {
    await writeBackupObjects(bucket('vault'), 'archived');
    await backup('archived', 'vault', { phase: 'Completed' });
    const own = await requestDeletion('archived');
    assert.match(own.errors?.join() ?? '', /"vault" is ReadOnly/);
    assert.ok(await env.get('Backup', 'archived'));
    assert.ok((await keys(bucket('vault'))).includes(backupKeys('archived').metadata));

    await writeBackupObjects(bucket('main'), 'mirrored');
    await writeBackupObjects(bucket('vault'), 'mirrored');
    await backup('mirrored', 'main', {
      phase: 'Completed',
      copies: [{ location: 'vault', phase: 'Completed' }],
    });
    const copied = await requestDeletion('mirrored');
    assert.match(copied.errors?.join() ?? '', /"vault" is ReadOnly.*holds a copy/);
    assert.ok((await keys(bucket('main'))).includes(backupKeys('mirrored').metadata));
    assert.equal(
      ((await env.get('Backup', 'mirrored'))?.status as { phase?: string } | undefined)?.phase,
      'Completed',
      'a refused request leaves the phase alone',
    );
  });

  test('a copy location that no longer exists does not block the deletion', async () => {
    await writeBackupObjects(bucket('main'), 'orphan-copy');
    await backup('orphan-copy', 'main', {
      phase: 'PartiallyFailed',
      copies: [{ location: 'gone', phase: 'Completed' }],
    });
    const status = await requestDeletion('orphan-copy');
    assert.equal(status.errors, undefined);
    assert.equal(await env.get('Backup', 'orphan-copy'), undefined);
    assert.equal(
      (await keys(bucket('main'))).some((k) => k.startsWith('backups/orphan-copy/')),
      false,
    );
  });
});
