/**
 * Backup lifecycle across locations and clusters: cluster A backs up to an fs location and copies the backup
 * to a second location on S3 (s3rver) with `lifeboat backup copy`; cluster B, installed against that S3
 * bucket and set ReadOnly (a migration target / DR reader), sees the copy through backup sync with its
 * labels and restores it, but can neither delete it nor write into the bucket. Deleting the backup in A
 * removes it from both locations, and B's sync then forgets it. A copy to a ReadOnly location is refused.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lifeboatResource } from '../../src/kube/index.ts';
import type { ObjectStore } from '../../src/storage/index.ts';
import { fsStorage, SERVER_NAMESPACE, startLifeboatEnv } from '../support/lifeboat-env.ts';
import { startS3rver } from '../support/s3rver.ts';

async function objects(store: ObjectStore, prefix: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const info of store.list(prefix))
    out.set(info.key, (await store.getBuffer(info.key)).toString('base64'));
  return out;
}

async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('copy to a second location, sync into a ReadOnly reader cluster, complete deletion everywhere', async () => {
  const s3 = await startS3rver();
  const primary = fsStorage('primary');
  const credentials = `[default]\naws_access_key_id = ${s3.accessKeyId}\naws_secret_access_key = ${s3.secretAccessKey}\n`;
  const s3Config = { region: s3.region, s3Url: s3.endpoint, s3ForcePathStyle: 'true' };
  await s3.createBucket('lifeboat-dr');
  const serverConfig = { backupSyncPeriod: '300ms' };
  const [a, b] = await Promise.all([
    startLifeboatEnv({ storage: primary, serverConfig }),
    startLifeboatEnv({
      storage: { provider: 'aws', bucket: 'lifeboat-dr', config: s3Config, credentials },
      serverConfig,
    }),
  ]);
  try {
    const bsl = lifeboatResource('BackupStorageLocation');
    // B only reads the DR bucket.
    await b.client.patch(bsl, SERVER_NAMESPACE, 'default', 'merge', { spec: { accessMode: 'ReadOnly' } });

    // A: the DR bucket as a second location (own credentials), and a ReadOnly archive.
    await a.apply([
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { namespace: SERVER_NAMESPACE, name: 'dr-credentials' },
        stringData: { cloud: credentials },
      },
      {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: 'shop' },
      },
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { namespace: 'shop', name: 'prices' },
        data: { apple: '3' },
      },
    ]);
    const created = await a.cli(
      'backup-location',
      'create',
      'dr',
      '--provider',
      'aws',
      '--bucket',
      'lifeboat-dr',
      '--config',
      Object.entries(s3Config)
        .map(([k, v]) => `${k}=${v}`)
        .join(','),
      '--credential',
      'dr-credentials=cloud',
    );
    assert.equal(created.code, 0, created.stderr);
    const archive = await a.cli(
      'backup-location',
      'create',
      'archive',
      '--provider',
      'fs',
      '--bucket',
      'archive',
      '--config',
      `root=${primary.root}`,
      '--access-mode',
      'ReadOnly',
    );
    assert.equal(archive.code, 0, archive.stderr);

    const made = await a.cli(
      'backup',
      'create',
      'shop-1',
      '--include-namespaces',
      'shop',
      '--labels',
      'team=shop',
      '--wait',
    );
    assert.equal(made.code, 0, made.stdout + made.stderr);

    // Copy A → DR, waited for.
    const copied = await a.cli('backup', 'copy', 'shop-1', '--to', 'dr', '--wait');
    assert.equal(copied.code, 0, copied.stdout + copied.stderr);
    assert.match(copied.stdout, /Backup "shop-1" copied to location "dr"/);
    const aStore = await a.store();
    const drStore = await b.store();
    const original = await objects(aStore, 'backups/shop-1/');
    assert.ok(original.size >= 4, `${original.size} objects in the backup`);
    assert.deepEqual(await objects(drStore, 'backups/shop-1/'), original, 'the copy is byte for byte');
    const copies = (await a.getLifeboat('Backup', 'shop-1'))?.status as {
      copies?: { location: string; phase: string }[];
    };
    assert.deepEqual(
      copies.copies?.map((c) => [c.location, c.phase]),
      [['dr', 'Completed']],
    );

    // A ReadOnly location takes no copy.
    const refused = await a.cli('backup', 'copy', 'shop-1', '--to', 'archive');
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /"archive" is ReadOnly/);
    const own = await a.cli('backup', 'copy', 'shop-1', '--to', 'default');
    assert.notEqual(own.code, 0);
    assert.match(own.stderr, /the backup's own location/);
    const missing = await a.cli('backup', 'copy', 'shop-1', '--to', 'nowhere');
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /"nowhere" not found/);
    assert.deepEqual(
      ((await a.getLifeboat('Backup', 'shop-1'))?.spec as { copyTo?: string[] } | undefined)?.copyTo,
      ['dr'],
      'refused locations are not requested',
    );

    // B: the copy appears through sync with its labels, and restores.
    const synced = await eventually('shop-1 synced into B', () => b.getLifeboat('Backup', 'shop-1'));
    assert.equal(synced.metadata?.labels?.team, 'shop');
    assert.equal(synced.metadata?.labels?.['lifeboat.io/storage-location'], 'default');
    await b.waitPhase('Backup', 'shop-1', ['Completed']);
    const drBefore = await objects(drStore, 'backups/');
    const restored = await b.cli('restore', 'create', 'shop-back', '--from-backup', 'shop-1', '--wait');
    assert.equal(restored.code, 0, restored.stdout + restored.stderr);
    const prices = await b.client.get((await b.catalog()).resolve('configmaps')!, 'shop', 'prices');
    assert.equal((prices?.data as { apple?: string } | undefined)?.apple, '3');

    // B cannot delete from its ReadOnly location; the bucket's backups are as they were.
    const bDelete = await b.cli('backup', 'delete', 'shop-1', '--confirm', '--wait');
    assert.equal(bDelete.code, 1, bDelete.stdout + bDelete.stderr);
    assert.match(bDelete.stderr, /ReadOnly/);
    assert.ok(await b.getLifeboat('Backup', 'shop-1'));
    assert.deepEqual(await objects(drStore, 'backups/'), drBefore);

    // A deletes it: nothing under its prefix in either location; B's sync then forgets it.
    const aDelete = await a.cli('backup', 'delete', 'shop-1', '--confirm', '--wait');
    assert.equal(aDelete.code, 0, aDelete.stdout + aDelete.stderr);
    assert.match(aDelete.stdout, /Backup "shop-1" deleted/);
    assert.equal(await a.getLifeboat('Backup', 'shop-1'), undefined);
    assert.deepEqual([...(await objects(aStore, 'backups/shop-1/')).keys()], []);
    assert.deepEqual([...(await objects(drStore, 'backups/shop-1/')).keys()], []);
    await eventually('shop-1 forgotten by B', async () =>
      (await b.getLifeboat('Backup', 'shop-1')) === undefined ? true : undefined,
    );
  } finally {
    await Promise.all([a.stop(), b.stop()]);
    primary.cleanup();
    await s3.stop();
  }
});

test('backup delete --all and --selector remove only what they select; a backup in only a second location is synced', async () => {
  const primary = fsStorage('primary');
  const env = await startLifeboatEnv({ storage: primary, serverConfig: { backupSyncPeriod: '300ms' } });
  try {
    await env.apply([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } }]);
    for (const [name, team] of [
      ['one', 'red'],
      ['two', 'red'],
      ['three', 'blue'],
    ]) {
      const made = await env.cli(
        'backup',
        'create',
        name,
        '--include-namespaces',
        'shop',
        '--labels',
        `team=${team}`,
        '--wait',
      );
      assert.equal(made.code, 0, made.stderr);
    }
    const store = await env.store();

    const red = await env.cli('backup', 'delete', '--selector', 'team=red', '--confirm', '--wait');
    assert.equal(red.code, 0, red.stdout + red.stderr);
    assert.equal(await env.getLifeboat('Backup', 'one'), undefined);
    assert.equal(await env.getLifeboat('Backup', 'two'), undefined);
    assert.ok(await env.getLifeboat('Backup', 'three'));
    assert.deepEqual(
      [...(await objects(store, 'backups/')).keys()]
        .map((k) => k.split('/')[1])
        .filter((v, i, l) => l.indexOf(v) === i),
      ['three'],
    );

    // A second location holding a backup this cluster never made: sync brings it in, labelled with it.
    const second = await env.cli(
      'backup-location',
      'create',
      'second',
      '--provider',
      'fs',
      '--bucket',
      'second',
      '--config',
      `root=${primary.root}`,
    );
    assert.equal(second.code, 0, second.stderr);
    const copied = await env.cli('backup', 'copy', 'three', '--to', 'second', '--wait');
    assert.equal(copied.code, 0, copied.stdout + copied.stderr);
    // Rename the copy in storage into a backup of its own, as another cluster would have written it.
    const { createFsObjectStore } = await import('../../src/storage/index.ts');
    const secondStore = createFsObjectStore({ root: `${primary.root}/second`, durable: false });
    for (const [key, body] of await objects(secondStore, 'backups/three/')) {
      const meta = key.endsWith('velero-backup.json');
      const text = Buffer.from(body, 'base64');
      const renamed = meta ? Buffer.from(text.toString('utf8').replaceAll('"three"', '"elsewhere"')) : text;
      if (!meta) await secondStore.put(key.replaceAll('three', 'elsewhere'), renamed);
      else {
        await secondStore.delete(key);
        await secondStore.put('backups/elsewhere/velero-backup.json', renamed);
      }
    }
    const imported = await eventually('elsewhere synced', () => env.getLifeboat('Backup', 'elsewhere'));
    assert.equal(imported.metadata?.labels?.['lifeboat.io/storage-location'], 'second');

    const all = await env.cli('backup', 'delete', '--all', '--confirm', '--wait');
    assert.equal(all.code, 0, all.stdout + all.stderr);
    assert.equal(await env.getLifeboat('Backup', 'three'), undefined);
    assert.equal(await env.getLifeboat('Backup', 'elsewhere'), undefined);
    assert.deepEqual([...(await objects(store, 'backups/')).keys()], []);
    assert.deepEqual([...(await objects(secondStore, 'backups/')).keys()], []);
  } finally {
    await env.stop();
    primary.cleanup();
  }
});
