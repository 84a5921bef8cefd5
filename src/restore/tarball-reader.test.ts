import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { isLifeboatError } from '../core/errors.ts';
import { DEFAULT_TARBALL_LIMITS, readTarball } from './tarball-reader.ts';
import { buildTarball, rawTarball, streamOf } from './test-support.ts';

const cm = (ns: string, name: string) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { namespace: ns, name },
  data: { k: 'v'.repeat(100) },
});

async function expectCorrupt(data: Buffer, pattern: RegExp, limits = DEFAULT_TARBALL_LIMITS): Promise<void> {
  await assert.rejects(readTarball(streamOf(data), limits), (err) => {
    assert.ok(isLifeboatError(err, 'Corrupt'), `expected Corrupt, got ${String(err)}`);
    assert.match((err as Error).message, pattern);
    return true;
  });
}

test('indexes items of both paths and reads them back, in memory and spilled to disk', async () => {
  const items = Array.from({ length: 50 }, (_, i) => ({
    groupResource: 'configmaps',
    object: cm('ns1', `c${i}`),
  }));
  const data = await buildTarball(items);
  for (const memoryBytes of [DEFAULT_TARBALL_LIMITS.memoryBytes, 500]) {
    const index = await readTarball(streamOf(data), { ...DEFAULT_TARBALL_LIMITS, memoryBytes });
    try {
      assert.equal(index.formatVersion, '1.1.0');
      assert.equal(index.items.length, 100);
      const preferred = index.items.filter((i) => i.preferred);
      assert.equal(preferred.length, 50);
      assert.equal(preferred[0].version, 'v1');
      const twin = index.items.find((i) => i.name === preferred[0].name && !i.preferred);
      assert.deepEqual(twin?.slot, preferred[0].slot, 'identical copies are stored once');
      const last = index.items.at(-1);
      assert.ok(last);
      const object = await index.object(last);
      assert.equal((object.metadata as { name: string }).name, last.name);
    } finally {
      await index.close();
    }
  }
});

test('refuses an entry that climbs out with ..', async () => {
  await expectCorrupt(
    await rawTarball([{ name: 'resources/../../etc/passwd.json', body: '{}' }]),
    /not a safe relative path/,
  );
});

test('refuses absolute paths', async () => {
  await expectCorrupt(
    await rawTarball([{ name: '/resources/pods/cluster/x.json', body: '{}' }]),
    /not a safe relative path/,
  );
});

test('refuses symlinks and hard links', async () => {
  await expectCorrupt(
    await rawTarball([{ name: 'resources/pods/cluster/x.json', type: 'symlink', linkname: '/etc/passwd' }]),
    /symlink entry; only regular files/,
  );
  await expectCorrupt(
    await rawTarball([{ name: 'resources/pods/cluster/x.json', type: 'link', linkname: 'a' }]),
    /link entry/,
  );
});

test('refuses an oversized entry and an archive that inflates past the limit', async () => {
  const big = await rawTarball([
    { name: 'resources/configmaps/namespaces/a/b.json', body: 'x'.repeat(5000) },
  ]);
  await expectCorrupt(big, /over the limit of 1000/, { ...DEFAULT_TARBALL_LIMITS, maxEntryBytes: 1000 });
  const many = await buildTarball(
    Array.from({ length: 40 }, (_, i) => ({ groupResource: 'configmaps', object: cm('a', `c${i}`) })),
  );
  await expectCorrupt(many, /inflates to more than 20000 bytes/, {
    ...DEFAULT_TARBALL_LIMITS,
    maxTotalBytes: 20_000,
  });
});

test('refuses data that is not gzip or tar', async () => {
  await expectCorrupt(Buffer.from('this is not a tarball at all'), /not a valid gzip tar/);
  await expectCorrupt(gzipSync(Buffer.alloc(2048, 7)), /not a valid gzip tar|invalid/i);
});
