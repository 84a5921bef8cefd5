import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { type S3rver, startS3rver } from '../../test/support/s3rver.ts';
import { backupKeys } from '../storage/layout.ts';
import { createS3ObjectStore, type S3ObjectStore } from '../storage/s3.ts';
import { runBackup } from './engine.ts';
import {
  backup,
  configMap,
  deps,
  gunzipJson,
  readTarball,
  seedSample,
  startTestCluster,
  type TestCluster,
} from './test-support.ts';

let cluster: TestCluster;
let server: S3rver;
let store: S3ObjectStore;

before(async () => {
  [cluster, server] = await Promise.all([startTestCluster(), startS3rver()]);
  await server.createBucket('backups');
  store = createS3ObjectStore({
    bucket: 'backups',
    prefix: 'cluster-a',
    region: server.region,
    endpoint: server.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    partSize: 5 * 1024 * 1024,
  });
  await seedSample(cluster);
  // Incompressible data, so the tarball spans several multipart parts.
  for (let i = 0; i < 7; i++)
    await cluster.create(
      configMap('blog', `noise-${i}`, undefined, { blob: randomBytes(450_000).toString('base64') }),
    );
});

after(async () => {
  await store?.close();
  await Promise.all([cluster?.stop(), server?.stop()]);
});

test('a backup streams into S3 as a multipart upload, side files and metadata beside it', async () => {
  const { status } = await runBackup(
    backup('to-s3', { includedNamespaces: ['blog', 'shop'] }),
    deps(cluster, store),
  );
  assert.equal(status.phase, 'Completed', status.failureReason);
  const keys = backupKeys('to-s3');
  const listed: string[] = [];
  for await (const o of store.list(keys.dir)) listed.push(o.key);
  assert.deepEqual(
    listed.sort(),
    [
      keys.contents,
      keys.itemOperations,
      keys.log,
      keys.podVolumeBackups,
      keys.resourceList,
      keys.results,
      keys.volumeInfo,
      keys.volumeSnapshots,
      keys.metadata,
    ].sort(),
  );
  const tarball = await store.getBuffer(keys.contents);
  assert.ok(tarball.length > 5 * 1024 * 1024, `tarball of ${tarball.length} bytes should span parts`);
  const entries = await readTarball(tarball);
  const names = new Set(entries.map((e) => e.name));
  assert.ok(names.has('resources/configmaps/namespaces/blog/noise-6.json'));
  assert.ok(names.has('resources/configmaps/v1-preferredversion/namespaces/blog/noise-0.json'));
  assert.ok(names.has('resources/persistentvolumes/cluster/pv-data.json'));
  const list = gunzipJson(await store.getBuffer(keys.resourceList)) as Record<string, string[]>;
  assert.equal(list['v1/ConfigMap'].length, 9);
  const metadata = JSON.parse((await store.getBuffer(keys.metadata)).toString());
  assert.equal(metadata.status.phase, 'Completed');
});
