import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isLifeboatError } from '../../core/errors.ts';
import { CryptoKey } from '../crypto/crypto-key.ts';
import { decodeConfig, encodeConfig, newConfig } from './config.ts';
import { isIrreducible } from './polynomial.ts';
import { decodeUnpacked, encodeUnpacked } from './unpacked.ts';

test('irreducibility: known answers', () => {
  assert.equal(isIrreducible(0b111n), true); // x^2+x+1
  assert.equal(isIrreducible(0b101n), false); // (x+1)^2
  assert.equal(isIrreducible(0x3dea92648f6e83n), true); // restic's documented example polynomial
  assert.equal(isIrreducible(0x3dea92648f6e83n ^ 2n), false);
});

test('new config: version 2, 32-byte id, irreducible degree-53 polynomial; round-trips sealed', () => {
  const cfg = newConfig();
  assert.equal(cfg.version, 2);
  assert.match(cfg.id, /^[0-9a-f]{64}$/);
  const pol = BigInt(`0x${cfg.chunker_polynomial}`);
  assert.equal(pol.toString(2).length, 54);
  assert.ok(isIrreducible(pol));
  const key = CryptoKey.random();
  assert.deepEqual(decodeConfig(encodeConfig(cfg, key), key), cfg);
  assert.throws(
    () => decodeConfig(encodeConfig(cfg, key), CryptoKey.random()),
    (e) => isLifeboatError(e, 'Corrupt'),
  );
});

test('unpacked files: v2 compresses with a version byte, v1 stays raw JSON; both decode', () => {
  const key = CryptoKey.random();
  const doc = { packs: [{ id: 'a'.repeat(64), blobs: [] }], text: 'x'.repeat(1000) };
  const v2 = encodeUnpacked(doc, key, 2);
  assert.equal(key.open(v2.bytes)[0], 2);
  assert.ok(v2.bytes.length < 500);
  const v1 = encodeUnpacked(doc, key, 1);
  assert.equal(key.open(v1.bytes)[0], 0x7b);
  assert.deepEqual(decodeUnpacked(v2.bytes, key), doc);
  assert.deepEqual(decodeUnpacked(v1.bytes, key), doc);
});
