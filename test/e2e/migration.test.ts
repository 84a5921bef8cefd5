/**
 * Migration: two kubesim clusters, each with Lifeboat installed by `lifeboat install` against the same
 * bucket. A backup taken in the first exists in the second only in storage (no Backup resource there); a
 * restore in the second must find it, create the CRD the second cluster lacks before its custom resources,
 * and bring every object back equal.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareSnapshots } from '../../src/cli/commands/dev/compare.ts';
import { comparisonLines } from '../../src/cli/commands/dev/report.ts';
import { sampleApp, sampleCrd, sampleCustomResources } from '../../src/cli/commands/dev/sample-app.ts';
import { fsStorage, SERVER_NAMESPACE, startLifeboatEnv } from '../support/lifeboat-env.ts';

const CRD_NAME = 'featureflags.shop.example.com';
const CRD = [{ resource: 'customresourcedefinitions.apiextensions.k8s.io', name: CRD_NAME }];

test('a backup made in one cluster restores into another that shares the bucket and lacks the CRD', async () => {
  const storage = fsStorage('shared');
  const [source, target] = await Promise.all([startLifeboatEnv({ storage }), startLifeboatEnv({ storage })]);
  try {
    // The `shop` namespace of the sample application (the StatefulSet's claims need the simulated cluster).
    const shop = sampleApp().filter(
      (o) => o.metadata.namespace === 'shop' || (o.kind === 'Namespace' && o.metadata.name === 'shop'),
    );
    await source.apply([sampleCrd, ...shop, ...sampleCustomResources()]);
    const before = await source.snapshot(['shop'], CRD);
    assert.ok(before.size >= 12, `${before.size} objects to migrate`);

    const backup = await source.cli(
      'backup',
      'create',
      'move-shop',
      '--include-namespaces',
      'shop',
      '--wait',
    );
    assert.equal(backup.code, 0, backup.stdout + backup.stderr);

    const crds = (await target.catalog()).resolve('customresourcedefinitions.apiextensions.k8s.io')!;
    assert.equal(await target.client.get(crds, undefined, CRD_NAME), undefined, 'the target lacks the CRD');
    assert.equal(
      await target.getLifeboat('Backup', 'move-shop'),
      undefined,
      'the target has no Backup resource',
    );

    // The CLI, as Velero's, wants the Backup resource first (backup sync brings it within a sync period)…
    const early = await target.cli('restore', 'create', 'too-early', '--from-backup', 'move-shop');
    assert.notEqual(early.code, 0);
    assert.match(early.stderr, /backup "move-shop" not found/);
    // …while a Restore applied as a manifest makes the server look the backup up in storage at once.
    await target.apply([
      {
        apiVersion: 'lifeboat.io/v1',
        kind: 'Restore',
        metadata: { namespace: SERVER_NAMESPACE, name: 'arrive' },
        spec: { backupName: 'move-shop' },
      },
    ]);
    const status = await target.waitPhase('Restore', 'arrive');
    assert.equal(status.phase, 'Completed', JSON.stringify(status));

    const after = await target.snapshot(['shop'], CRD);
    const comparison = compareSnapshots(before, after);
    assert.equal(comparison.matched, comparison.expected, comparisonLines(comparison).join('\n'));
    assert.equal(comparison.byResource['featureflags.shop.example.com'], 2);

    // Imported by that lookup, the backup is now usable from the CLI: a second copy into a mapped namespace.
    const copy = await target.cli(
      'restore',
      'create',
      'arrive-copy',
      '--from-backup',
      'move-shop',
      '--namespace-mappings',
      'shop:shop-2',
      '--wait',
    );
    assert.equal(copy.code, 0, copy.stdout + copy.stderr);
    const mapped = compareSnapshots(before, await target.snapshot(['shop-2'], CRD), { shop: 'shop-2' });
    assert.equal(mapped.matched, mapped.expected, comparisonLines(mapped).join('\n'));

    // The backup is listed in the target.
    const listed = await target.cli('backup', 'get');
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /move-shop\s+Completed/);
  } finally {
    await Promise.all([source.stop(), target.stop()]);
    storage.cleanup();
  }
});
