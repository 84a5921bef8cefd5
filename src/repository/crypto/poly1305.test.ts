import assert from 'node:assert/strict';
import { createCipheriv, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { poly1305 as noblePoly1305 } from '@noble/ciphers/_poly1305.js';
import { Poly1305, SIMD_MIN_BYTES } from './poly1305.ts';
import { simdAvailable } from './poly1305-simd-wasm.ts';
import { MESSAGE_WINDOW } from './poly1305-wasm.ts';

const hex = (s: string) => Buffer.from(s.replace(/[\s:]/g, ''), 'hex');

test('RFC 8439 §2.5.2 test vector', () => {
  const key = hex(
    '85:d6:be:78:57:55:6d:33:7f:44:52:fe:42:d5:06:a8:01:03:80:8a:fb:0d:b2:fd:4a:bf:f6:af:41:49:f5:1b',
  );
  const msg = Buffer.from('Cryptographic Forum Research Group');
  const tag = new Poly1305().mac(key, msg);
  assert.equal(Buffer.from(tag).toString('hex'), 'a8061dc1305136c6c22b8baf0c0127a9');
});

test('RFC 8439 appendix A.3 vectors (edge cases of the reduction), scalar and SIMD', () => {
  for (const p of [new Poly1305({ simd: false }), new Poly1305({ simdMinBytes: 0 })]) {
    // #1: all-zero key and message
    assert.equal(Buffer.from(p.mac(Buffer.alloc(32), Buffer.alloc(64))).toString('hex'), '0'.repeat(32));
    // #5: r=2, s=0, message 0xff…ff (16 bytes) → tag 03 00…
    const k5 = Buffer.alloc(32);
    k5[0] = 2;
    assert.equal(Buffer.from(p.mac(k5, Buffer.alloc(16, 0xff))).toString('hex'), `03${'0'.repeat(30)}`);
    // #6: r=2, s=ff…ff, message 02 00… → tag 03 00…
    const k6 = Buffer.alloc(32);
    k6[0] = 2;
    k6.fill(0xff, 16);
    const m6 = Buffer.alloc(16);
    m6[0] = 2;
    assert.equal(Buffer.from(p.mac(k6, m6)).toString('hex'), `03${'0'.repeat(30)}`);
    // #7: r=1, message ff..ff f0..ff 11 00.. → 05 00…
    const k7 = Buffer.alloc(32);
    k7[0] = 1;
    const m7 = hex(
      'FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF F0FFFFFFFFFFFFFFFFFFFFFFFFFFFFFF 11000000000000000000000000000000',
    );
    assert.equal(Buffer.from(p.mac(k7, m7)).toString('hex'), `05${'0'.repeat(30)}`);
    // #11: r=1, message FB FE.. → 00…
    const m11 = hex(
      'FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF FBFEFEFEFEFEFEFEFEFEFEFEFEFEFEFE 01010101010101010101010101010101',
    );
    assert.equal(Buffer.from(p.mac(k7, m11)).toString('hex'), '0'.repeat(32));
  }
});

test('agrees with @noble/ciphers on random keys and every length 0..300 and a few large ones', () => {
  const p = new Poly1305();
  const lengths = [...Array.from({ length: 301 }, (_, i) => i), 4096, 131071, 262161, 1_000_003];
  for (const len of lengths) {
    const key = randomBytes(32);
    const msg = randomBytes(len);
    assert.deepEqual(Buffer.from(p.mac(key, msg)), Buffer.from(noblePoly1305(msg, key)), `length ${len}`);
  }
});

test('maximal limb values (all-ones key and message) do not overflow', () => {
  const p = new Poly1305();
  const key = Buffer.alloc(32, 0xff);
  const msg = Buffer.alloc(10_000, 0xff);
  assert.deepEqual(Buffer.from(p.mac(key, msg)), Buffer.from(noblePoly1305(msg, key)));
});

test('one r with changing s (as a key seals blob after blob), then another r: paired path agrees with noble', () => {
  const p = new Poly1305();
  for (const r of [randomBytes(16), randomBytes(16)]) {
    for (const len of [256, 257, 288, 300, 4096 + 16, 65_536 + 48, 131_040, 131_072 + 32]) {
      const key = Buffer.concat([r, randomBytes(16)]);
      const msg = randomBytes(len);
      assert.deepEqual(Buffer.from(p.mac(key, msg)), Buffer.from(noblePoly1305(msg, key)), `length ${len}`);
    }
  }
});

/** Poly1305 straight from RFC 8439 §2.5.1 in BigInt: no limbs, no windows, nothing shared with the code. */
function referenceMac(key: Uint8Array, msg: Uint8Array): Buffer {
  const le128 = (b: Buffer, at: number) => b.readBigUInt64LE(at) | (b.readBigUInt64LE(at + 8) << 64n);
  const k = Buffer.from(key);
  const p = (1n << 130n) - 5n;
  const r = le128(k, 0) & 0x0ffffffc0ffffffc0ffffffc0fffffffn;
  const s = le128(k, 16);
  const m = Buffer.from(msg);
  let h = 0n;
  for (let at = 0; at < m.length; at += 16) {
    const n = Math.min(16, m.length - at);
    const block = Buffer.alloc(16);
    m.copy(block, 0, at, at + n);
    h = ((h + le128(block, 0) + (1n << BigInt(8 * n))) * r) % p;
  }
  const tag = (h + s) & ((1n << 128n) - 1n);
  const out = Buffer.alloc(16);
  out.writeBigUInt64LE(tag & 0xffffffffffffffffn, 0);
  out.writeBigUInt64LE(tag >> 64n, 8);
  return out;
}

/** Reproducible pseudo-random bytes: the AES-128-CTR keystream under a key made from `seed`. */
function stream(seed: number, length: number): Buffer {
  const key = Buffer.alloc(16);
  key.writeUInt32LE(seed >>> 0, 0);
  key.writeUInt32LE(0x9e3779b9, 4);
  return createCipheriv('aes-128-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(length));
}

/** A run's seed (in every failure message, so a failure can be replayed by fixing it here). */
const SEED = randomBytes(4).readUInt32LE(0);

const simd = new Poly1305({ simdMinBytes: 0 });
const scalar = new Poly1305({ simd: false });
const byDefault = new Poly1305();

const tagOf = (p: Poly1305, key: Uint8Array, msg: Uint8Array) => Buffer.from(p.mac(key, msg)).toString('hex');

/** Asserts that the SIMD path, the scalar path and the BigInt reference agree on (key, msg). */
function agree(key: Uint8Array, msg: Uint8Array, what: string): void {
  const want = referenceMac(key, msg).toString('hex');
  assert.equal(tagOf(scalar, key, msg), want, `scalar, ${what}, seed ${SEED}`);
  assert.equal(tagOf(simd, key, msg), want, `simd, ${what}, seed ${SEED}`);
}

test('this Node runs the SIMD module, and an instance can be forced onto the scalar one', () => {
  assert.equal(simdAvailable(), true);
  assert.equal(simd.simd, true);
  assert.equal(byDefault.simd, true);
  assert.equal(scalar.simd, false);
});

test('the BigInt reference reproduces RFC 8439 §2.5.2, and both paths agree on it', () => {
  const key = hex('85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b');
  const msg = Buffer.from('Cryptographic Forum Research Group');
  assert.equal(referenceMac(key, msg).toString('hex'), 'a8061dc1305136c6c22b8baf0c0127a9');
  // the same 34 bytes through the SIMD path: 2 blocks in one step, then the final partial block
  assert.equal(tagOf(simd, key, msg), 'a8061dc1305136c6c22b8baf0c0127a9');
  assert.equal(tagOf(scalar, key, msg), 'a8061dc1305136c6c22b8baf0c0127a9');
});

test('SIMD, scalar and the BigInt reference agree at every length 0..1000', () => {
  const msg = stream(SEED, 1000);
  for (let len = 0; len <= 1000; len++) {
    const key = stream(SEED + len + 1, 32);
    agree(key, msg.subarray(0, len), `length ${len}`);
  }
});

test('they agree on long messages: random lengths 16 KiB..600 KiB, odd and even block counts', () => {
  const rnd = stream(SEED ^ 0x5a5a5a5a, 64);
  const lengths: number[] = [];
  for (let i = 0; i < 8; i++) {
    const len = 16_384 + (rnd.readUInt32LE(i * 4) % (600 * 1024 - 16_384));
    // each length twice: its block count odd, then even (full blocks only, then with a partial block)
    const blocks = Math.floor(len / 16);
    const odd = (blocks | 1) * 16;
    lengths.push(odd, odd + 16 + (len % 16));
  }
  for (const len of lengths) agree(stream(SEED + len, 32), stream(SEED - len, len), `length ${len}`);
});

test('they agree around the message windows of poly1305.ts', () => {
  const w = MESSAGE_WINDOW;
  const msg = stream(SEED + 7, 3 * w + 64);
  for (const base of [w, 2 * w, 3 * w]) {
    for (const d of [-33, -32, -17, -16, -15, -1, 0, 1, 15, 16, 17, 31, 32, 33, 48]) {
      agree(stream(SEED + base + d, 32), msg.subarray(0, base + d), `length ${base + d} (window ${w})`);
    }
  }
});

test('extreme keys and messages: r and s all ones before clamping, r = 0, r = 1, all-ones message', () => {
  const ones = Buffer.alloc(32, 0xff);
  const zeroR = Buffer.concat([Buffer.alloc(16), Buffer.alloc(16, 0xff)]);
  const oneR = Buffer.concat([hex('01000000000000000000000000000000'), Buffer.alloc(16, 0xff)]);
  // the largest r limbs the clamp allows, s = 0
  const maxR = Buffer.concat([hex('ffffff0ffcffff0ffcffff0ffcffff0f'), Buffer.alloc(16)]);
  const keys = [ones, zeroR, oneR, maxR];
  for (const len of [0, 16, 32, 48, 160, 1000, 65_536 + 16, 600 * 1024]) {
    for (const key of keys) {
      agree(key, Buffer.alloc(len, 0xff), `all-ones message, length ${len}, key ${key.toString('hex')}`);
    }
  }
  agree(ones, stream(SEED + 11, 333_333), 'all-ones key, random message');
});

test('the SIMD tables follow r: one r with changing s, another r, then back', () => {
  const r1 = stream(SEED + 101, 16);
  const r2 = stream(SEED + 102, 16);
  for (const r of [r1, r2, r1, r2]) {
    for (const len of [SIMD_MIN_BYTES, 4096 + 16, 131_072]) {
      const key = Buffer.concat([r, randomBytes(16)]);
      const msg = stream(SEED + len, len);
      assert.equal(tagOf(byDefault, key, msg), referenceMac(key, msg).toString('hex'), `length ${len}`);
    }
  }
});
