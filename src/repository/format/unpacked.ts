import { LifeboatError } from '../../core/errors.ts';
import { compressAlways, decompress } from '../blobs/compression.ts';
import type { CryptoKey } from '../crypto/crypto-key.ts';
import { sha256Hex } from './key-file.ts';

/**
 * "Unpacked" files: index, snapshot and lock files, each one sealed JSON document whose storage id is the
 * SHA-256 of the sealed bytes. In a version 2 repository the plaintext is `0x02 ‖ zstd(JSON)`; readers also
 * accept raw JSON (first byte `{` or `[`), which version 1 repositories and some writers use.
 */
export function encodeUnpacked(
  value: unknown,
  key: CryptoKey,
  version: number,
): { id: string; bytes: Buffer } {
  const json = Buffer.from(JSON.stringify(value));
  let plain: Buffer = json;
  if (version >= 2) {
    const z = compressAlways(json);
    plain = Buffer.allocUnsafe(z.length + 1);
    plain[0] = 2;
    z.copy(plain, 1);
  }
  const bytes = key.seal(plain);
  return { id: sha256Hex(bytes), bytes };
}

export function decodeUnpacked<T>(sealed: Uint8Array, key: CryptoKey): T {
  const plain = key.open(sealed);
  let json: Buffer = plain;
  if (plain.length > 0 && plain[0] !== 0x7b && plain[0] !== 0x5b) {
    if (plain[0] !== 2) throw new LifeboatError('Corrupt', `unsupported encoding version ${plain[0]}`);
    json = decompress(plain.subarray(1));
  }
  try {
    return JSON.parse(json.toString('utf8')) as T;
  } catch (err) {
    throw new LifeboatError('Corrupt', 'not valid JSON after decryption', { cause: err });
  }
}
