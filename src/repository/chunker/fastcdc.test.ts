import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { chunkFile } from './chunk-reader.ts';
import { chunkBuffer, FastCdc } from './fastcdc.ts';

test('chunks respect min/max, cover the input, and average near the target', () => {
  const cdc = new FastCdc({ min: 2048, avg: 8192, max: 32768 });
  const data = randomBytes(4 << 20);
  const sizes = chunkBuffer(cdc, data);
  assert.equal(
    sizes.reduce((a, b) => a + b, 0),
    data.length,
  );
  for (const s of sizes.slice(0, -1)) assert.ok(s >= 2048 && s <= 32768, `size ${s}`);
  const mean = data.length / sizes.length;
  assert.ok(mean > 6000 && mean < 12000, `mean ${mean}`);
});

test('boundaries are content-defined: an insertion changes only nearby chunks', () => {
  const cdc = new FastCdc({ min: 2048, avg: 8192, max: 32768 });
  const data = randomBytes(2 << 20);
  const edited = Buffer.concat([
    data.subarray(0, 1_000_000),
    Buffer.from('inserted!'),
    data.subarray(1_000_000),
  ]);
  const hashes = (buf: Buffer) => {
    const out = new Set<string>();
    let pos = 0;
    for (const len of chunkBuffer(cdc, buf)) {
      out.add(buf.subarray(pos, pos + len).toString('base64'));
      pos += len;
    }
    return out;
  };
  const a = hashes(data);
  const b = hashes(edited);
  let shared = 0;
  for (const h of b) if (a.has(h)) shared++;
  assert.ok(shared >= b.size - 3, `only ${shared} of ${b.size} chunks shared`);
});

test('streaming over a file gives the same chunks as the whole buffer, with a small buffer', () => {
  const cdc = new FastCdc({ min: 2048, avg: 8192, max: 32768 });
  const dir = mkdtempSync(join(tmpdir(), 'cdc-'));
  try {
    const data = randomBytes(1_000_003);
    writeFileSync(join(dir, 'f'), data);
    const fd = openSync(join(dir, 'f'), 'r');
    let read = 0;
    const streamed: number[] = [];
    for (const c of chunkFile(fd, cdc, Buffer.alloc(65536), (n) => (read += n))) streamed.push(c.length);
    closeSync(fd);
    assert.equal(read, data.length);
    assert.deepEqual(streamed, chunkBuffer(cdc, data));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('all-zero input cuts at max (so zero runs dedupe to one blob)', () => {
  const cdc = new FastCdc({ min: 2048, avg: 8192, max: 32768 });
  const sizes = chunkBuffer(cdc, Buffer.alloc(100_000));
  assert.deepEqual(sizes, [32768, 32768, 32768, 100_000 - 3 * 32768]);
});
