import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { chunkBuffer, createScanner, FastCdc } from './fastcdc.ts';

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

test('the WebAssembly scan cuts exactly where the JavaScript one does', () => {
  for (const params of [
    { min: 2048, avg: 8192, max: 32768 },
    { min: 32 * 1024, avg: 128 * 1024, max: 512 * 1024 },
  ]) {
    const cdc = new FastCdc(params);
    const data = Buffer.concat([randomBytes(3_000_000), Buffer.alloc(700_000), randomBytes(123_457)]);
    const scanner = createScanner(data.length);
    data.copy(scanner.window);
    const wasm: number[] = [];
    for (let pos = 0; pos < data.length; ) {
      const len = cdc.cutWindow(scanner, pos, data.length);
      wasm.push(len);
      pos += len;
    }
    assert.deepEqual(wasm, chunkBuffer(cdc, data));
    // Short tails (at most min, between min and avg, beyond avg) and a scan that starts inside the window.
    for (const n of [1, params.min, params.min + 1, params.avg + 17, params.max + 5]) {
      assert.equal(cdc.cutWindow(scanner, 1000, 1000 + n), cdc.cut(data, 1000, 1000 + n), `n=${n}`);
    }
  }
});

test('all-zero input cuts at max (so zero runs dedupe to one blob)', () => {
  const cdc = new FastCdc({ min: 2048, avg: 8192, max: 32768 });
  const sizes = chunkBuffer(cdc, Buffer.alloc(100_000));
  assert.deepEqual(sizes, [32768, 32768, 32768, 100_000 - 3 * 32768]);
});
