import { instantiatePoly1305Simd, writeMultiplierTables } from './poly1305-simd-wasm.ts';
import { instantiatePoly1305Blocks, MESSAGE_OFFSET, MESSAGE_WINDOW } from './poly1305-wasm.ts';

const MASK26 = 0x3ffffff;
/** The high bit of each full 16-byte block (2^128), at limb 4's position (2^104). */
const HIBIT = 1n << 24n;

/**
 * Messages shorter than this take the one-block loop even where SIMD is available: below it the SIMD call's
 * fixed cost (state in and out, multiplier loads, an extra call for an odd block) ate the gain; at 128 B both
 * measured the same (bench/poly1305.ts), from 192 B the SIMD loop wins.
 */
export const SIMD_MIN_BYTES = 128;

export interface Poly1305Options {
  /** Use the two-lane WebAssembly SIMD loop where the engine has it (default true); false forces scalar. */
  simd?: boolean;
  /** The shortest message that takes the SIMD loop (default {@link SIMD_MIN_BYTES}; tests and benchmarks). */
  simdMinBytes?: number;
}

/**
 * Poly1305 one-time authenticator (RFC 8439 §2.5) over a 32-byte key `r ‖ s`; `r` is clamped here, as the
 * algorithm requires. Not thread-safe: each worker thread makes its own instance (each owns its WebAssembly
 * memory). Throughput comes from the WebAssembly block functions: two blocks per step in SIMD where the
 * engine has it, else one; the per-message setup and the final reduction are plain JavaScript.
 */
export class Poly1305 {
  readonly #mem: Uint8Array;
  /** The i64 state words as 32-bit halves: limbs stay below 2^32, so the high halves are zero. */
  readonly #state: Uint32Array;
  readonly #blocks: (ptr: number, len: number, hibit: bigint) => void;
  readonly #pairs: ((ptr: number, len: number) => void) | null;
  readonly #simdMinBytes: number;
  /** The clamped r (five 26-bit limbs) the SIMD multiplier tables were written for. */
  readonly #tablesR = [-1, -1, -1, -1, -1];

  constructor(options: Poly1305Options = {}) {
    const simd = options.simd === false ? null : instantiatePoly1305Simd();
    const { memory, blocks } = simd ?? instantiatePoly1305Blocks();
    this.#blocks = blocks;
    this.#pairs = simd ? simd.pairs : null;
    this.#simdMinBytes = options.simdMinBytes ?? SIMD_MIN_BYTES;
    this.#mem = new Uint8Array(memory.buffer);
    this.#state = new Uint32Array(memory.buffer, 0, 28);
  }

  /** Whether this instance runs the SIMD loop (for messages of at least `simdMinBytes`). */
  get simd(): boolean {
    return this.#pairs !== null;
  }

  /** The 16-byte tag of `msg` under the 32-byte one-time key `key` (r ‖ s). */
  mac(key: Uint8Array, msg: Uint8Array): Uint8Array {
    if (key.length !== 32) throw new RangeError('poly1305 key must be 32 bytes');
    this.#setKey(key);
    const mem = this.#mem;
    const total = msg.length;
    const pairs = total >= this.#simdMinBytes ? this.#pairs : null;
    if (pairs) this.#prepareTables();
    let off = 0;
    for (; total - off > MESSAGE_WINDOW; off += MESSAGE_WINDOW) {
      mem.set(msg.subarray(off, off + MESSAGE_WINDOW), MESSAGE_OFFSET);
      this.#absorb(MESSAGE_WINDOW, pairs);
    }
    // The last window (most messages have only this one), with the final partial block padded in place.
    const tail = total - off;
    mem.set(off === 0 ? msg : msg.subarray(off), MESSAGE_OFFSET);
    const full = tail & ~15;
    if (full > 0) this.#absorb(full, pairs);
    if (tail > full) {
      mem[MESSAGE_OFFSET + tail] = 1;
      mem.fill(0, MESSAGE_OFFSET + tail + 1, MESSAGE_OFFSET + full + 16);
      this.#blocks(MESSAGE_OFFSET + full, 16, 0n);
    }
    return this.#finish(key);
  }

  /** Absorbs `len` bytes of full blocks at the start of the message window. */
  #absorb(len: number, pairs: ((ptr: number, len: number) => void) | null): void {
    if (!pairs) {
      this.#blocks(MESSAGE_OFFSET, len, HIBIT);
      return;
    }
    // Each SIMD call leaves the plain state, so an odd block can follow in the scalar loop.
    const even = len & ~31;
    if (even > 0) pairs(MESSAGE_OFFSET, even);
    if (even < len) this.#blocks(MESSAGE_OFFSET + even, 16, HIBIT);
  }

  /** Rewrites the SIMD multiplier tables when r differs from the one they hold (a key keeps its r). */
  #prepareTables(): void {
    const st = this.#state;
    const held = this.#tablesR;
    let same = true;
    for (let i = 0; i < 5; i++) if (held[i] !== st[10 + 2 * i]) same = false;
    if (same) return;
    for (let i = 0; i < 5; i++) held[i] = st[10 + 2 * i];
    writeMultiplierTables(this.#mem.buffer as ArrayBuffer, held);
  }

  #setKey(key: Uint8Array): void {
    // poly1305-donna's limb split; the masks also apply the clamp of r.
    const r0 = le32(key, 0) & 0x3ffffff;
    const r1 = (le32(key, 3) >>> 2) & 0x3ffff03;
    const r2 = (le32(key, 6) >>> 4) & 0x3ffc0ff;
    const r3 = (le32(key, 9) >>> 6) & 0x3f03fff;
    const r4 = (le32(key, 12) >>> 8) & 0x00fffff;
    const st = this.#state;
    st.fill(0);
    st[10] = r0;
    st[12] = r1;
    st[14] = r2;
    st[16] = r3;
    st[18] = r4;
    st[20] = r1 * 5;
    st[22] = r2 * 5;
    st[24] = r3 * 5;
    st[26] = r4 * 5;
  }

  /** poly1305-donna's finish in 32-bit arithmetic: full carry, reduce mod 2^130 - 5, add s mod 2^128. */
  #finish(key: Uint8Array): Uint8Array {
    const st = this.#state;
    let h0 = st[0];
    let h1 = st[2];
    let h2 = st[4];
    let h3 = st[6];
    let h4 = st[8];
    let c = h1 >>> 26;
    h1 &= MASK26;
    h2 += c;
    c = h2 >>> 26;
    h2 &= MASK26;
    h3 += c;
    c = h3 >>> 26;
    h3 &= MASK26;
    h4 += c;
    c = h4 >>> 26;
    h4 &= MASK26;
    h0 += c * 5;
    c = h0 >>> 26;
    h0 &= MASK26;
    h1 += c;
    // g = h + 5 - 2^130; when g is not negative, h >= p and g is the reduced value.
    let g0 = h0 + 5;
    c = g0 >>> 26;
    g0 &= MASK26;
    let g1 = h1 + c;
    c = g1 >>> 26;
    g1 &= MASK26;
    let g2 = h2 + c;
    c = g2 >>> 26;
    g2 &= MASK26;
    let g3 = h3 + c;
    c = g3 >>> 26;
    g3 &= MASK26;
    const g4 = (h4 + c - (1 << 26)) | 0;
    const useG = (g4 >>> 31) - 1; // all ones when g4 >= 0, else 0 (no branch on secret data)
    const keep = ~useG;
    h0 = (h0 & keep) | (g0 & useG);
    h1 = (h1 & keep) | (g1 & useG);
    h2 = (h2 & keep) | (g2 & useG);
    h3 = (h3 & keep) | (g3 & useG);
    h4 = (h4 & keep) | (g4 & useG);
    // h + s mod 2^128, word by word with carry (f < 2^33: exact in a double)
    const out = new Uint8Array(16);
    let f = ((h0 | (h1 << 26)) >>> 0) + le32(key, 16);
    putLe32(out, 0, f);
    f = (((h1 >>> 6) | (h2 << 20)) >>> 0) + le32(key, 20) + (f > 0xffffffff ? 1 : 0);
    putLe32(out, 4, f);
    f = (((h2 >>> 12) | (h3 << 14)) >>> 0) + le32(key, 24) + (f > 0xffffffff ? 1 : 0);
    putLe32(out, 8, f);
    f = (((h3 >>> 18) | (h4 << 8)) >>> 0) + le32(key, 28) + (f > 0xffffffff ? 1 : 0);
    putLe32(out, 12, f);
    return out;
  }
}

/** The little-endian unsigned 32-bit word at `o`. */
function le32(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
}

/** Writes the low 32 bits of `v` (< 2^33) little-endian at `o`. */
function putLe32(b: Uint8Array, o: number, v: number): void {
  b[o] = v & 0xff;
  b[o + 1] = (v >>> 8) & 0xff;
  b[o + 2] = (v >>> 16) & 0xff;
  b[o + 3] = (v >>> 24) & 0xff;
}
