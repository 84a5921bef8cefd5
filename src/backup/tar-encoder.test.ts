import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { test } from 'node:test';
import { EntryDir, UstarHeaderWriter } from './tar-encoder.ts';
import { TarballWriter } from './tarball-writer.ts';
import { readTarball } from './test-support.ts';

test('the tarball reads back with tar-stream and GNU tar, long names and all', async () => {
  const writer = new TarballWriter({ mtime: new Date('2026-05-01T10:00:00Z'), gzipLevel: 1 });
  const collected = buffer(writer.output);
  const long = 'n'.repeat(200);
  const items = [
    { groupResource: 'configmaps', version: 'v1', namespace: 'shop', name: 'prices', json: '{"a":1}' },
    { groupResource: 'persistentvolumes', version: 'v1', name: 'pv-1', json: '{"kind":"PersistentVolume"}' },
    { groupResource: 'configmaps', version: 'v1', namespace: 'shop', name: long, json: '{"long":true}' },
    {
      groupResource: 'configmaps',
      version: 'v1',
      namespace: 'shop',
      name: 'unicode',
      json: '{"v":"żółw ✓"}',
    },
    {
      groupResource: 'secrets',
      version: 'v1',
      namespace: 'shop',
      name: 'big',
      json: JSON.stringify({ d: 'x'.repeat(600_000) }),
    },
  ];
  for (const { json, ...parts } of items) writer.writeItem(parts, json);
  await writer.flushed();
  await writer.finish();
  const gz = await collected;
  assert.equal(writer.items, items.length);

  const entries = await readTarball(gz);
  assert.equal(entries.length, 1 + 2 * items.length);
  assert.equal(entries[0].name, 'metadata/version');
  const byName = new Map(entries.map((e) => [e.name, e.body.toString()]));
  assert.equal(byName.get('resources/configmaps/namespaces/shop/prices.json'), '{"a":1}');
  assert.equal(byName.get('resources/configmaps/v1-preferredversion/namespaces/shop/prices.json'), '{"a":1}');
  assert.equal(
    byName.get('resources/persistentvolumes/v1-preferredversion/cluster/pv-1.json'),
    '{"kind":"PersistentVolume"}',
  );
  assert.equal(
    byName.get(`resources/configmaps/v1-preferredversion/namespaces/shop/${long}.json`),
    '{"long":true}',
  );
  assert.equal(byName.get('resources/configmaps/namespaces/shop/unicode.json'), '{"v":"żółw ✓"}');
  assert.equal(byName.get('resources/secrets/namespaces/shop/big.json')?.length, 600_008);
  assert.ok(entries.every((e) => e.mode === 0o755 && e.type === 'file'));

  const dir = mkdtempSync(join(tmpdir(), 'lifeboat-tar-'));
  try {
    writeFileSync(join(dir, 'b.tar.gz'), gz);
    const listing = execFileSync('tar', ['-tzf', join(dir, 'b.tar.gz')], { encoding: 'utf8' })
      .trim()
      .split('\n');
    assert.deepEqual(
      listing,
      entries.map((e) => e.name),
    );
    const verbose = execFileSync('tar', ['-tvzf', join(dir, 'b.tar.gz')], { encoding: 'utf8' });
    assert.match(verbose.split('\n')[1], /^-rwxr-xr-x .* 2026-05-01 /);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('headers written from a cached directory are byte for byte those written from the whole path', () => {
  const headers = new UstarHeaderWriter(0o755, 1_777_777_777);
  const dirs = [
    'resources/configmaps/namespaces/shop/',
    'resources/persistentvolumes/v1-preferredversion/cluster/',
    `resources/widgets.example.com/v1alpha1-preferredversion/namespaces/${'n'.repeat(63)}/`,
    `resources/${'g'.repeat(120)}.example.com/v1/namespaces/${'n'.repeat(40)}/`,
    `resources/${'g'.repeat(200)}/cluster/`,
  ];
  const names = ['a', 'prices', 'x'.repeat(60), 'y'.repeat(95), 'z'.repeat(140), 'żółw', 'a/b'];
  let compared = 0;
  let refused = 0;
  for (const path of dirs) {
    const dir = new EntryDir(path);
    for (const name of names) {
      for (const size of [0, 1, 511, 1_234_567]) {
        const fast = Buffer.alloc(512, 0xee);
        const slow = Buffer.alloc(512, 0xee);
        const fastOk = headers.writeInDir(fast, 0, dir, name, size);
        const full = `${path}${name}.json`;
        const slowOk = headers.write(slow, 0, full, size);
        if (!fastOk) {
          refused++;
          // Refused here means the slow path either refuses too (pax) or is the one that handles it.
          assert.ok(!slowOk || /[^\x20-\x7e]|\/.*\//.test(name) || name.includes('/'), `${full} refused`);
          continue;
        }
        assert.ok(slowOk, `${full}: the whole-path writer must accept what the directory writer did`);
        assert.ok(fast.equals(slow), `${full} (${size} bytes): headers differ`);
        compared++;
      }
    }
  }
  assert.ok(compared >= 56, `compared ${compared}`);
  assert.ok(refused > 8, `refused ${refused}`);
});
