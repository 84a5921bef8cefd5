import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { KubeObject } from '../kube/types.ts';
import { createFsObjectStore } from '../storage/fs.ts';
import { backupKeys } from '../storage/layout.ts';
import type { ObjectStore } from '../storage/object-store.ts';
import { notYetSupported, runBackup } from './engine.ts';
import { backup, deps, seedSample, startTestCluster, type TestCluster } from './test-support.ts';
import type { BackupVolumeRun, BackupVolumeSession, VolumeInfoEntry } from './volume-ports.ts';

let cluster: TestCluster;
const scratch = mkdtempSync(join(tmpdir(), 'lifeboat-backup-volumes-test-'));
let stores = 0;
const freshStore = (): ObjectStore =>
  createFsObjectStore({ root: join(scratch, `store-${stores++}`), durable: false });

before(async () => {
  cluster = await startTestCluster();
  await seedSample(cluster);
});

after(async () => {
  await cluster?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

async function gunzipped(store: ObjectStore, key: string): Promise<unknown> {
  const { gunzipSync } = await import('node:zlib');
  const chunks: Buffer[] = [];
  for await (const chunk of await store.get(key)) chunks.push(Buffer.from(chunk as Uint8Array));
  return JSON.parse(gunzipSync(Buffer.concat(chunks)).toString('utf8'));
}

/**
 * A volume session that records what the engine gives it and answers fixed results: the engine's side of
 * the port, checked without node agents (the real session is tested in src/volumes and test/e2e).
 */
function recordingSession(result: { infos: VolumeInfoEntry[]; pvbs: KubeObject[]; error?: string }) {
  const observed: string[] = [];
  const finishes: { timeoutMs: number }[] = [];
  let run: BackupVolumeRun | undefined;
  const make = (r: BackupVolumeRun): BackupVolumeSession => {
    run = r;
    return {
      observe: (groupResource, item) => observed.push(`${groupResource} ${item.metadata?.name}`),
      async finish(options) {
        finishes.push({ timeoutMs: options.timeoutMs });
        if (result.error) r.results.itemError('shop', result.error);
        return {
          volumeInfos: result.infos,
          podVolumeBackups: result.pvbs,
          csiVolumeSnapshotsAttempted: 1,
          csiVolumeSnapshotsCompleted: 0,
        };
      },
    };
  };
  return { make, observed, finishes, run: () => run };
}

describe('runBackup with volume services', () => {
  test('every written item reaches the session; its entries and PodVolumeBackups become the side files; its failures make the backup PartiallyFailed', async () => {
    const store = freshStore();
    const info: VolumeInfoEntry = {
      pvcName: 'data',
      pvcNamespace: 'shop',
      backupMethod: 'PodVolumeBackup',
      skipped: false,
      result: 'failed',
    };
    const pvb: KubeObject = {
      apiVersion: 'lifeboat.io/v1',
      kind: 'PodVolumeBackup',
      metadata: { name: 'p1' },
    };
    const session = recordingSession({
      infos: [info],
      pvbs: [pvb],
      error: 'pod shop/web volume data: PodVolumeBackup p1 Failed: disk on fire',
    });
    const b = backup('with-volumes', { includedNamespaces: ['shop'] });
    b.metadata = { ...b.metadata, annotations: { 'lifeboat.io/pod-volume-timeout': '90s' } };
    const { status } = await runBackup(
      b,
      deps(cluster, store, { volumes: { session: session.make, podVolumeTimeoutMs: 5_000 } }),
    );
    assert.equal(status.phase, 'PartiallyFailed');
    assert.equal(status.errors, 1);
    assert.equal(status.csiVolumeSnapshotsAttempted, 1);
    assert.equal(status.csiVolumeSnapshotsCompleted, 0);
    assert.ok(session.observed.includes('pods web'), session.observed.join(', '));
    assert.ok(session.observed.includes('persistentvolumeclaims data'));
    assert.equal(session.run()?.backup.metadata?.name, 'with-volumes');
    assert.deepEqual(
      session.finishes,
      [{ timeoutMs: 90_000 }],
      'the annotation wins over the server setting',
    );
    const keys = backupKeys('with-volumes');
    assert.deepEqual(await gunzipped(store, keys.volumeInfo), [info]);
    assert.deepEqual(await gunzipped(store, keys.podVolumeBackups), [pvb]);
    const results = (await gunzipped(store, keys.results)) as {
      errors: { namespaces: Record<string, string[]> };
    };
    assert.match(results.errors.namespaces.shop?.[0] ?? '', /volume data: PodVolumeBackup p1 Failed/);
  });

  test('a dry run starts no volume work; spec fields are warned about only when nothing can act on them', async () => {
    const session = recordingSession({ infos: [], pvbs: [] });
    const { status } = await runBackup(
      backup('dry', { includedNamespaces: ['shop'], dryRun: true }),
      deps(cluster, freshStore(), { volumes: { session: session.make } }),
    );
    assert.equal(status.phase, 'Completed');
    assert.equal(session.run(), undefined);
    const spec = { resourcePolicy: { kind: 'configmap', name: 'p' } };
    assert.equal(notYetSupported(spec).length, 1);
    assert.deepEqual(notYetSupported(spec, { volumes: { session: session.make } }), []);
  });
});
