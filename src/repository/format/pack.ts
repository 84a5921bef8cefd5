import { LifeboatError } from '../../core/errors.ts';
import { CRYPTO_OVERHEAD, type CryptoKey } from '../crypto/crypto-key.ts';

export type BlobType = 'data' | 'tree';

/** One blob inside a pack, as the pack header and the index describe it. `length` is the sealed length. */
export interface PackedBlob {
  type: BlobType;
  /** SHA-256 of the plaintext (before compression), hex. */
  id: string;
  offset: number;
  length: number;
  /** Plaintext length when the stored form is zstd-compressed; absent for raw blobs. */
  uncompressedLength?: number;
}

/**
 * A pack file: `blob₁ ‖ … ‖ blobₙ ‖ sealed header ‖ uint32 LE length of the sealed header`. Each blob is sealed
 * on its own (IV ‖ ciphertext ‖ MAC). Header entries in blob order: type byte (0 data, 1 tree, 2 compressed
 * data, 3 compressed tree), uint32 LE sealed length, [uint32 LE uncompressed length for types 2 and 3], 32-byte
 * id. Offsets are implicit (running sum of lengths). The pack's name is the SHA-256 of all its bytes.
 */
export const PLAIN_ENTRY_SIZE = 1 + 4 + 32;
export const COMPRESSED_ENTRY_SIZE = 1 + 4 + 4 + 32;
/** Bytes a header adds beyond its entries: IV, MAC and the trailing length. */
export const HEADER_OVERHEAD = CRYPTO_OVERHEAD + 4;
/** restic's cap on the header (16 MiB + 4); readers refuse larger ones. */
export const MAX_HEADER_SIZE = 16 * 1024 * 1024 + 4;
/** Bytes from the end of a pack that usually hold the whole header (restic reads 15 entries eagerly). */
export const EAGER_TAIL = 15 * COMPRESSED_ENTRY_SIZE + HEADER_OVERHEAD;

export function entrySize(blob: Pick<PackedBlob, 'uncompressedLength'>): number {
  return blob.uncompressedLength === undefined ? PLAIN_ENTRY_SIZE : COMPRESSED_ENTRY_SIZE;
}

/** The sealed header plus its length field, to append after the blobs. */
export function encodePackHeader(blobs: readonly PackedBlob[], key: CryptoKey): Buffer {
  let size = 0;
  for (const b of blobs) size += entrySize(b);
  const plain = Buffer.allocUnsafe(size);
  let pos = 0;
  for (const b of blobs) {
    const compressed = b.uncompressedLength !== undefined;
    plain[pos] = (b.type === 'data' ? 0 : 1) + (compressed ? 2 : 0);
    plain.writeUInt32LE(b.length, pos + 1);
    pos += 5;
    if (compressed) {
      plain.writeUInt32LE(b.uncompressedLength as number, pos);
      pos += 4;
    }
    if (Buffer.from(b.id, 'hex').copy(plain, pos) !== 32)
      throw new LifeboatError('Invalid', `bad blob id ${b.id}`);
    pos += 32;
  }
  const sealed = key.seal(plain);
  const out = Buffer.allocUnsafe(sealed.length + 4);
  sealed.copy(out, 0);
  out.writeUInt32LE(sealed.length, sealed.length);
  return out;
}

/**
 * How many bytes from the end of a pack of `packSize` bytes hold the header and its length, given the last
 * bytes of the pack (`tail`, at least 4). Throws `Corrupt` for impossible lengths.
 */
export function headerSpan(tail: Uint8Array, packSize: number, packName = 'pack'): number {
  if (packSize < PLAIN_ENTRY_SIZE + HEADER_OVERHEAD) {
    throw new LifeboatError('Corrupt', `${packName}: file is too short (${packSize} bytes)`);
  }
  const hlen = Buffer.from(tail.buffer, tail.byteOffset, tail.length).readUInt32LE(tail.length - 4);
  if (hlen < CRYPTO_OVERHEAD || hlen + 4 > packSize || hlen + 4 > MAX_HEADER_SIZE) {
    throw new LifeboatError('Corrupt', `${packName}: invalid header length ${hlen}`);
  }
  return hlen + 4;
}

/** Decodes the header from the pack's last `headerSpan` bytes (`tail` may be longer; its end is used). */
export function decodePackHeader(
  tail: Uint8Array,
  key: CryptoKey,
  packSize: number,
  packName = 'pack',
): PackedBlob[] {
  const span = headerSpan(tail, packSize, packName);
  if (tail.length < span) throw new LifeboatError('Internal', 'tail shorter than the header span');
  const sealed = tail.subarray(tail.length - span, tail.length - 4);
  let plain: Buffer;
  try {
    plain = key.open(sealed);
  } catch (err) {
    throw new LifeboatError('Corrupt', `${packName}: header does not verify`, { cause: err });
  }
  const blobs: PackedBlob[] = [];
  let pos = 0;
  let offset = 0;
  while (pos < plain.length) {
    const t = plain[pos];
    if (t > 3) throw new LifeboatError('Corrupt', `${packName}: invalid blob type ${t} in header`);
    const compressed = t >= 2;
    const need = compressed ? COMPRESSED_ENTRY_SIZE : PLAIN_ENTRY_SIZE;
    if (pos + need > plain.length) throw new LifeboatError('Corrupt', `${packName}: truncated header entry`);
    const length = plain.readUInt32LE(pos + 1);
    const blob: PackedBlob = { type: t % 2 === 0 ? 'data' : 'tree', id: '', offset, length };
    let idPos = pos + 5;
    if (compressed) {
      blob.uncompressedLength = plain.readUInt32LE(idPos);
      idPos += 4;
    }
    blob.id = plain.toString('hex', idPos, idPos + 32);
    blobs.push(blob);
    offset += length;
    pos += need;
  }
  if (offset + span > packSize)
    throw new LifeboatError('Corrupt', `${packName}: header describes more bytes than the file has`);
  return blobs;
}
