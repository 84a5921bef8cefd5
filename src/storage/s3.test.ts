import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type S3rver, startS3rver } from '../../test/support/s3rver.ts';
import { isLifeboatError, type LifeboatError } from '../core/errors.ts';
import { runObjectStoreConformance } from './conformance.ts';
import { createS3ObjectStore, type S3ObjectStore, type S3ObjectStoreOptions } from './s3.ts';

let server: S3rver;
const stores: S3ObjectStore[] = [];
let buckets = 0;
const scratch = mkdtempSync(join(tmpdir(), 'lifeboat-s3-test-'));

before(async () => {
  server = await startS3rver();
});

after(async () => {
  for (const store of stores) await store.close();
  await server?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

function store(options: Partial<S3ObjectStoreOptions> & { bucket: string }): S3ObjectStore {
  const created = createS3ObjectStore({
    region: server.region,
    endpoint: server.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    ...options,
  });
  stores.push(created);
  return created;
}

async function freshBucket(): Promise<string> {
  const bucket = `conformance-${buckets++}`;
  await server.createBucket(bucket);
  return bucket;
}

runObjectStoreConformance({
  name: 's3 (s3rver)',
  create: async () => store({ bucket: await freshBucket() }),
  cleanup: async () => undefined,
  // s3rver does not implement conditional writes: `If-None-Match: *` is accepted and the object overwritten.
  ifNoneMatch: 'ignored',
});

runObjectStoreConformance({
  name: 's3 (s3rver) with a prefix',
  // Small pages, so that paging under a prefix is crossed many times with fewer keys.
  create: async () => store({ bucket: await freshBucket(), prefix: 'velero/cluster-a', listPageSize: 40 }),
  cleanup: async () => undefined,
  ifNoneMatch: 'ignored',
  manyKeys: 150,
});

describe('s3 object store specifics', () => {
  test('keys live under the prefix in the bucket', async () => {
    const bucket = await freshBucket();
    await store({ bucket, prefix: '/pre/fix/' }).put('backups/b1/velero-backup.json', '{}');
    const whole = store({ bucket });
    assert.equal((await whole.getBuffer('pre/fix/backups/b1/velero-backup.json')).toString(), '{}');
  });

  test('credentials come from an AWS credentials file and profile', async () => {
    const bucket = await freshBucket();
    const file = join(scratch, 'cloud');
    writeFileSync(
      file,
      `[default]\naws_access_key_id=WRONGKEYID\naws_secret_access_key=wrong-secret-value\n\n[lifeboat]\naws_access_key_id=${server.accessKeyId}\naws_secret_access_key=${server.secretAccessKey}\n`,
    );
    const good = store({ bucket, credentials: undefined, credentialsFile: file, profile: 'lifeboat' });
    await good.put('k', 'v');
    assert.equal((await good.getBuffer('k')).toString(), 'v');
    const wrong = store({ bucket, credentials: undefined, credentialsFile: file, maxAttempts: 1 });
    const err = await wrong.getBuffer('k').then(
      () => assert.fail('wrong credentials were accepted'),
      (e: LifeboatError) => e,
    );
    assert.ok(isLifeboatError(err, 'PermissionDenied'), String(err));
    assert.equal(err.retryable, false);
    const everything = `${err.message} ${String(err.cause)} ${JSON.stringify(err)}`;
    assert.ok(!everything.includes('wrong-secret-value'), everything);
    assert.ok(!everything.includes('WRONGKEYID'), everything);
    const missingProfile = store({
      bucket,
      credentials: undefined,
      credentialsFile: file,
      profile: 'absent',
    });
    await assert.rejects(
      missingProfile.stat('k'),
      (e) => isLifeboatError(e, 'Invalid') && /absent/.test(e.message),
    );
  });

  test('a missing bucket makes the location Unavailable, not NotFound', async () => {
    const missing = store({ bucket: 'no-such-bucket-here', maxAttempts: 1 });
    await assert.rejects(missing.getBuffer('x'), (e) => isLifeboatError(e, 'Unavailable') && !e.retryable);
    await assert.rejects(missing.listCommonPrefixes(''), (e) => isLifeboatError(e, 'Unavailable'));
  });

  test('an unreachable endpoint is Unavailable and retryable', async () => {
    const closed = await closedPort();
    const dead = store({ bucket: 'any-bucket', endpoint: `http://127.0.0.1:${closed}`, maxAttempts: 1 });
    await assert.rejects(dead.stat('x'), (e) => isLifeboatError(e, 'Unavailable') && e.retryable);
  });

  test('signed URLs use publicUrl when given', async () => {
    const bucket = await freshBucket();
    const publicUrl = server.endpoint.replace('127.0.0.1', 'localhost');
    const s = store({ bucket, publicUrl });
    await s.put('dl/report.json.gz', 'payload');
    const url = new URL(await s.signedUrl('dl/report.json.gz', 600_000));
    assert.equal(url.hostname, 'localhost');
    assert.equal(url.searchParams.get('X-Amz-Expires'), '600');
    const response = await fetch(url);
    assert.equal(await response.text(), 'payload');
    await assert.rejects(s.signedUrl('dl/report.json.gz', 8 * 24 * 3600 * 1000), (e) =>
      isLifeboatError(e, 'Invalid'),
    );
  });

  test('ranges starting at or past the end of an object are empty; of a missing object NotFound', async () => {
    const s = store({ bucket: await freshBucket() });
    await s.put('r', '0123');
    assert.equal((await s.getRange('r', 4, 10)).length, 0);
    await assert.rejects(s.getRange('gone', 4, 10), (e) => isLifeboatError(e, 'NotFound'));
  });
});

describe('s3 error translation against an S3 that answers with errors', () => {
  let fake: Server;
  let endpoint: string;
  const seen: { method?: string; url?: string; headers: IncomingHttpHeaders }[] = [];
  let reply: { status: number; code: string } = { status: 500, code: 'InternalError' };

  before(async () => {
    fake = createServer((req, res) => {
      seen.push({ method: req.method, url: req.url, headers: req.headers });
      req.resume();
      req.on('end', () => {
        res.writeHead(reply.status, { 'content-type': 'application/xml' });
        res.end(
          `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${reply.code}</Code><Message>told to fail</Message><RequestId>r</RequestId></Error>`,
        );
      });
    });
    await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
  });

  after(async () => {
    await new Promise<void>((resolve) => fake.close(() => resolve()));
  });

  const s3 = (): S3ObjectStore => store({ bucket: 'fake-bucket', endpoint, maxAttempts: 1 });

  test('ifNoneMatch sends If-None-Match: * and a 412 means AlreadyExists', async () => {
    reply = { status: 412, code: 'PreconditionFailed' };
    seen.length = 0;
    await assert.rejects(s3().put('locks/exclusive', 'me', { ifNoneMatch: true }), (e) =>
      isLifeboatError(e, 'AlreadyExists'),
    );
    assert.equal(seen[0].method, 'PUT');
    assert.equal(seen[0].headers['if-none-match'], '*');
    await assert.rejects(s3().put('plain', 'x'), (e) => isLifeboatError(e, 'Conflict'));
    assert.equal(seen[1].headers['if-none-match'], undefined);
  });

  test('throttling and 5xx are Unavailable and retryable; 403 PermissionDenied; 400 Invalid', async () => {
    const cases: [number, string, string, boolean][] = [
      [503, 'SlowDown', 'Unavailable', true],
      [500, 'InternalError', 'Unavailable', true],
      [403, 'AccessDenied', 'PermissionDenied', false],
      [400, 'InvalidArgument', 'Invalid', false],
      [409, 'ConditionalRequestConflict', 'Conflict', true],
    ];
    for (const [status, code, expected, retryable] of cases) {
      reply = { status, code };
      await assert.rejects(s3().put('k', 'v'), (e) => {
        assert.ok(isLifeboatError(e), String(e));
        assert.equal(e.code, expected, `${status} ${code}: ${e.message}`);
        assert.equal(e.retryable, retryable, `${status} ${code}`);
        return true;
      });
    }
  });

  test('the SDK itself does not retry when maxAttempts is 1 (retries belong to the retrying wrapper)', async () => {
    reply = { status: 503, code: 'SlowDown' };
    seen.length = 0;
    await assert.rejects(s3().stat('k'));
    assert.equal(seen.length, 1);
  });
});

async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
