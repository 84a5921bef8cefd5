import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { isLifeboatError } from '../../../core/errors.ts';
import { createStore, describeLocation, parseRepoLocation } from './location.ts';

test('repository locations: paths, s3 with and without scheme, azure', () => {
  assert.deepEqual(parseRepoLocation('/srv/repo'), { kind: 'local', path: '/srv/repo' });
  assert.deepEqual(parseRepoLocation('local:rel/repo'), { kind: 'local', path: resolve('rel/repo') });
  assert.deepEqual(parseRepoLocation('s3:http://127.0.0.1:9000/bucket/some/prefix/'), {
    kind: 's3',
    endpoint: 'http://127.0.0.1:9000',
    bucket: 'bucket',
    prefix: 'some/prefix',
  });
  assert.deepEqual(parseRepoLocation('s3:s3.amazonaws.com/bucket'), {
    kind: 's3',
    endpoint: undefined,
    bucket: 'bucket',
    prefix: '',
  });
  assert.deepEqual(parseRepoLocation('s3:minio.example:9000/b/p'), {
    kind: 's3',
    endpoint: 'https://minio.example:9000',
    bucket: 'b',
    prefix: 'p',
  });
  assert.deepEqual(parseRepoLocation('azure:backups:/restic/ns1'), {
    kind: 'azure',
    container: 'backups',
    prefix: 'restic/ns1',
  });
  assert.equal(describeLocation(parseRepoLocation('s3:http://h:1/b/p')), 's3:http://h:1/b/p');
  assert.equal(describeLocation(parseRepoLocation('azure:c:/p')), 'azure:c:/p');
});

test('bad or unsupported locations are usage errors that say what to write', () => {
  for (const [text, message] of [
    ['s3:http://host:9000/', /use s3:https:\/\/HOST/],
    ['s3:nobucket', /use s3:https:\/\/HOST/],
    ['azure:only', /use azure:CONTAINER:\/PREFIX/],
    ['sftp:user@host:/srv', /sftp repositories are not supported/],
    ['  ', /location is empty/],
  ] as const) {
    assert.throws(
      () => parseRepoLocation(text),
      (e) => isLifeboatError(e, 'Usage') && message.test(e.message),
      text,
    );
  }
});

test('stores are built for each kind; azure without credentials is a usage error', async () => {
  const fs = await createStore(parseRepoLocation('/tmp/x'), {});
  assert.equal(fs.provider, 'fs');
  const s3 = await createStore(parseRepoLocation('s3:http://127.0.0.1:1/b/p'), {
    AWS_ACCESS_KEY_ID: 'id',
    AWS_SECRET_ACCESS_KEY: 'secret',
  });
  assert.equal(s3.provider, 'aws');
  await s3.close?.();
  await assert.rejects(createStore(parseRepoLocation('azure:c:/p'), {}), /AZURE_STORAGE_CONNECTION_STRING/);
});
