import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CryptoKey } from '../crypto/crypto-key.ts';
import { createKeyFile, openKeyFile, parseKeyFile, sha256Hex } from './key-file.ts';

const cheap = { N: 1024, r: 8, p: 1 };

test('a key file opens with its password and not with another; id is the SHA-256 of its bytes', async () => {
  const master = CryptoKey.random();
  const kf = await createKeyFile('secret', master, { kdf: cheap, username: 'u', hostname: 'h' });
  assert.equal(kf.id, sha256Hex(kf.bytes));
  const parsed = parseKeyFile(kf.bytes);
  assert.deepEqual(Object.keys(parsed), [
    'created',
    'username',
    'hostname',
    'kdf',
    'N',
    'r',
    'p',
    'salt',
    'data',
  ]);
  assert.equal(Buffer.from(parsed.salt, 'base64').length, 64);
  const opened = await openKeyFile(parsed, 'secret');
  assert.ok(opened);
  assert.deepEqual(opened.encrypt, master.encrypt);
  assert.deepEqual(opened.macR, master.macR);
  assert.equal(await openKeyFile(parsed, 'wrong'), undefined);
});

test('corrupt key files are reported as such', () => {
  assert.throws(() => parseKeyFile(Buffer.from('nope')), /not JSON/);
  assert.throws(() => parseKeyFile(Buffer.from('{"kdf":"argon2"}')), /unsupported key derivation/);
});
