import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { BlobServiceClient } from '@azure/storage-blob';
import { pino } from 'pino';
import { type Azurite, startAzurite } from '../../test/support/azurite.ts';
import { type S3rver, startS3rver } from '../../test/support/s3rver.ts';
import { LIFEBOAT_RESOURCES, SECRETS } from '../controllers/resources.ts';
import { eventually } from '../controllers/testing.ts';
import { connect, createDynamicClient, discoverResources } from '../kube/index.ts';
import { ensureCrds } from '../kube/lifeboat-client.ts';
import type { DynamicClient, KubeObject } from '../kube/types.ts';
import { type Kubesim, startKubesim } from '../kubesim/index.ts';
import { parseServerConfig } from './config.ts';
import { startServer } from './index.ts';

const NS = 'lifeboat';
let sim: Kubesim;
let s3: S3rver;
let azurite: Azurite;
let client: DynamicClient;

before(async () => {
  [sim, s3, azurite] = await Promise.all([startKubesim({ cluster: false }), startS3rver(), startAzurite()]);
  await s3.createBucket('lifeboat-backups');
  await BlobServiceClient.fromConnectionString(azurite.connectionString).createContainer('lifeboat-blobs');
  const conn = connect(sim.kubeconfigPath);
  client = createDynamicClient(conn);
  const catalog = await discoverResources(conn);
  await ensureCrds(client);
  for (const name of [NS, 'shop'])
    await client.create(catalog.resolve('namespaces')!, {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name },
    });
  await client.create(catalog.resolve('configmaps')!, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { namespace: 'shop', name: 'prices' },
    data: { apple: '1' },
  });
  // The install-time default Secret: used by a location that names no credential.
  const file = `[default]\naws_access_key_id = ${s3.accessKeyId}\naws_secret_access_key = ${s3.secretAccessKey}\n`;
  await client.create(SECRETS, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { namespace: NS, name: 'cloud-credentials' },
    data: { cloud: Buffer.from(file).toString('base64') },
  });
  await client.create(SECRETS, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { namespace: NS, name: 'azure-credentials' },
    data: {
      cloud: Buffer.from(`AZURE_STORAGE_ACCOUNT_ACCESS_KEY=${azurite.accountKey}\n`).toString('base64'),
    },
  });
  await client.create(LIFEBOAT_RESOURCES.BackupStorageLocation, {
    apiVersion: 'lifeboat.io/v1',
    kind: 'BackupStorageLocation',
    metadata: { namespace: NS, name: 'blobs' },
    spec: {
      provider: 'azure',
      objectStorage: { bucket: 'lifeboat-blobs' },
      credential: { name: 'azure-credentials', key: 'cloud' },
      config: { storageAccount: azurite.accountName, storageAccountURI: azurite.blobEndpoint },
    },
  });
  await client.create(LIFEBOAT_RESOURCES.BackupStorageLocation, {
    apiVersion: 'lifeboat.io/v1',
    kind: 'BackupStorageLocation',
    metadata: { namespace: NS, name: 'default' },
    spec: {
      provider: 'aws',
      objectStorage: { bucket: 'lifeboat-backups', prefix: 'cluster-a' },
      config: { region: s3.region, s3Url: s3.endpoint, s3ForcePathStyle: 'true' },
    },
  });
});

after(async () => {
  await Promise.all([sim.stop(), s3.stop(), azurite.stop()]);
});

test('through S3 (s3rver) and Azure (Azurite) locations: available, backups complete, downloads through signed URLs', async () => {
  const server = await startServer(
    parseServerConfig({
      namespace: NS,
      kubeconfig: sim.kubeconfigPath,
      metricsAddress: '127.0.0.1:0',
      leaderElection: false,
      logLevel: 'silent',
    }),
    { logger: pino({ level: 'silent' }) },
  );
  const statusOf = async (resource: keyof typeof LIFEBOAT_RESOURCES, name: string, phases: string[]) =>
    eventually(`${name} in ${phases}`, async () => {
      const object: KubeObject | undefined = await client.get(LIFEBOAT_RESOURCES[resource], NS, name);
      const status = (object?.status ?? {}) as Record<string, unknown>;
      return phases.includes(String(status.phase)) ? status : undefined;
    });
  try {
    const bsl = await statusOf('BackupStorageLocation', 'default', ['Available', 'Unavailable']);
    assert.equal(bsl.phase, 'Available', String(bsl.message));
    await client.create(LIFEBOAT_RESOURCES.Backup, {
      apiVersion: 'lifeboat.io/v1',
      kind: 'Backup',
      metadata: { namespace: NS, name: 'shop-1' },
      spec: { includedNamespaces: ['shop'] },
    });
    const backup = await statusOf('Backup', 'shop-1', ['Completed', 'PartiallyFailed', 'Failed']);
    assert.equal(backup.phase, 'Completed', JSON.stringify(backup));
    await client.create(LIFEBOAT_RESOURCES.DownloadRequest, {
      apiVersion: 'lifeboat.io/v1',
      kind: 'DownloadRequest',
      metadata: { namespace: NS, name: 'shop-1-contents' },
      spec: { target: { kind: 'BackupContents', name: 'shop-1' } },
    });
    const download = await statusOf('DownloadRequest', 'shop-1-contents', ['Processed']);
    const url = String(download.downloadURL);
    assert.ok(url.startsWith(`${s3.endpoint}/lifeboat-backups/cluster-a/backups/shop-1/shop-1.tar.gz`), url);
    const res = await fetch(url);
    assert.equal(res.status, 200);
    const bytes = Buffer.from(await res.arrayBuffer());
    assert.deepEqual([...bytes.subarray(0, 2)], [0x1f, 0x8b]);

    // The same through an Azure location (Azurite), with the location's own credential Secret.
    assert.equal(
      (await statusOf('BackupStorageLocation', 'blobs', ['Available', 'Unavailable'])).phase,
      'Available',
    );
    await client.create(LIFEBOAT_RESOURCES.Backup, {
      apiVersion: 'lifeboat.io/v1',
      kind: 'Backup',
      metadata: { namespace: NS, name: 'shop-azure' },
      spec: { includedNamespaces: ['shop'], storageLocation: 'blobs' },
    });
    assert.equal(
      (await statusOf('Backup', 'shop-azure', ['Completed', 'PartiallyFailed', 'Failed'])).phase,
      'Completed',
    );
    await client.create(LIFEBOAT_RESOURCES.DownloadRequest, {
      apiVersion: 'lifeboat.io/v1',
      kind: 'DownloadRequest',
      metadata: { namespace: NS, name: 'shop-azure-log' },
      spec: { target: { kind: 'BackupLog', name: 'shop-azure' } },
    });
    const azureUrl = String((await statusOf('DownloadRequest', 'shop-azure-log', ['Processed'])).downloadURL);
    assert.ok(azureUrl.startsWith(`${azurite.blobEndpoint}/lifeboat-blobs/backups/shop-azure/`), azureUrl);
    assert.match(azureUrl, /[?&]sig=/);
    const log = await fetch(azureUrl);
    assert.equal(log.status, 200);
    assert.deepEqual([...Buffer.from(await log.arrayBuffer()).subarray(0, 2)], [0x1f, 0x8b]);
  } finally {
    await server.stop();
  }
});
