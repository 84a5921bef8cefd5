import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { createFaultyObjectStore } from '../storage/faulty.ts';
import { createFsObjectStore } from '../storage/fs.ts';
import { backupKeys } from '../storage/layout.ts';
import type { ObjectStore } from '../storage/object-store.ts';
import { runBackup } from './engine.ts';
import type { BackupItemAction } from './item-action.ts';
import {
  backup,
  deps,
  gunzipJson,
  readTarball,
  SECRET_VALUE,
  seedSample,
  startTestCluster,
  type TestCluster,
} from './test-support.ts';

let cluster: TestCluster;
const scratch = mkdtempSync(join(tmpdir(), 'lifeboat-backup-test-'));
let stores = 0;

function freshStore(): ObjectStore {
  return createFsObjectStore({ root: join(scratch, `store-${stores++}`), durable: false });
}

before(async () => {
  cluster = await startTestCluster();
  await seedSample(cluster);
});

after(async () => {
  await cluster?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

async function tarballOf(store: ObjectStore, name: string) {
  return readTarball(await store.getBuffer(backupKeys(name).contents));
}

describe('runBackup against kubesim and the fs store', () => {
  test('backs up the namespaces asked for, with related items, in format 1.1.0, metadata last', async () => {
    const store = createFaultyObjectStore(freshStore(), []);
    const progress: number[] = [];
    const { status } = await runBackup(
      backup('shop-1', { includedNamespaces: ['shop', 'blog'] }),
      deps(cluster, store, { onProgress: (p) => progress.push(p.itemsBackedUp) }),
    );
    assert.equal(status.phase, 'Completed', status.failureReason);
    assert.equal(status.formatVersion, '1.1.0');
    assert.equal(status.errors, 0);
    assert.equal(
      new Date(status.expiration!).getTime() - new Date(status.startTimestamp!).getTime(),
      720 * 3_600_000,
    );

    const entries = await tarballOf(store, 'shop-1');
    assert.equal(entries[0].name, 'metadata/version');
    assert.equal(entries[0].body.toString(), '1.1.0\n');
    assert.ok(entries.every((e) => e.type === 'file' && e.mode === 0o755));
    const names = new Set(entries.map((e) => e.name));
    for (const path of [
      'resources/configmaps/namespaces/shop/prices.json',
      'resources/configmaps/v1-preferredversion/namespaces/shop/prices.json',
      'resources/configmaps/namespaces/blog/theme.json',
      'resources/secrets/namespaces/shop/db.json',
      'resources/pods/namespaces/shop/web.json',
      'resources/persistentvolumeclaims/namespaces/shop/data.json',
      // cluster-scoped, but related: the PVC's PV and the custom resource's CRD
      'resources/persistentvolumes/cluster/pv-data.json',
      'resources/persistentvolumes/v1-preferredversion/cluster/pv-data.json',
      'resources/customresourcedefinitions.apiextensions.k8s.io/cluster/gadgets.example.com.json',
      'resources/gadgets.example.com/namespaces/blog/g1.json',
      'resources/gadgets.example.com/v1-preferredversion/namespaces/blog/g1.json',
      'resources/namespaces/cluster/shop.json',
      'resources/namespaces/v1-preferredversion/cluster/blog.json',
    ])
      assert.ok(names.has(path), `missing ${path}`);
    assert.ok(!names.has('resources/configmaps/namespaces/shop/hidden.json'), 'exclusion label ignored');
    assert.ok(![...names].some((n) => n.includes('skipme')));
    // Cluster-scoped types are not listed for a namespace-limited backup (includeClusterResources unset).
    assert.ok(![...names].some((n) => n.startsWith('resources/clusterroles')));

    const byName = new Map(entries.map((e) => [e.name, e.body]));
    const cm = byName.get('resources/configmaps/namespaces/shop/prices.json')!;
    assert.deepEqual(cm, byName.get('resources/configmaps/v1-preferredversion/namespaces/shop/prices.json'));
    const parsed = JSON.parse(cm.toString());
    assert.equal(parsed.apiVersion, 'v1');
    assert.equal(parsed.kind, 'ConfigMap');
    assert.deepEqual(parsed.data, { k: 'v' });
    assert.ok(!cm.toString().includes('\n'), 'compact JSON');

    const keys = backupKeys('shop-1');
    const puts = store.calls.filter((c) => c.method === 'put').map((c) => c.key);
    assert.equal(puts[0], keys.contents);
    assert.equal(puts.at(-1), keys.metadata);
    assert.deepEqual(
      new Set(puts),
      new Set([
        keys.contents,
        keys.log,
        keys.resourceList,
        keys.results,
        keys.volumeInfo,
        keys.podVolumeBackups,
        keys.volumeSnapshots,
        keys.itemOperations,
        keys.metadata,
      ]),
    );

    const metadata = JSON.parse((await store.getBuffer(keys.metadata)).toString());
    assert.equal(metadata.apiVersion, 'lifeboat.io/v1');
    assert.equal(metadata.kind, 'Backup');
    assert.equal(metadata.status.phase, 'Completed');
    assert.equal(metadata.spec.ttl, '720h0m0s');
    assert.equal(metadata.status.progress.itemsBackedUp, status.progress?.itemsBackedUp);

    const list = gunzipJson(await store.getBuffer(keys.resourceList)) as Record<string, string[]>;
    assert.deepEqual(list['v1/ConfigMap'], ['blog/theme', 'shop/prices']);
    assert.deepEqual(list['v1/PersistentVolume'], ['pv-data']);
    assert.deepEqual(list['example.com/v1/Gadget'], ['blog/g1']);
    assert.deepEqual(list['v1/Namespace'], ['blog', 'shop']);

    const volumes = gunzipJson(await store.getBuffer(keys.volumeInfo)) as Record<string, unknown>[];
    assert.equal(volumes.length, 1);
    assert.equal(volumes[0].pvcName, 'data');
    assert.equal(volumes[0].pvName, 'pv-data');
    assert.equal(volumes[0].skipped, true);
    assert.equal(volumes[0].skippedReason, 'volume data is not backed up yet');

    assert.equal(gunzipSync(await store.getBuffer(keys.podVolumeBackups)).toString(), 'null\n');
    assert.deepEqual(gunzipJson(await store.getBuffer(keys.results)), { errors: {}, warnings: {} });

    const log = gunzipSync(await store.getBuffer(keys.log)).toString();
    const lines = log
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.ok(lines.some((l) => l.msg === 'backup finished'));
    assert.ok(!log.includes(SECRET_VALUE) && !log.includes(Buffer.from(SECRET_VALUE).toString('base64')));

    assert.equal(status.progress?.itemsBackedUp, entries.length > 0 ? (entries.length - 1) / 2 : 0);
    assert.equal(progress.at(-1), status.progress?.itemsBackedUp);
  });

  test('dry run counts by resource and namespace and writes nothing', async () => {
    const store = freshStore();
    const { status } = await runBackup(
      backup('dry', { includedNamespaces: ['blog'], dryRun: true }),
      deps(cluster, store),
    );
    assert.equal(status.phase, 'Completed');
    const summary = status.dryRunSummary!;
    assert.equal(summary.resources?.configmaps, 1);
    assert.equal(summary.resources?.['gadgets.example.com'], 1);
    assert.equal(summary.resources?.['customresourcedefinitions.apiextensions.k8s.io'], 1);
    assert.equal(summary.namespaces?.[''], 2); // the namespace object and the CRD
    assert.equal(
      summary.totalItems,
      Object.values(summary.resources ?? {}).reduce((a, b) => a + b, 0),
    );
    const keys: string[] = [];
    for await (const o of store.list('')) keys.push(o.key);
    assert.deepEqual(keys, []);
  });

  test('an item action that fails makes the backup PartiallyFailed, filed under the namespace', async () => {
    const store = freshStore();
    const broken: BackupItemAction = {
      name: 'example.com/broken',
      appliesTo: () => ({ includedResources: ['configmaps'], includedNamespaces: ['blog'] }),
      async execute(item) {
        if (item.metadata?.name === 'theme') throw new Error('cannot handle themes');
        return { item };
      },
    };
    const { status } = await runBackup(
      backup('partial', { includedNamespaces: ['shop', 'blog'] }),
      deps(cluster, store, { actions: [broken] }),
    );
    assert.equal(status.phase, 'PartiallyFailed');
    assert.equal(status.errors, 1);
    const results = gunzipJson(await store.getBuffer(backupKeys('partial').results)) as {
      errors: { namespaces: Record<string, string[]> };
    };
    assert.equal(results.errors.namespaces.blog.length, 1);
    assert.match(results.errors.namespaces.blog[0], /name: \/theme .*cannot handle themes/);
    const names = (await tarballOf(store, 'partial')).map((e) => e.name);
    assert.ok(!names.includes('resources/configmaps/namespaces/blog/theme.json'));
    assert.ok(names.includes('resources/configmaps/namespaces/shop/prices.json'));
    assert.ok(await store.exists(backupKeys('partial').metadata));
  });

  test('a list the API server refuses makes the backup PartiallyFailed, the rest is backed up', async () => {
    const store = freshStore();
    const fault = cluster.sim.faults.add({ resource: 'secrets', verb: 'list', error: 500 });
    try {
      const { status } = await runBackup(
        backup('no-secrets', { includedNamespaces: ['shop'] }),
        deps(cluster, store),
      );
      assert.equal(status.phase, 'PartiallyFailed');
      assert.ok(fault.hits > 0);
      const results = gunzipJson(await store.getBuffer(backupKeys('no-secrets').results)) as {
        errors: { namespaces: Record<string, string[]> };
      };
      assert.match(results.errors.namespaces.shop[0], /resource: \/secrets .*cannot list secrets/);
      const names = (await tarballOf(store, 'no-secrets')).map((e) => e.name);
      assert.ok(names.includes('resources/configmaps/namespaces/shop/prices.json'));
      assert.ok(!names.some((n) => n.startsWith('resources/secrets/')));
    } finally {
      fault.remove();
    }
  });

  test('a storage failure before the metadata leaves nothing that looks like a backup', async () => {
    const inner = freshStore();
    const keys = backupKeys('broken');
    const store = createFaultyObjectStore(inner, [{ method: 'put', key: keys.results, action: 'throw' }]);
    const { status } = await runBackup(backup('broken'), deps(cluster, store));
    assert.equal(status.phase, 'Failed');
    assert.ok(status.failureReason);
    const left: string[] = [];
    for await (const o of inner.list('')) left.push(o.key);
    assert.deepEqual(left, [keys.log], 'only the log is kept');
  });

  test('a tarball upload that fails stops the collection and fails the backup', async () => {
    const inner = freshStore();
    const keys = backupKeys('no-upload');
    const store = createFaultyObjectStore(inner, [{ method: 'put', key: keys.contents, action: 'throw' }]);
    const { status } = await runBackup(backup('no-upload'), deps(cluster, store, { pageSize: 1 }));
    assert.equal(status.phase, 'Failed');
    assert.match(status.failureReason ?? '', /.+/);
    assert.equal(await inner.exists(keys.metadata), false);
    assert.equal(await inner.exists(keys.contents), false);
    assert.equal(await inner.exists(keys.resourceList), false);
  });

  test('a backup whose name already exists in storage fails without touching it', async () => {
    const store = freshStore();
    const keys = backupKeys('twice');
    await store.put(keys.metadata, '{}');
    const { status } = await runBackup(backup('twice'), deps(cluster, store));
    assert.equal(status.phase, 'Failed');
    assert.match(status.failureReason ?? '', /already exists/);
    assert.equal((await store.getBuffer(keys.metadata)).toString(), '{}');
    assert.equal(await store.exists(keys.contents), false);
  });

  test('an abort stops the backup and removes what was written', async () => {
    const store = freshStore();
    const controller = new AbortController();
    controller.abort(new Error('server shutting down'));
    const { status } = await runBackup(
      backup('aborted'),
      deps(cluster, store, { signal: controller.signal }),
    );
    assert.equal(status.phase, 'Failed');
    assert.equal(await store.exists(backupKeys('aborted').metadata), false);
    assert.equal(await store.exists(backupKeys('aborted').contents), false);
  });
});
