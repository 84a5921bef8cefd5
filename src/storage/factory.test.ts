import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { isLifeboatError } from '../core/errors.ts';
import { createObjectStore, normalizeProvider, parseEnvFile } from './factory.ts';

const scratch = mkdtempSync(join(tmpdir(), 'lifeboat-factory-'));

/** An HTTP server that records requests and answers every one as a successful upload. */
let server: Server;
let endpoint: string;
const seen: { method?: string; url?: string; headers: IncomingHttpHeaders }[] = [];

before(async () => {
  server = createServer((req, res) => {
    seen.push({ method: req.method, url: req.url, headers: req.headers });
    req.resume();
    req.on('end', () => {
      res.writeHead(req.method === 'PUT' ? 201 : 200, {
        etag: '"0x8D0"',
        'last-modified': new Date().toUTCString(),
        'content-length': '0',
      });
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(scratch, { recursive: true, force: true });
});

const invalid = (field: string) => (e: unknown) => isLifeboatError(e, 'Invalid') && e.field === field;

describe('createObjectStore', () => {
  test('fs: the bucket is a directory under config root, the prefix below it', async () => {
    const store = await createObjectStore('fs', 'default', 'cluster-a', { root: scratch });
    await store.put('backups/b/velero-backup.json', '{}');
    assert.equal(readFileSync(join(scratch, 'default/cluster-a/backups/b/velero-backup.json'), 'utf8'), '{}');
    assert.equal(store.provider, 'fs');
    const signed = await createObjectStore('lifeboat.io/fs', 'default', '', { root: scratch }, undefined, {
      fsSigner: async (key) => `http://server/dl/${key}`,
    });
    assert.equal(await signed.signedUrl('backups/b/b.tar.gz', 1000), 'http://server/dl/backups/b/b.tar.gz');
    await assert.rejects(createObjectStore('fs', 'default', '', {}), invalid('spec.config.root'));
    await assert.rejects(
      createObjectStore('fs', '../up', '', { root: scratch }),
      invalid('spec.objectStorage.bucket'),
    );
  });

  test("aws: Velero's config keys and an AWS credentials file reach the wire", async () => {
    const store = await createObjectStore(
      'velero.io/aws',
      'my-bucket',
      '/pre/',
      {
        region: 'eu-west-3',
        s3Url: endpoint,
        s3ForcePathStyle: 'true',
        profile: 'backup',
        kmsKeyId: 'alias/lifeboat',
        tagging: 'team=storage',
        signatureVersion: '4',
      },
      '[default]\naws_access_key_id=AKIDDEFAULT\naws_secret_access_key=x\n[backup]\naws_access_key_id=AKIDBACKUP\naws_secret_access_key=secret-of-backup\n',
    );
    seen.length = 0;
    await store.put('backups/b/velero-backup.json', '{}');
    const request = seen[0];
    assert.equal(request.method, 'PUT');
    assert.equal(request.url?.split('?')[0], '/my-bucket/pre/backups/b/velero-backup.json');
    assert.match(
      String(request.headers.authorization),
      /Credential=AKIDBACKUP\/\d{8}\/eu-west-3\/s3\/aws4_request/,
    );
    assert.equal(request.headers['x-amz-server-side-encryption'], 'aws:kms');
    assert.equal(request.headers['x-amz-server-side-encryption-aws-kms-key-id'], 'alias/lifeboat');
    assert.equal(request.headers['x-amz-tagging'], 'team=storage');
    await store.close?.();
  });

  test('aws: unsupported or malformed config is Invalid naming the key', async () => {
    await assert.rejects(
      createObjectStore('aws', 'b', '', { s3Url: endpoint, bogus: '1' }),
      invalid('spec.config.bogus'),
    );
    await assert.rejects(
      createObjectStore('aws', 'b', '', { s3ForcePathStyle: 'yes' }),
      invalid('spec.config.s3ForcePathStyle'),
    );
    await assert.rejects(
      createObjectStore('aws', 'b', '', { customerKeyEncryptionFile: '/k' }),
      invalid('spec.config.customerKeyEncryptionFile'),
    );
    await assert.rejects(
      createObjectStore('aws', 'b', '', { caCert: 'not a cert' }),
      invalid('spec.config.caCert'),
    );
    await assert.rejects(
      createObjectStore('aws', 'b', '', { signatureVersion: '1' }),
      invalid('spec.config.signatureVersion'),
    );
    await assert.rejects(createObjectStore('gcp', 'b', '', {}), invalid('spec.provider'));
  });

  test('azure: account key from the credentials (custom variable), account URI as endpoint', async () => {
    const store = await createObjectStore(
      'azure',
      'velero-container',
      'cluster-a',
      {
        storageAccount: 'acct',
        storageAccountURI: `${endpoint}/acct`,
        storageAccountKeyEnvVar: 'MY_KEY',
        resourceGroup: 'rg',
        subscriptionId: 'sub',
      },
      `AZURE_SUBSCRIPTION_ID=sub\nMY_KEY="${Buffer.from('k'.repeat(64)).toString('base64')}"\n`,
    );
    seen.length = 0;
    await store.put('backups/b/velero-backup.json', '{}');
    assert.equal(seen[0].method, 'PUT');
    assert.equal(seen[0].url?.split('?')[0], '/acct/velero-container/cluster-a/backups/b/velero-backup.json');
    assert.match(String(seen[0].headers.authorization), /^SharedKey acct:/);
  });

  test('azure: credentials from a credentialsFile path or the environment; none is Invalid', async () => {
    const file = join(scratch, 'azure-credentials');
    writeFileSync(
      file,
      `AZURE_STORAGE_ACCOUNT_ACCESS_KEY=${Buffer.from('f'.repeat(64)).toString('base64')}\n`,
    );
    const fromFile = await createObjectStore('azure', 'c1', '', {
      storageAccount: 'acct',
      storageAccountURI: `${endpoint}/acct`,
      credentialsFile: file,
    });
    seen.length = 0;
    await fromFile.put('k', 'v');
    assert.match(String(seen[0].headers.authorization), /^SharedKey acct:/);
    const fromEnv = await createObjectStore(
      'azure',
      'c1',
      '',
      { storageAccount: 'acct', storageAccountURI: `${endpoint}/acct` },
      undefined,
      { env: { AZURE_STORAGE_ACCOUNT_ACCESS_KEY: Buffer.from('e'.repeat(64)).toString('base64') } },
    );
    assert.equal(fromEnv.provider, 'azure');
    await assert.rejects(
      createObjectStore('azure', 'c1', '', { storageAccount: 'acct' }),
      invalid('spec.credential'),
    );
    await assert.rejects(
      createObjectStore('azure', 'c1', '', { storageAccount: 'acct', useAAD: 'true' }, 'X=1'),
      invalid('spec.config.useAAD'),
    );
    await assert.rejects(
      createObjectStore(
        'azure',
        'c1',
        '',
        { storageAccount: 'acct', blockSizeInBytes: '-5' },
        `${'AZURE_STORAGE_ACCOUNT_ACCESS_KEY'}=a2V5`,
      ),
      invalid('spec.config.blockSizeInBytes'),
    );
  });
});

test('provider names normalize; env files parse', () => {
  assert.equal(normalizeProvider('velero.io/azure'), 'azure');
  assert.equal(normalizeProvider('aws'), 'aws');
  assert.deepEqual(
    [...parseEnvFile("# comment\nexport A=1\nB = 'two'\n\nC=x=y\nnot a line\n").entries()],
    [
      ['A', '1'],
      ['B', 'two'],
      ['C', 'x=y'],
    ],
  );
});
