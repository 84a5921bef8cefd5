import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { pino } from 'pino';
import { type S3rver, startS3rver } from '../../test/support/s3rver.ts';
import { LIFEBOAT_RESOURCES, SECRETS } from '../controllers/resources.ts';
import { eventually, installCrds } from '../controllers/testing.ts';
import { connect, createDynamicClient, discoverResources } from '../kube/index.ts';
import type { DynamicClient, KubeObject } from '../kube/types.ts';
import { type Kubesim, startKubesim } from '../kubesim/index.ts';
import { parseServerConfig } from './config.ts';
import { startServer } from './index.ts';

const NS = 'lifeboat';
let sim: Kubesim;
let s3: S3rver;
let client: DynamicClient;

before(async () => {
  [sim, s3] = await Promise.all([startKubesim({ cluster: false }), startS3rver()]);
  await s3.createBucket('lifeboat-backups');
  const conn = connect(sim.kubeconfigPath);
  client = createDynamicClient(conn);
  const catalog = await discoverResources(conn);
  await installCrds(client, catalog.resolve('customresourcedefinitions.apiextensions.k8s.io')!);
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
  await Promise.all([sim.stop(), s3.stop()]);
});

test('through an S3 location: available, backup completes, contents download through a presigned URL', async () => {
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
  } finally {
    await server.stop();
  }
});
