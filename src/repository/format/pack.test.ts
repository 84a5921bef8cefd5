import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { isLifeboatError } from '../../core/errors.ts';
import { CryptoKey } from '../crypto/crypto-key.ts';
import { decodeIndexFile, encodeIndexFile, MasterIndex } from './index.ts';
import { decodePackHeader, EAGER_TAIL, encodePackHeader, type PackedBlob } from './pack.ts';

test('pack header: raw and compressed entries round-trip with implicit offsets', () => {
  const key = CryptoKey.random();
  const blobs: PackedBlob[] = [
    { type: 'data', id: createHash('sha256').update('a').digest('hex'), offset: 0, length: 100 },
    {
      type: 'tree',
      id: createHash('sha256').update('b').digest('hex'),
      offset: 100,
      length: 50,
      uncompressedLength: 400,
    },
    {
      type: 'data',
      id: createHash('sha256').update('c').digest('hex'),
      offset: 150,
      length: 77,
      uncompressedLength: 9,
    },
  ];
  const header = encodePackHeader(blobs, key);
  // 37 + 41 + 41 entry bytes, sealed (+32) and the length field (+4)
  assert.equal(header.length, 37 + 41 + 41 + 36);
  const pack = Buffer.concat([randomBytes(227), header]);
  assert.deepEqual(decodePackHeader(pack.subarray(pack.length - EAGER_TAIL), key, pack.length), blobs);
  const entryTypes = key.open(header.subarray(0, header.length - 4));
  assert.equal(entryTypes[0], 0);
  assert.equal(entryTypes[37], 3);
  assert.equal(entryTypes[78], 2);
});

test('pack header: truncation and tampering are Corrupt, naming the pack', () => {
  const key = CryptoKey.random();
  const header = encodePackHeader([{ type: 'data', id: 'ab'.repeat(32), offset: 0, length: 40 }], key);
  const pack = Buffer.concat([randomBytes(40), header]);
  const bad = Buffer.from(pack);
  bad[bad.length - 10] ^= 1;
  assert.throws(
    () => decodePackHeader(bad, key, bad.length, 'data/ab/abcd'),
    (e) => {
      return isLifeboatError(e, 'Corrupt') && /data\/ab\/abcd/.test(e.message);
    },
  );
  assert.throws(() => decodePackHeader(pack.subarray(0, 20), key, 20), /too short/);
  const lying = Buffer.from(pack);
  lying.writeUInt32LE(1_000_000, lying.length - 4);
  assert.throws(() => decodePackHeader(lying, key, lying.length), /invalid header length/);
});

test('index JSON: restic field names, uncompressed_length only when compressed, supersedes kept', () => {
  const packs = [
    {
      packId: 'p'.repeat(64),
      blobs: [
        { type: 'data' as const, id: '1'.repeat(64), offset: 0, length: 10 },
        { type: 'tree' as const, id: '2'.repeat(64), offset: 10, length: 20, uncompressedLength: 99 },
      ],
    },
  ];
  const json = encodeIndexFile(packs, ['s'.repeat(64)]);
  assert.deepEqual(JSON.parse(JSON.stringify(json)), {
    supersedes: ['s'.repeat(64)],
    packs: [
      {
        id: 'p'.repeat(64),
        blobs: [
          { id: '1'.repeat(64), type: 'data', offset: 0, length: 10 },
          { id: '2'.repeat(64), type: 'tree', offset: 10, length: 20, uncompressed_length: 99 },
        ],
      },
    ],
  });
  assert.equal('supersedes' in encodeIndexFile(packs), false);
  const back = decodeIndexFile(json);
  assert.deepEqual(back.packs, packs);
  const idx = new MasterIndex();
  idx.add(back.packs[0]);
  assert.equal(idx.lookup('tree', '2'.repeat(64))?.packId, 'p'.repeat(64));
  assert.equal(idx.has('data', '2'.repeat(64)), false);
  assert.equal(idx.plainSize('data', '1'.repeat(64)), 10 - 32);
  assert.equal(idx.plainSize('tree', '2'.repeat(64)), 99);
});
