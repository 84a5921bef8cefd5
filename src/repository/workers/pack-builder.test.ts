import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { compressAlways, decompress } from '../blobs/compression.ts';
import { CryptoKey } from '../crypto/crypto-key.ts';
import { decodePackHeader } from '../format/pack.ts';
import { type BuiltPack, PackBuilder } from './pack-builder.ts';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

test('packs are named by their SHA-256, and every blob opens from the header offsets', () => {
  const key = CryptoKey.random();
  const builder = new PackBuilder(key, 'data', 100_000, 40_000, 10);
  const plains = Array.from({ length: 12 }, (_, i) =>
    i % 4 === 0 ? Buffer.alloc(30_000, i) : randomBytes(15_000),
  );
  const packs: BuiltPack[] = [];
  for (const p of plains) {
    const z = p[0] === p[1] ? compressAlways(p) : undefined;
    const done = builder.add(sha(p), z ?? p, p.length, z !== undefined);
    if (done) packs.push(done);
  }
  const last = builder.finish();
  if (last) packs.push(last);
  assert.equal(builder.finish(), undefined);
  assert.ok(packs.length >= 2, 'several packs');
  const found = new Map<string, Buffer>();
  for (const pack of packs) {
    assert.equal(pack.packId, sha(pack.bytes));
    assert.equal(pack.bytes.buffer, pack.buffer);
    const blobs = decodePackHeader(pack.bytes, key, pack.bytes.length);
    assert.deepEqual(blobs, pack.blobs);
    for (const b of blobs) {
      let plain = key.open(pack.bytes.subarray(b.offset, b.offset + b.length));
      if (b.uncompressedLength !== undefined) plain = decompress(plain);
      assert.equal(sha(plain), b.id);
      found.set(b.id, plain);
    }
    assert.equal(
      pack.plainBytes,
      blobs.reduce((n, b) => n + (b.uncompressedLength ?? b.length - 32), 0),
    );
  }
  for (const p of plains) assert.deepEqual(found.get(sha(p)), p);
});

test('at most maxBuffers buffers exist: ready() waits until a pack buffer is recycled', async () => {
  const builder = new PackBuilder(CryptoKey.random(), 'data', 50_000, 60_000, 2);
  const blob = randomBytes(60_000);
  const first = builder.add('aa'.repeat(32), blob, blob.length, false);
  assert.ok(first, 'one blob past packSize finishes a pack');
  await builder.ready(); // one buffer out, one may still be allocated
  const second = builder.add('bb'.repeat(32), blob, blob.length, false);
  assert.ok(second);
  let ready = false;
  const waiting = builder.ready().then(() => {
    ready = true;
  });
  await new Promise((r) => setImmediate(r));
  assert.equal(ready, false, 'both buffers are out with their packs');
  builder.recycle(first.buffer);
  await waiting;
  assert.equal(ready, true);
  const third = builder.add('cc'.repeat(32), blob, blob.length, false);
  assert.equal(third?.buffer, first.buffer, 'the recycled buffer is filled again');
});

test('tiny blobs: the header always fits, packs respect packSize, and buffers are reused', () => {
  const key = CryptoKey.random();
  const builder = new PackBuilder(key, 'data', 20_000, 1000, 2);
  const buffers = new Set<ArrayBuffer>();
  let packs = 0;
  for (let i = 0; i < 2000; i++) {
    const plain = randomBytes(50);
    const pack = builder.add(sha(plain), plain, plain.length, false);
    if (!pack) continue;
    packs++;
    assert.ok(pack.bytes.length <= 20_000 + 1000 + 32 + 41, `pack of ${pack.bytes.length} bytes`);
    assert.ok(pack.bytes.length >= 20_000);
    assert.equal(decodePackHeader(pack.bytes, key, pack.bytes.length).length, pack.blobs.length);
    buffers.add(pack.buffer);
    builder.recycle(pack.buffer);
  }
  assert.ok(packs >= 10, `${packs} packs`);
  assert.equal(buffers.size, 1, 'one buffer, filled again and again');
});
