import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fsStorage, type LifeboatEnv, startLifeboatEnv } from '../../../../test/support/lifeboat-env.ts';
import { REDACTED, redactText, secretValues } from './redact.ts';

const VALUE = 'hunter2-Zq8xVv3LpR';
const storage = fsStorage();
let env: LifeboatEnv;
let dir: string;
before(async () => {
  env = await startLifeboatEnv({ storage });
  dir = mkdtempSync(join(tmpdir(), 'lifeboat-debug-'));
});
after(async () => {
  await env.stop();
  storage.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

function filesUnder(root: string): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

test('the bundle holds versions, resources, events, discovery and logs, and no Secret value', async () => {
  await env.apply([
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'webhook', namespace: 'lifeboat' },
      stringData: { url: `https://hooks.example/${VALUE}`, password: VALUE },
    },
    {
      apiVersion: 'lifeboat.io/v1',
      kind: 'Backup',
      // The value leaks into an object the bundle copies: it must be redacted there too.
      metadata: { name: 'b1', namespace: 'lifeboat', annotations: { note: `pass ${VALUE}` } },
      spec: { includedNamespaces: ['nothing-here'] },
    },
  ]);
  const output = join(dir, 'bundle.tar.gz');
  const r = await env.cli('debug', '--output', output);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stdout + r.stderr, new RegExp(VALUE));
  const unpacked = join(dir, 'unpacked');
  execFileSync('mkdir', ['-p', unpacked]);
  execFileSync('tar', ['-xzf', output, '-C', unpacked]);
  const files = filesUnder(unpacked);
  const names = files.map((f) => f.slice(unpacked.length + 1).replace(/^[^/]+\//, ''));
  for (const expected of [
    'versions.txt',
    'resources/backups.yaml',
    'resources/backupstoragelocations.yaml',
    'namespace/secrets.yaml',
    'events.yaml',
    'discovery.yaml',
    'storage-locations.txt',
  ])
    assert.ok(names.includes(expected), `${expected} in ${names.join(', ')}`);
  const all = files.map((f) => readFileSync(f, 'utf8')).join('\n');
  assert.ok(!all.includes(VALUE), 'the Secret value appears nowhere in the bundle');
  assert.ok(!all.includes(Buffer.from(VALUE).toString('base64')));
  const read = (name: string) => readFileSync(files[names.indexOf(name)] ?? '', 'utf8');
  assert.match(read('versions.txt'), /^server: 0\.\d+\.\d+/m);
  assert.match(read('namespace/secrets.yaml'), /password: <redacted>/);
  assert.match(read('resources/backups.yaml'), /name: b1/);
  assert.match(read('discovery.yaml'), /lifeboat\.io\/v1:/);
});

test('text redaction: known values, secret-looking pairs, bearer tokens, AWS key ids', () => {
  const known = secretValues([
    {
      data: {
        cloud: Buffer.from(
          'aws_access_key_id=AKIAABCDEFGHIJKLMNOP\naws_secret_access_key=abc/def+ghi\n',
        ).toString('base64'),
      },
    },
  ]);
  const text = redactText(
    'key abc/def+ghi; password=pw123; {"token": "t0k"}; Authorization: Bearer eyJhbGc.x.y; id AKIAABCDEFGHIJKLMNOP',
    known,
  );
  for (const leaked of ['abc/def+ghi', 'pw123', 't0k', 'eyJhbGc', 'AKIAABCDEFGHIJKLMNOP'])
    assert.ok(!text.includes(leaked), leaked);
  assert.ok(text.includes(REDACTED));
});
