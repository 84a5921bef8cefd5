import {
  type Cipher,
  createCipheriv,
  createDecipheriv,
  createSecretKey,
  type KeyObject,
  randomBytes,
  randomFillSync,
} from 'node:crypto';
import { LifeboatError } from '../../core/errors.ts';
import { Poly1305 } from './poly1305.ts';

/** Bytes added to every sealed message: a 16-byte IV in front, a 16-byte MAC behind. */
export const CRYPTO_OVERHEAD = 32;
const IV_SIZE = 16;
const MAC_SIZE = 16;
/** Random IVs are drawn from the CSPRNG this many at a time (one call per batch, not one per blob). */
const IV_BATCH = 256;
/**
 * AES-CTR runs over at most this many bytes per call. Each call returns a new buffer; up to here malloc
 * serves it from memory freed a moment ago, while a whole 128 KiB blob's output came from fresh pages
 * (zeroed, page-faulted) about as often as not.
 */
const CTR_SLICE = 32 << 10;

/** The JSON form of a restic master key: `{"mac":{"k":…,"r":…},"encrypt":…}`, all base64. */
export interface CryptoKeyJSON {
  mac: { k: string; r: string };
  encrypt: string;
}

let poly: Poly1305 | undefined;
// One Poly1305 (one WebAssembly memory) per thread; a thread runs one seal/open at a time.
function poly1305(): Poly1305 {
  poly ??= new Poly1305();
  return poly;
}

/**
 * restic's authenticated encryption: AES-256-CTR with a random 16-byte IV, then Poly1305-AES over the
 * ciphertext (not the IV), whose one-time key is `r ‖ AES-128_k(IV)`. Sealed form: `IV ‖ ciphertext ‖ MAC`.
 */
export class CryptoKey {
  readonly encrypt: Buffer;
  readonly macK: Buffer;
  readonly macR: Buffer;
  readonly #encKey: KeyObject;
  readonly #macKey: KeyObject;
  /** AES-128-ECB under the MAC key, reused for every nonce (ECB keeps no state between whole blocks). */
  #nonceCipher: Cipher | undefined;
  /** `r ‖ s` for the current message: r fixed, s = AES_k(IV) written per message. */
  readonly #polyKey = Buffer.alloc(32);
  #ivs = Buffer.alloc(0);
  #ivPos = 0;

  constructor(encrypt: Uint8Array, macK: Uint8Array, macR: Uint8Array) {
    if (encrypt.length !== 32 || macK.length !== 16 || macR.length !== 16) {
      throw new LifeboatError('Invalid', 'invalid key: wrong key lengths');
    }
    if (isZero(encrypt) || isZero(macK) || isZero(macR))
      throw new LifeboatError('Invalid', 'invalid key: all zero');
    this.encrypt = Buffer.from(encrypt);
    this.macK = Buffer.from(macK);
    this.macR = Buffer.from(macR);
    this.#encKey = createSecretKey(this.encrypt);
    this.#macKey = createSecretKey(this.macK);
    this.#polyKey.set(this.macR, 0);
  }

  static random(): CryptoKey {
    return new CryptoKey(randomBytes(32), randomBytes(16), randomBytes(16));
  }

  /** From the 64 bytes scrypt derives: encryption key, then MAC k, then MAC r (restic's order). */
  static fromDerived(bytes: Uint8Array): CryptoKey {
    return new CryptoKey(bytes.subarray(0, 32), bytes.subarray(32, 48), bytes.subarray(48, 64));
  }

  static fromJSON(json: CryptoKeyJSON): CryptoKey {
    if (!json || typeof json.encrypt !== 'string' || !json.mac) {
      throw new LifeboatError('Invalid', 'invalid key: missing fields');
    }
    return new CryptoKey(
      Buffer.from(json.encrypt, 'base64'),
      Buffer.from(json.mac.k, 'base64'),
      Buffer.from(json.mac.r, 'base64'),
    );
  }

  toJSON(): CryptoKeyJSON {
    return {
      mac: { k: this.macK.toString('base64'), r: this.macR.toString('base64') },
      encrypt: this.encrypt.toString('base64'),
    };
  }

  /** Encrypts and authenticates `plaintext`: returns `IV ‖ ciphertext ‖ MAC`. */
  seal(plaintext: Uint8Array): Buffer {
    const out = Buffer.allocUnsafe(plaintext.length + CRYPTO_OVERHEAD);
    this.sealInto(plaintext, out, 0);
    return out;
  }

  /**
   * Seals `plaintext` into `out` at `offset` (which must have room for `plaintext.length + CRYPTO_OVERHEAD`
   * bytes) and returns the sealed length: packs are assembled in place, without a copy per blob.
   */
  sealInto(plaintext: Uint8Array, out: Uint8Array, offset: number): number {
    const length = plaintext.length + CRYPTO_OVERHEAD;
    if (offset < 0 || offset + length > out.length) throw new RangeError('no room for the sealed blob');
    const iv = out.subarray(offset, offset + IV_SIZE);
    this.#nextIv(iv);
    ctrInto(createCipheriv('aes-256-ctr', this.#encKey, iv), plaintext, out, offset + IV_SIZE);
    const ctEnd = offset + IV_SIZE + plaintext.length;
    out.set(this.#mac(iv, out.subarray(offset + IV_SIZE, ctEnd)), ctEnd);
    return length;
  }

  /** Verifies and decrypts `IV ‖ ciphertext ‖ MAC`; a wrong key or any changed byte throws `Corrupt`. */
  open(sealed: Uint8Array): Buffer {
    if (sealed.length < CRYPTO_OVERHEAD) {
      throw new LifeboatError('Corrupt', 'ciphertext too short');
    }
    const iv = sealed.subarray(0, IV_SIZE);
    const ct = sealed.subarray(IV_SIZE, sealed.length - MAC_SIZE);
    const mac = sealed.subarray(sealed.length - MAC_SIZE);
    const want = this.#mac(iv, ct);
    let diff = 0;
    for (let i = 0; i < MAC_SIZE; i++) diff |= want[i] ^ mac[i];
    if (diff !== 0) throw new LifeboatError('Corrupt', 'ciphertext verification failed');
    return createDecipheriv('aes-256-ctr', this.#encKey, iv).update(ct);
  }

  /**
   * Decrypts `IV ‖ ciphertext ‖ MAC` **without checking the MAC**. Only for plaintext the caller then checks
   * against a hash it already trusts (a raw data blob against its id, which the authenticated index and the
   * hash-chained trees vouch for): any change to the ciphertext changes the plaintext, so that check rejects
   * it just as the MAC would, at the cost of one hash instead of a hash and a MAC. Never feed the result to a
   * parser (a decompressor) before that check.
   */
  decryptForHashCheck(sealed: Uint8Array): Buffer {
    if (sealed.length < CRYPTO_OVERHEAD) throw new LifeboatError('Corrupt', 'ciphertext too short');
    const iv = sealed.subarray(0, IV_SIZE);
    return createDecipheriv('aes-256-ctr', this.#encKey, iv).update(
      sealed.subarray(IV_SIZE, sealed.length - MAC_SIZE),
    );
  }

  /**
   * {@link decryptForHashCheck} into `out` (room for the plaintext, reused by the caller from blob to blob):
   * returns the plaintext as a view of `out`. The same caveat holds: the caller must check it against a
   * trusted hash before anything parses it.
   */
  decryptForHashCheckInto(sealed: Uint8Array, out: Buffer): Buffer {
    if (sealed.length < CRYPTO_OVERHEAD) throw new LifeboatError('Corrupt', 'ciphertext too short');
    const length = sealed.length - CRYPTO_OVERHEAD;
    if (out.length < length) throw new RangeError('no room for the plaintext');
    const iv = sealed.subarray(0, IV_SIZE);
    ctrInto(
      createDecipheriv('aes-256-ctr', this.#encKey, iv),
      sealed.subarray(IV_SIZE, IV_SIZE + length),
      out,
      0,
    );
    return out.subarray(0, length);
  }

  #nextIv(into: Uint8Array): void {
    if (this.#ivPos >= this.#ivs.length) {
      this.#ivs = randomFillSync(Buffer.allocUnsafeSlow(IV_SIZE * IV_BATCH));
      this.#ivPos = 0;
    }
    into.set(this.#ivs.subarray(this.#ivPos, this.#ivPos + IV_SIZE));
    this.#ivPos += IV_SIZE;
  }

  #mac(iv: Uint8Array, ct: Uint8Array): Uint8Array {
    if (!this.#nonceCipher) {
      this.#nonceCipher = createCipheriv('aes-128-ecb', this.#macKey, null);
      this.#nonceCipher.setAutoPadding(false);
    }
    this.#polyKey.set(this.#nonceCipher.update(iv), 16);
    return poly1305().mac(this.#polyKey, ct);
  }
}

/** Runs the CTR cipher over `input` in slices of {@link CTR_SLICE}, writing the output into `out` at `at`. */
function ctrInto(cipher: Cipher, input: Uint8Array, out: Uint8Array, at: number): void {
  for (let p = 0; p < input.length; p += CTR_SLICE) {
    const part = cipher.update(input.subarray(p, Math.min(input.length, p + CTR_SLICE)));
    out.set(part, at + p);
  }
}

/** Poly1305-AES (Bernstein 2005): the Poly1305 tag of `msg` under `r` with `s = AES-128_k(nonce)`. */
export function poly1305Aes(
  k: KeyObject | Uint8Array,
  r: Uint8Array,
  nonce: Uint8Array,
  msg: Uint8Array,
): Uint8Array {
  const aes = createCipheriv('aes-128-ecb', k, null);
  aes.setAutoPadding(false);
  const s = aes.update(nonce);
  const key = Buffer.allocUnsafe(32);
  key.set(r, 0);
  s.copy(key, 16);
  return poly1305().mac(key, msg);
}

function isZero(b: Uint8Array): boolean {
  for (const x of b) if (x !== 0) return false;
  return true;
}
