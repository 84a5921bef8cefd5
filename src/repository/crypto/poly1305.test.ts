import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { poly1305 as noblePoly1305 } from '@noble/ciphers/_poly1305.js';
import { Poly1305 } from './poly1305.ts';

const hex = (s: string) => Buffer.from(s.replace(/[\s:]/g, ''), 'hex');

test('RFC 8439 §2.5.2 test vector', () => {
  const key = hex(
    '85:d6:be:78:57:55:6d:33:7f:44:52:fe:42:d5:06:a8:01:03:80:8a:fb:0d:b2:fd:4a:bf:f6:af:41:49:f5:1b',
  );
  const msg = Buffer.from('Cryptographic Forum Research Group');
  const tag = new Poly1305().mac(key, msg);
  assert.equal(Buffer.from(tag).toString('hex'), 'a8061dc1305136c6c22b8baf0c0127a9');
});

test('RFC 8439 appendix A.3 vectors (edge cases of the reduction)', () => {
  const p = new Poly1305();
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
