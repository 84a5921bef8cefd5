import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { isLifeboatError } from '../../core/errors.ts';
import { CryptoKey, poly1305Aes } from './crypto-key.ts';

const h = (s: string) => Buffer.from(s, 'hex');

test("Poly1305-AES matches the test vectors of Bernstein's paper", () => {
  const vectors = [
    {
      msg: 'f3f6',
      r: '851fc40c3467ac0be05cc20404f3f700',
      k: 'ec074c835580741701425b623235add6',
      nonce: 'fb447350c4e868c52ac3275cf9d4327e',
      mac: 'f4c633c3044fc145f84f335cb81953de',
    },
    {
      msg: '',
      r: 'a0f3080000f46400d0c7e9076c834403',
      k: '75deaa25c09f208e1dc4ce6b5cad3fbf',
      nonce: '61ee09218d29b0aaed7e154a2c5509cc',
      mac: 'dd3fab2251f11ac759f0887129cc2ee7',
    },
    {
      msg: '663cea190ffb83d89593f3f476b6bc24d7e679107ea26adb8caf6652d0656136',
      r: '48443d0bb0d21109c89a100b5ce2c208',
      k: '6acb5f61a7176dd320c5c1eb2edcdc74',
      nonce: 'ae212a55399729595dea458bc621ff0e',
      mac: '0ee1c16bb73f0f4fd19881753c01cdbe',
    },
  ];
  for (const v of vectors) {
    assert.equal(Buffer.from(poly1305Aes(h(v.k), h(v.r), h(v.nonce), h(v.msg))).toString('hex'), v.mac);
  }
});

test('opens a message sealed by restic (known answer)', () => {
  const key = new CryptoKey(
    h('303e8687b1d7db18421bdc6bb8588ccadac4d59ee87b8ff70c44e635790cafef'),
    h('ef4d8824cb80b2bcc5fbff8a9b12a42c'),
    h('cc8d4b948ee0ebfe1d415de921d10353'),
  );
  const sealed = h(
    '69fb41c62d12def4593bd71757138606338f621aeaeb39da0fe4f99233f8037a54ea63338a813bcf3f75d8c3cc75dddf8750',
  );
  assert.equal(key.open(sealed).toString(), 'Dies ist ein Test!');
});

test('seal/open round trip; any flipped bit or the wrong key fails as Corrupt', () => {
  const key = CryptoKey.random();
  for (const len of [0, 1, 15, 16, 17, 1000, 300_000]) {
    const msg = randomBytes(len);
    const sealed = key.seal(msg);
    assert.equal(sealed.length, len + 32);
    assert.deepEqual(key.open(sealed), msg);
    const bad = Buffer.from(sealed);
    bad[Math.floor(bad.length / 2)] ^= 1;
    assert.throws(
      () => key.open(bad),
      (e) => isLifeboatError(e, 'Corrupt'),
    );
  }
  assert.throws(
    () => CryptoKey.random().open(key.seal(Buffer.from('x'))),
    (e) => isLifeboatError(e, 'Corrupt'),
  );
});

test('JSON form round-trips as restic writes it', () => {
  const key = CryptoKey.random();
  const json = JSON.parse(JSON.stringify(key));
  assert.deepEqual(Object.keys(json), ['mac', 'encrypt']);
  assert.deepEqual(Object.keys(json.mac), ['k', 'r']);
  const again = CryptoKey.fromJSON(json);
  assert.equal(again.open(key.seal(Buffer.from('hello'))).toString(), 'hello');
});

test('decryptForHashCheck decrypts like open, and leaves rejecting a changed ciphertext to the hash check', () => {
  const key = CryptoKey.random();
  const plain = randomBytes(5000);
  const sealed = key.seal(plain);
  assert.deepEqual(key.decryptForHashCheck(sealed), plain);
  sealed[100] ^= 1;
  const changed = key.decryptForHashCheck(sealed);
  assert.notDeepEqual(
    changed,
    plain,
    'a changed ciphertext gives a different plaintext (so a different hash)',
  );
  assert.throws(
    () => key.open(sealed),
    (e) => isLifeboatError(e, 'Corrupt'),
  );
});

test('blobs larger than one CTR slice seal and open whole; decrypting into a reused buffer gives each plaintext', () => {
  const key = CryptoKey.random();
  const out = Buffer.alloc(300_000, 0xaa);
  // Across slice boundaries (32 KiB), with and without a partial last block, and one shorter than a slice.
  for (const n of [100_001, 65_536, 32_768 + 15, 1000]) {
    const plain = randomBytes(n);
    const sealed = key.seal(plain);
    assert.equal(sealed.length, n + 32);
    assert.deepEqual(key.open(sealed), plain, `open, ${n} bytes`);
    const got = key.decryptForHashCheckInto(sealed, out);
    assert.equal(got.buffer, out.buffer, 'a view of the buffer given');
    assert.deepEqual(got, plain, `into, ${n} bytes`);
  }
  assert.throws(() => key.decryptForHashCheckInto(key.seal(randomBytes(10)), Buffer.alloc(9)), RangeError);
});
