import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ManualClock } from '../core/clock.ts';
import { type Kubesim, startKubesim } from '../kubesim/index.ts';
import {
  backupKeys,
  createFaultyObjectStore,
  createFsObjectStore,
  createMemoryObjectStore,
  type ObjectStore,
} from '../storage/index.ts';
import { BackupCopyReconciler, copyBackupObjects } from './backup-copy.ts';
import { LIFEBOAT_RESOURCES } from './resources.ts';
import { type ControllerTestEnv, controllerTestEnv } from './testing.ts';

async function listing(store: ObjectStore, prefix = ''): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const info of store.list(prefix))
    out.set(info.key, (await store.getBuffer(info.key)).toString('utf8'));
  return out;
}

async function writeBackup(store: ObjectStore, name: string, metadata = `{"name":"${name}"}`): Promise<void> {
  const k = backupKeys(name);
  await store.put(k.contents, Buffer.alloc(300_000, 7));
  await store.put(k.log, `log of ${name}`);
  await store.put(k.results, `results of ${name}`);
  await store.put(k.metadata, metadata);
}

describe('copyBackupObjects', () => {
  test('copies every object byte for byte, the metadata object last, and leaves other backups alone', async () => {
    const from = createMemoryObjectStore();
    const to = createFaultyObjectStore(createMemoryObjectStore());
    await writeBackup(from, 'b1');
    await writeBackup(from, 'b10');
    const copied = await copyBackupObjects(from, to, 'b1');
    assert.equal(copied.objects, 4);
    assert.equal(copied.alreadyThere, false);
    assert.deepEqual(await listing(to), await listing(from, 'backups/b1/'));
    const puts = to.calls.filter((c) => c.method === 'put').map((c) => c.key);
    assert.equal(puts.at(-1), backupKeys('b1').metadata);
    assert.equal(puts.length, 4);

    // The same backup again: nothing is written.
    const again = await copyBackupObjects(from, to, 'b1');
    assert.equal(again.alreadyThere, true);
    assert.equal(to.calls.filter((c) => c.method === 'put').length, 4);
  });

  test('a copy cut short leaves no metadata object; the next attempt removes stale objects and completes', async () => {
    const from = createMemoryObjectStore();
    const inner = createMemoryObjectStore();
    const to = createFaultyObjectStore(inner);
    await writeBackup(from, 'b2');
    await inner.put(`${backupKeys('b2').dir}left-over-from-older-attempt`, 'x');
    to.inject({ method: 'put', key: backupKeys('b2').results, action: 'throw' });
    await assert.rejects(copyBackupObjects(from, to, 'b2'));
    assert.equal(await inner.exists(backupKeys('b2').metadata), false);

    await copyBackupObjects(from, to, 'b2');
    assert.deepEqual(await listing(inner), await listing(from, 'backups/b2/'));
  });

  test('a different backup of the same name in the target is refused and left untouched; a source without metadata is NotFound', async () => {
    const from = createMemoryObjectStore();
    const to = createMemoryObjectStore();
    await writeBackup(from, 'b3');
    await writeBackup(to, 'b3', '{"name":"b3","other":"cluster"}');
    const before = await listing(to);
    await assert.rejects(copyBackupObjects(from, to, 'b3'), /already holds a different backup named "b3"/);
    assert.deepEqual(await listing(to), before);

    await from.put(backupKeys('half').contents, 'tarball without metadata');
    await assert.rejects(copyBackupObjects(from, to, 'half'), { code: 'NotFound' });
  });
});

describe('BackupCopyReconciler', () => {
  let sim: Kubesim;
  let env: ControllerTestEnv;
  const clock = new ManualClock('2026-05-01T10:00:00Z');
  const bucket = (name: string): ObjectStore =>
    createFsObjectStore({ root: `${env.root}/${name}`, durable: false });

  before(async () => {
    sim = await startKubesim({ cluster: false });
    env = await controllerTestEnv(sim.kubeconfigPath, { clock });
    await env.createFsLocation('home', { default: true });
    await env.createFsLocation('dr');
    await env.createFsLocation('dr2');
    await env.createFsLocation('archive', { accessMode: 'ReadOnly' });
  });
  after(async () => {
    await env.close();
    await sim.stop();
  });

  async function backup(name: string, phase: string | undefined, copyTo: string[]): Promise<void> {
    await env.create('Backup', { metadata: { name }, spec: { storageLocation: 'home', copyTo } });
    if (phase)
      await env.client.patch(
        LIFEBOAT_RESOURCES.Backup,
        env.namespace,
        name,
        'merge',
        { status: { phase } },
        { subresource: 'status' },
      );
  }

  type Copy = { location: string; phase: string; message?: string; completionTimestamp?: string };
  async function copies(name: string): Promise<Copy[]> {
    return ((await env.get('Backup', name))?.status as { copies?: Copy[] } | undefined)?.copies ?? [];
  }

  test('a finished backup is copied to every copyTo location and each copy is recorded Completed', async () => {
    await writeBackup(bucket('home'), 'daily');
    await backup('daily', 'Completed', ['dr', 'dr2']);
    const reconciler = new BackupCopyReconciler(env.ctx);
    assert.equal(await reconciler.reconcile('daily'), undefined);
    assert.deepEqual(
      (await copies('daily')).map((c) => [c.location, c.phase]),
      [
        ['dr', 'Completed'],
        ['dr2', 'Completed'],
      ],
    );
    const source = await listing(bucket('home'), 'backups/daily/');
    assert.deepEqual(await listing(bucket('dr')), source);
    assert.deepEqual(await listing(bucket('dr2')), source);
    assert.ok(env.events.reasons('daily').includes('Copied'));
  });

  test('an unfinished backup is not copied', async () => {
    await writeBackup(bucket('home'), 'busy');
    await backup('busy', 'InProgress', ['dr']);
    await new BackupCopyReconciler(env.ctx).reconcile('busy');
    assert.deepEqual(await copies('busy'), []);
    assert.equal(await bucket('dr').exists(backupKeys('busy').metadata), false);
  });

  test('a ReadOnly or missing target fails with the reason, is retried later, and others still copy', async () => {
    await writeBackup(bucket('home'), 'weekly');
    await backup('weekly', 'PartiallyFailed', ['archive', 'nowhere', 'dr']);
    const reconciler = new BackupCopyReconciler(env.ctx, { retryAfterMs: 60_000 });
    const result = await reconciler.reconcile('weekly');
    const byLocation = new Map((await copies('weekly')).map((c) => [c.location, c]));
    assert.equal(byLocation.get('archive')?.phase, 'Failed');
    assert.match(byLocation.get('archive')?.message ?? '', /"archive" is ReadOnly/);
    assert.equal(byLocation.get('nowhere')?.phase, 'Failed');
    assert.match(byLocation.get('nowhere')?.message ?? '', /"nowhere" not found/);
    assert.equal(byLocation.get('dr')?.phase, 'Completed');
    assert.equal(await bucket('archive').exists(backupKeys('weekly').metadata), false);
    assert.equal(result?.requeueAfterMs, 60_000);

    // Too soon: nothing happens. After the retry delay, with the location made writable, the copy succeeds.
    await env.client.patch(LIFEBOAT_RESOURCES.BackupStorageLocation, env.namespace, 'archive', 'merge', {
      spec: { accessMode: 'ReadWrite' },
    });
    await reconciler.reconcile('weekly');
    assert.equal((await copies('weekly')).find((c) => c.location === 'archive')?.phase, 'Failed');
    clock.advance(61_000);
    await reconciler.reconcile('weekly');
    assert.equal((await copies('weekly')).find((c) => c.location === 'archive')?.phase, 'Completed');
    assert.ok(await bucket('archive').exists(backupKeys('weekly').metadata));
  });

  test('an Unavailable target keeps the copy New with a message until it is available', async () => {
    await writeBackup(bucket('home'), 'monthly');
    await backup('monthly', 'Completed', ['dr2']);
    await env.client.patch(
      LIFEBOAT_RESOURCES.BackupStorageLocation,
      env.namespace,
      'dr2',
      'merge',
      { status: { phase: 'Unavailable', message: 'bucket gone' } },
      { subresource: 'status' },
    );
    const reconciler = new BackupCopyReconciler(env.ctx, { retryAfterMs: 30_000 });
    assert.equal((await reconciler.reconcile('monthly'))?.requeueAfterMs, 30_000);
    const [copy] = await copies('monthly');
    assert.equal(copy?.phase, 'New');
    assert.match(copy?.message ?? '', /waiting for backup storage location "dr2"/);
    await env.client.patch(
      LIFEBOAT_RESOURCES.BackupStorageLocation,
      env.namespace,
      'dr2',
      'merge',
      { status: { phase: 'Available', message: null } },
      { subresource: 'status' },
    );
    assert.equal(await reconciler.reconcile('monthly'), undefined);
    assert.equal((await copies('monthly'))[0]?.phase, 'Completed');
  });
});
