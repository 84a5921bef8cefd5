import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { BackupSpec } from '../api/resources/backup.ts';
import { createFsObjectStore } from '../storage/fs.ts';
import { backupKeys } from '../storage/layout.ts';
import { runBackup } from './engine.ts';
import {
  backup,
  deps,
  gunzipJson,
  readTarball,
  seedSample,
  startTestCluster,
  type TestCluster,
} from './test-support.ts';

let cluster: TestCluster;
const scratch = mkdtempSync(join(tmpdir(), 'lifeboat-backup-filters-'));
let n = 0;

before(async () => {
  cluster = await startTestCluster();
  await seedSample(cluster);
});

after(async () => {
  await cluster?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

/** Backs up with `spec` (and engine options) and returns the legacy-path entries (no `-preferredversion` copies), in archive order. */
async function backUp(
  spec: BackupSpec,
  options: { pageSize?: number; concurrency?: number } = {},
): Promise<string[]> {
  const name = `f-${n++}`;
  const store = createFsObjectStore({ root: join(scratch, name), durable: false });
  const { status } = await runBackup(backup(name, spec), deps(cluster, store, options));
  assert.equal(status.phase, 'Completed', status.failureReason);
  const entries = await readTarball(await store.getBuffer(backupKeys(name).contents));
  return entries
    .map((e) => e.name)
    .filter((p) => p.startsWith('resources/') && !p.includes('-preferredversion/'))
    .map((p) => p.slice('resources/'.length, -'.json'.length));
}

/** The entries of the sample's own objects (kubesim's defaults such as kube-system left out). */
function ours(entries: string[]): string[] {
  const mine = /(shop|blog|skipme|pv-data|fast|reader|gadgets\.example\.com)(\/|$)/;
  return entries.filter((e) => mine.test(e)).sort();
}

describe('backup filters against kubesim', () => {
  test('whole cluster: cluster-scoped types listed, the labelled namespace and object left out', async () => {
    const entries = ours(await backUp({}));
    assert.deepEqual(entries, [
      'clusterroles.rbac.authorization.k8s.io/cluster/reader',
      'configmaps/namespaces/blog/theme',
      'configmaps/namespaces/shop/prices',
      'customresourcedefinitions.apiextensions.k8s.io/cluster/gadgets.example.com',
      'gadgets.example.com/namespaces/blog/g1',
      'namespaces/cluster/blog',
      'namespaces/cluster/shop',
      'persistentvolumeclaims/namespaces/shop/data',
      'persistentvolumes/cluster/pv-data',
      'pods/namespaces/shop/web',
      'secrets/namespaces/shop/db',
      'storageclasses.storage.k8s.io/cluster/fast',
    ]);
  });

  test('includeClusterResources: true adds cluster types to a namespace backup, false removes even related ones', async () => {
    const withCluster = ours(await backUp({ includedNamespaces: ['shop'], includeClusterResources: true }));
    assert.ok(withCluster.includes('storageclasses.storage.k8s.io/cluster/fast'));
    assert.ok(withCluster.includes('persistentvolumes/cluster/pv-data'));
    const without = ours(await backUp({ includeClusterResources: false }));
    assert.ok(
      !without.some((e) => e.includes('/cluster/') && !e.startsWith('namespaces/')),
      without.join(' '),
    );
    assert.ok(without.includes('persistentvolumeclaims/namespaces/shop/data'));
    assert.ok(without.includes('namespaces/cluster/shop'), 'namespaces are always kept');
  });

  test('resources by short name and kind; excluded resources', async () => {
    assert.deepEqual(ours(await backUp({ includedNamespaces: ['shop'], includedResources: ['cm', 'Pod'] })), [
      'configmaps/namespaces/shop/prices',
      'namespaces/cluster/shop',
      // The PVC's type is not included, so neither is it nor (through it) its PV.
      'pods/namespaces/shop/web',
    ]);
    const noSecrets = ours(
      await backUp({ includedNamespaces: ['s*'], excludedResources: ['secrets', 'pvc'] }),
    );
    assert.ok(!noSecrets.some((e) => e.startsWith('secrets/') || e.startsWith('persistentvolumeclaims/')));
    assert.ok(noSecrets.includes('pods/namespaces/shop/web'));
    assert.ok(!noSecrets.some((e) => e.includes('skipme')), 'a glob does not beat the exclusion label');
  });

  test('label selector: matching items, their related items, and the namespaces that hold them', async () => {
    assert.deepEqual(ours(await backUp({ labelSelector: { matchLabels: { app: 'shop' } } })), [
      'configmaps/namespaces/shop/prices',
      'namespaces/cluster/shop',
      'persistentvolumeclaims/namespaces/shop/data',
      'persistentvolumes/cluster/pv-data',
      'pods/namespaces/shop/web',
    ]);
    const either = ours(
      await backUp({
        orLabelSelectors: [{ matchLabels: { app: 'blog' } }, { matchLabels: { tier: 'disk' } }],
      }),
    );
    assert.deepEqual(either, [
      'configmaps/namespaces/blog/theme',
      'namespaces/cluster/blog',
      'persistentvolumes/cluster/pv-data',
    ]);
  });

  test('scoped filters', async () => {
    assert.deepEqual(
      ours(
        await backUp({
          includedNamespaces: ['shop'],
          includedNamespaceScopedResources: ['configmaps'],
          includedClusterScopedResources: ['storageclasses'],
        }),
      ),
      [
        'configmaps/namespaces/shop/prices',
        'namespaces/cluster/shop',
        'storageclasses.storage.k8s.io/cluster/fast',
      ],
    );
    const noCluster = ours(
      await backUp({ excludedClusterScopedResources: ['*'], includedNamespaces: ['shop'] }),
    );
    assert.ok(!noCluster.some((e) => e.includes('/cluster/')), noCluster.join(' '));
  });

  test('an engine without volume services runs no hooks: a warning says so, the backup still completes', async () => {
    const name = `f-${n++}`;
    const store = createFsObjectStore({ root: join(scratch, name), durable: false });
    const { status } = await runBackup(
      backup(name, {
        includedNamespaces: ['shop'],
        hooks: { resources: [{ name: 'freeze', pre: [{ exec: { command: ['sync'] } }] }] },
      }),
      deps(cluster, store),
    );
    assert.equal(status.phase, 'Completed');
    assert.equal(status.warnings, 1);
    const results = gunzipJson(await store.getBuffer(backupKeys(name).results)) as {
      warnings: { velero: string[] };
    };
    assert.deepEqual(results.warnings.velero, [
      'spec.hooks: no hook ran: this engine was started without pod exec (volume services)',
    ]);
  });

  test('pages of one item and one list at a time back up the same objects', async () => {
    const whole = (await backUp({})).sort();
    const paged = (await backUp({}, { pageSize: 1, concurrency: 1 })).sort();
    assert.deepEqual(paged, whole);
    const wide = (await backUp({}, { pageSize: 2, concurrency: 16 })).sort();
    assert.deepEqual(wide, whole);
  });

  test('orderedResources puts the named objects first, in the order given', async () => {
    const entries = await backUp({
      includedResources: ['configmaps'],
      orderedResources: { configmaps: 'shop/prices,blog/theme' },
    });
    const cms = entries.filter((e) => e.startsWith('configmaps/'));
    assert.deepEqual(cms.slice(0, 2), [
      'configmaps/namespaces/shop/prices',
      'configmaps/namespaces/blog/theme',
    ]);
  });
});
