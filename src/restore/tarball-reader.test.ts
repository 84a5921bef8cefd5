import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
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

/** The archive fed in small slices, so headers and bodies arrive split across chunks. */
function slicedStream(data: Buffer, size: number): Readable {
  const slices: Buffer[] = [];
  for (let i = 0; i < data.length; i += size) slices.push(data.subarray(i, i + size));
  return Readable.from(slices);
}

test('reads entries split across chunks, and long names by pax and by GNU long-name records', async () => {
  const longNs = `ns-${'n'.repeat(60)}`;
  const longName = `c-${'x'.repeat(120)}`;
  const items = [
    { groupResource: 'configmaps', object: cm('a', 'short') },
    { groupResource: 'configmaps', object: cm(longNs, longName) },
  ];
  const data = await buildTarball(items);
  const index = await readTarball(slicedStream(data, 7), DEFAULT_TARBALL_LIMITS);
  try {
    assert.deepEqual(
      index.items.map((i) => `${i.namespace}/${i.name}/${i.preferred ?? false}`),
      ['a/short/false', 'a/short/true', `${longNs}/${longName}/false`, `${longNs}/${longName}/true`],
    );
    const object = await index.object(index.items[3]);
    assert.equal((object.metadata as { name: string }).name, longName);
  } finally {
    await index.close();
  }

  // GNU tar's own long names ('L' records) and directories, from the real binary.
  const dir = mkdtempSync(join(tmpdir(), 'lifeboat-tar-'));
  try {
    const path = join('resources', 'configmaps', 'namespaces', longNs);
    mkdirSync(join(dir, path), { recursive: true });
    mkdirSync(join(dir, 'metadata'));
    writeFileSync(join(dir, 'metadata', 'version'), '1.1.0\n');
    writeFileSync(join(dir, path, `${longName}.json`), JSON.stringify(cm(longNs, longName)));
    const gnu = execFileSync('tar', ['--format=gnu', '-czf', '-', '-C', dir, 'metadata', 'resources']);
    const fromGnu = await readTarball(slicedStream(gnu, 100), DEFAULT_TARBALL_LIMITS);
    try {
      assert.equal(fromGnu.formatVersion, '1.1.0');
      assert.deepEqual(
        fromGnu.items.map((i) => [i.namespace, i.name]),
        [[longNs, longName]],
      );
    } finally {
      await fromGnu.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('refuses a truncated archive and a header whose checksum does not match', async () => {
  const tar = gunzipSync(await buildTarball([{ groupResource: 'configmaps', object: cm('a', 'b') }]));
  await expectCorrupt(gzipSync(tar.subarray(0, 1024 + 100)), /unexpected end of data/);
  const damaged = Buffer.from(tar);
  damaged[1024 + 8] ^= 0x01; // inside the second header's name
  await expectCorrupt(gzipSync(damaged), /checksum does not match/);
});

test('spilled items read back right when many are read at once, in any order', async () => {
  const items = Array.from({ length: 400 }, (_, i) => ({
    groupResource: 'configmaps',
    object: { ...cm('ns1', `c${String(i).padStart(3, '0')}`), data: { k: `${i}-`.repeat(700 + (i % 13)) } },
  }));
  const data = await buildTarball(items);
  // Nearly everything spills, over several 1 MiB read blocks.
  const index = await readTarball(streamOf(data), { ...DEFAULT_TARBALL_LIMITS, memoryBytes: 4096 });
  try {
    const preferred = index.items.filter((i) => i.preferred);
    const order = preferred.map((_, i) => (i * 7919) % preferred.length);
    const objects = await Promise.all(order.map((i) => index.object(preferred[i])));
    objects.forEach((object, n) => {
      const i = order[n];
      assert.equal((object.metadata as { name: string }).name, preferred[i].name);
      assert.equal((object.data as { k: string }).k, `${i}-`.repeat(700 + (i % 13)));
    });
  } finally {
    await index.close();
  }
});
