import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import {
  BlobServiceClient,
  ContainerSASPermissions,
  generateBlobSASQueryParameters,
  StorageSharedKeyCredential,
} from '@azure/storage-blob';
import { type Azurite, startAzurite } from '../../test/support/azurite.ts';
import { isLifeboatError, type LifeboatError } from '../core/errors.ts';
import { type AzureObjectStoreOptions, createAzureObjectStore } from './azure.ts';
import { translateAzureError } from './azure-errors.ts';
import { runObjectStoreConformance } from './conformance.ts';

let server: Azurite;
let containers = 0;

before(async () => {
  server = await startAzurite();
});

after(async () => {
  await server?.stop();
});

async function freshContainer(): Promise<string> {
  const name = `conformance-${containers++}`;
  await BlobServiceClient.fromConnectionString(server.connectionString).createContainer(name);
  return name;
}

function keyed(options: Partial<AzureObjectStoreOptions> & { container: string }) {
  return createAzureObjectStore({
    accountName: server.accountName,
    accountKey: server.accountKey,
    endpoint: server.blobEndpoint,
    ...options,
  });
}

runObjectStoreConformance({
  name: 'azure (azurite)',
  create: async () =>
    keyed({
      container: await freshContainer(),
      prefix: 'velero/cluster-a',
      // Azure's default page is 5000 blobs; small pages make the pagination test cross several with few keys
      // (Azurite takes about 20 ms per upload here, so 1100 keys would cost half a minute).
      listPageSize: 70,
    }),
  cleanup: async () => undefined,
  manyKeys: 300,
  // Azurite sorts blob names as JavaScript strings (UTF-16 code units).
  listOrder: 'utf16',
});

describe('azure object store specifics', () => {
  test('a connection string works and keys live under the prefix', async () => {
    const container = await freshContainer();
    const store = createAzureObjectStore({
      container,
      prefix: 'p/q',
      connectionString: server.connectionString,
    });
    await store.put('backups/b/velero-backup.json', '{"kind":"Backup"}', { contentType: 'application/json' });
    const raw = BlobServiceClient.fromConnectionString(server.connectionString).getContainerClient(container);
    const properties = await raw.getBlobClient('p/q/backups/b/velero-backup.json').getProperties();
    assert.equal(properties.contentType, 'application/json');
    assert.ok((await store.signedUrl('backups/b/velero-backup.json', 60_000)).includes('sig='));
  });

  test('a SAS token works for data, and signed URLs then need the account key', async () => {
    const container = await freshContainer();
    const sas = generateBlobSASQueryParameters(
      {
        containerName: container,
        permissions: ContainerSASPermissions.parse('racwdl'),
        expiresOn: new Date(Date.now() + 3600_000),
      },
      new StorageSharedKeyCredential(server.accountName, server.accountKey),
    ).toString();
    const store = createAzureObjectStore({
      container,
      accountName: server.accountName,
      sasToken: `?${sas}`,
      endpoint: server.blobEndpoint,
    });
    await store.put('a/b', 'via sas');
    assert.equal((await store.getBuffer('a/b')).toString(), 'via sas');
    await assert.rejects(
      store.signedUrl('a/b', 60_000),
      (e) => isLifeboatError(e, 'Unavailable') && !e.retryable,
    );
  });

  test('a wrong account key is PermissionDenied and the key is in no message', async () => {
    const container = await freshContainer();
    const wrongKey = Buffer.alloc(64, 7).toString('base64');
    const store = keyed({ container, accountKey: wrongKey, maxTries: 1 });
    const err = await store.getBuffer('x').then(
      () => assert.fail('a wrong key was accepted'),
      (e: LifeboatError) => e,
    );
    assert.ok(isLifeboatError(err, 'PermissionDenied'), String(err));
    const everything = `${err.message} ${String(err.cause)} ${JSON.stringify(err)}`;
    assert.ok(!everything.includes(wrongKey), everything);
  });

  test('a missing container makes the location Unavailable, not NotFound', async () => {
    const store = keyed({ container: 'no-such-container', maxTries: 1 });
    await assert.rejects(store.stat('x'), (e) => isLifeboatError(e, 'Unavailable') && !e.retryable);
    await assert.rejects(store.listCommonPrefixes(''), (e) => isLifeboatError(e, 'Unavailable'));
  });

  test('an unreachable endpoint is Unavailable and retryable', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const store = keyed({
      container: 'any',
      endpoint: `http://127.0.0.1:${port}/devstoreaccount1`,
      maxTries: 1,
    });
    await assert.rejects(store.stat('x'), (e) => isLifeboatError(e, 'Unavailable') && e.retryable);
  });

  test('missing credentials are Invalid at construction', () => {
    assert.throws(
      () => createAzureObjectStore({ container: 'c', accountName: 'acct' }),
      (e) => isLifeboatError(e, 'Invalid'),
    );
    assert.throws(
      () => createAzureObjectStore({ container: 'c', accountKey: 'k' }),
      (e) => isLifeboatError(e, 'Invalid'),
    );
  });
});

test('azure error codes translate as documented, with secrets redacted', () => {
  const ctx = { op: 'put', container: 'c', key: 'k', secrets: ['s3cr3t-value'] };
  const cases: [object, string, boolean][] = [
    [{ statusCode: 404, code: 'BlobNotFound' }, 'NotFound', false],
    [{ statusCode: 404, code: 'ContainerNotFound' }, 'Unavailable', false],
    [
      { statusCode: 403, code: 'AuthenticationFailed', message: 'bad s3cr3t-value' },
      'PermissionDenied',
      false,
    ],
    [{ statusCode: 503, code: 'ServerBusy' }, 'Unavailable', true],
    [{ statusCode: 500, code: 'InternalError' }, 'Unavailable', true],
    [{ code: 'ECONNRESET', message: 'socket hang up' }, 'Unavailable', true],
    [{ statusCode: 400, code: 'InvalidResourceName' }, 'Invalid', false],
  ];
  for (const [shape, code, retryable] of cases) {
    const err = translateAzureError(Object.assign(new Error(''), shape), ctx);
    assert.equal(err.code, code, JSON.stringify(shape));
    assert.equal(err.retryable, retryable, JSON.stringify(shape));
    assert.ok(!`${err.message} ${String(err.cause)}`.includes('s3cr3t-value'));
  }
  const exists = { statusCode: 409, code: 'BlobAlreadyExists' };
  assert.equal(translateAzureError(exists, { ...ctx, conditional: true }).code, 'AlreadyExists');
  assert.equal(
    translateAzureError({ statusCode: 412, code: 'ConditionNotMet' }, { ...ctx, conditional: true }).code,
    'AlreadyExists',
  );
});
