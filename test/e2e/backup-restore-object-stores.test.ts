/**
 * One round trip per cloud backend, end to end: `lifeboat install --provider aws|azure` with a credentials
 * file, the server in process, a backup and a mapped restore through the CLI, every object compared, and
 * the backup's objects checked in the bucket itself. S3 is s3rver, Azure is Azurite, both child processes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BlobServiceClient } from '@azure/storage-blob';
import { compareSnapshots } from '../../src/cli/commands/dev/compare.ts';
import { comparisonLines } from '../../src/cli/commands/dev/report.ts';
import { sampleApp, sampleCrd, sampleCustomResources } from '../../src/cli/commands/dev/sample-app.ts';
import { backupKeys } from '../../src/storage/index.ts';
import { startAzurite } from '../support/azurite.ts';
import { type StorageTarget, startLifeboatEnv } from '../support/lifeboat-env.ts';
import { startS3rver } from '../support/s3rver.ts';

const CRD = [
  { resource: 'customresourcedefinitions.apiextensions.k8s.io', name: 'featureflags.shop.example.com' },
];

/** Backs up `shop`, restores it as `shop-restored`, compares, and checks the backup's keys in the bucket. */
async function roundTrip(storage: StorageTarget): Promise<void> {
  const env = await startLifeboatEnv({ storage });
  try {
    const shop = sampleApp().filter(
      (o) => o.metadata.namespace === 'shop' || (o.kind === 'Namespace' && o.metadata.name === 'shop'),
    );
    await env.apply([sampleCrd, ...shop, ...sampleCustomResources()]);
    const before = await env.snapshot(['shop'], CRD);

    const location = await env.cli('backup-location', 'get', 'default');
    assert.equal(location.code, 0, location.stderr);
    assert.match(location.stdout, new RegExp(`default\\s+${storage.provider}\\s+${storage.bucket}`));

    const backup = await env.cli('backup', 'create', 'cloud', '--include-namespaces', 'shop', '--wait');
    assert.equal(backup.code, 0, backup.stdout + backup.stderr);
    assert.match(backup.stdout, /Completed/);

    const store = await env.store();
    try {
      const keys: string[] = [];
      for await (const object of store.list(backupKeys('cloud').dir)) keys.push(object.key);
      for (const key of ['metadata', 'contents', 'log', 'resourceList', 'results'] as const)
        assert.ok(
          keys.includes(backupKeys('cloud')[key]),
          `${backupKeys('cloud')[key]} in ${keys.join(', ')}`,
        );
    } finally {
      await store.close?.();
    }

    const restore = await env.cli(
      'restore',
      'create',
      'cloud-copy',
      '--from-backup',
      'cloud',
      '--namespace-mappings',
      'shop:shop-restored',
      '--wait',
    );
    assert.equal(restore.code, 0, restore.stdout + restore.stderr);
    const comparison = compareSnapshots(before, await env.snapshot(['shop-restored'], CRD), {
      shop: 'shop-restored',
    });
    assert.equal(comparison.matched, comparison.expected, comparisonLines(comparison).join('\n'));
    assert.ok(comparison.expected >= 12);

    const logs = await env.cli('restore', 'logs', 'cloud-copy');
    assert.equal(logs.code, 0, logs.stderr);
    assert.ok(logs.stdout.length > 0, 'the restore log downloads through a signed URL');
  } finally {
    await env.stop();
  }
}

test('S3 (s3rver): install with a credentials file, backup, mapped restore, every object equal', async () => {
  const s3 = await startS3rver();
  try {
    await s3.createBucket('lifeboat-e2e');
    await roundTrip({
      provider: 'aws',
      bucket: 'lifeboat-e2e',
      prefix: 'cluster-a',
      config: { region: s3.region, s3Url: s3.endpoint, s3ForcePathStyle: 'true' },
      credentials: `[default]\naws_access_key_id = ${s3.accessKeyId}\naws_secret_access_key = ${s3.secretAccessKey}\n`,
    });
  } finally {
    await s3.stop();
  }
});

test('Azure (Azurite): install with an account key, backup, mapped restore, every object equal', async () => {
  const azurite = await startAzurite();
  try {
    await BlobServiceClient.fromConnectionString(azurite.connectionString).createContainer('lifeboat-e2e');
    await roundTrip({
      provider: 'azure',
      bucket: 'lifeboat-e2e',
      config: { storageAccount: azurite.accountName, storageAccountURI: azurite.blobEndpoint },
      credentials: `AZURE_STORAGE_ACCOUNT_ACCESS_KEY=${azurite.accountKey}\n`,
    });
  } finally {
    await azurite.stop();
  }
});
