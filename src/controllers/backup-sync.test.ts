import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { BackupStorageLocation } from '../api/index.ts';
import { ManualClock } from '../core/clock.ts';
import { type Kubesim, startKubesim } from '../kubesim/index.ts';
import {
  backupKeys,
  createFaultyObjectStore,
  createFsObjectStore,
  type ObjectStore,
} from '../storage/index.ts';
import { BackupSync, SYNCED_FROM_ANNOTATION } from './backup-sync.ts';
import { LIFEBOAT_RESOURCES } from './resources.ts';
import { type ControllerTestEnv, controllerTestEnv } from './testing.ts';

describe('BackupSync', () => {
  let sim: Kubesim;
  let env: ControllerTestEnv;
  const clock = new ManualClock('2026-05-01T10:00:00Z');
  const bucket = (name: string): ObjectStore =>
    createFsObjectStore({ root: `${env.root}/${name}`, durable: false });

  before(async () => {
    sim = await startKubesim({ cluster: false });
    env = await controllerTestEnv(sim.kubeconfigPath, { clock });
    await env.createFsLocation('main', { default: true });
    await env.createFsLocation('reader', { accessMode: 'ReadOnly' });
  });
  after(async () => {
    await env.close();
    await sim.stop();
  });

  async function location(name: string): Promise<BackupStorageLocation> {
    const bsl = await env.ctx.locations.get(name);
    assert.ok(bsl);
    return bsl;
  }

  /** A stored backup as another cluster's server writes it. */
  async function stored(
    store: ObjectStore,
    name: string,
    status: Record<string, unknown>,
    extra: { labels?: Record<string, string>; copyTo?: string[] } = {},
  ): Promise<void> {
    await store.put(backupKeys(name).contents, 'tarball');
    await store.put(
      backupKeys(name).metadata,
      JSON.stringify({
        apiVersion: 'velero.io/v1',
        kind: 'Backup',
        metadata: { name, namespace: 'velero', labels: extra.labels ?? {}, uid: 'elsewhere-uid' },
        spec: {
          storageLocation: 'their-location',
          includedNamespaces: ['shop'],
          ...(extra.copyTo ? { copyTo: extra.copyTo } : {}),
        },
        status,
      }),
    );
  }

  async function backupInCluster(
    name: string,
    loc: string,
    phase: string,
    annotations?: Record<string, string>,
  ): Promise<void> {
    await env.create('Backup', {
      metadata: {
        name,
        labels: { 'lifeboat.io/storage-location': loc },
        ...(annotations ? { annotations } : {}),
      },
      spec: { storageLocation: loc },
    });
    await env.client.patch(
      LIFEBOAT_RESOURCES.Backup,
      env.namespace,
      name,
      'merge',
      { status: { phase } },
      { subresource: 'status' },
    );
  }

  test('imports stored backups with their labels, this location, its own annotation, without copyTo; in-flight ones wait', async () => {
    const store = bucket('main');
    await stored(
      store,
      'theirs',
      { phase: 'Completed', completionTimestamp: '2026-04-30T10:00:00Z' },
      { labels: { team: 'shop' }, copyTo: ['far-away'] },
    );
    await stored(store, 'unfinished', { phase: 'Finalizing', expiration: '2026-06-01T00:00:00Z' });
    await store.put(backupKeys('no-metadata').contents, 'a tarball whose metadata never came');

    const result = await new BackupSync(env.ctx).syncLocation(await location('main'), store);
    assert.deepEqual(result, { imported: ['theirs'], deleted: [] });
    const theirs = await env.get('Backup', 'theirs');
    assert.equal(theirs?.metadata?.labels?.team, 'shop');
    assert.equal(theirs?.metadata?.labels?.['lifeboat.io/storage-location'], 'main');
    assert.equal(theirs?.metadata?.annotations?.[SYNCED_FROM_ANNOTATION], 'main');
    const spec = theirs?.spec as {
      storageLocation?: string;
      copyTo?: string[];
      includedNamespaces?: string[];
    };
    assert.equal(spec.storageLocation, 'main');
    assert.equal(spec.copyTo, undefined);
    assert.deepEqual(spec.includedNamespaces, ['shop']);
    assert.equal((theirs?.status as { phase?: string } | undefined)?.phase, 'Completed');
    assert.equal(await env.get('Backup', 'unfinished'), undefined);
    assert.equal(await env.get('Backup', 'no-metadata'), undefined);
  });

  test('a ReadOnly location is synced by reads alone', async () => {
    const inner = bucket('reader');
    await stored(inner, 'archived', { phase: 'PartiallyFailed' });
    const store = createFaultyObjectStore(inner);
    const result = await new BackupSync(env.ctx).syncLocation(await location('reader'), store);
    assert.deepEqual(result.imported, ['archived']);
    assert.deepEqual(
      store.calls.filter((c) => c.method === 'put' || c.method === 'delete'),
      [],
      'nothing written to the location',
    );
    assert.equal(
      (await env.get('Backup', 'archived'))?.metadata?.labels?.['lifeboat.io/storage-location'],
      'reader',
    );
  });

  test('vanished backups of the location are removed when finished; in-progress, other locations and local failures stay', async () => {
    const store = bucket('main');
    await backupInCluster('gone-completed', 'main', 'Completed');
    await backupInCluster('gone-partial', 'main', 'PartiallyFailed');
    await backupInCluster('gone-failed-synced', 'main', 'Failed', { [SYNCED_FROM_ANNOTATION]: 'main' });
    await backupInCluster('failed-here', 'main', 'Failed');
    await backupInCluster('running', 'main', 'InProgress');
    await backupInCluster('deleting', 'main', 'Deleting');
    await backupInCluster('elsewhere', 'reader', 'Completed');
    await stored(store, 'present', { phase: 'Completed' });
    await backupInCluster('present', 'main', 'Completed');

    const result = await new BackupSync(env.ctx).syncLocation(await location('main'), store);
    assert.deepEqual(result.deleted.sort(), ['gone-completed', 'gone-failed-synced', 'gone-partial']);
    for (const kept of ['failed-here', 'running', 'deleting', 'elsewhere', 'present', 'theirs'])
      assert.ok(await env.get('Backup', kept), kept);
  });

  test('an import cut short between its create and its status gets its status at the next pass', async () => {
    const store = bucket('main');
    await stored(store, 'half-imported', { phase: 'Completed', completionTimestamp: '2026-04-30T11:00:00Z' });
    await env.create('Backup', {
      metadata: {
        name: 'half-imported',
        labels: { 'lifeboat.io/storage-location': 'main' },
        annotations: { [SYNCED_FROM_ANNOTATION]: 'main' },
      },
      spec: { storageLocation: 'main' },
    });
    const result = await new BackupSync(env.ctx).syncLocation(await location('main'), store);
    assert.ok(result.imported.includes('half-imported'));
    const status = (await env.get('Backup', 'half-imported'))?.status as
      | { phase?: string; completionTimestamp?: string }
      | undefined;
    assert.equal(status?.phase, 'Completed');
    assert.equal(status?.completionTimestamp, '2026-04-30T11:00:00Z');
  });
});
