import { instantiatePoly1305Blocks, MESSAGE_OFFSET, MESSAGE_WINDOW } from './poly1305-wasm.ts';

const MASK26 = 0x3ffffff;
/** The high bit of each full 16-byte block (2^128), at limb 4's position (2^104). */
const HIBIT = 1n << 24n;

/**
 * Poly1305 one-time authenticator (RFC 8439 §2.5) over a 32-byte key `r ‖ s`; `r` is clamped here, as the
 * algorithm requires. Not thread-safe: each worker thread makes its own instance (each owns its WebAssembly
 * memory). Throughput comes from the WebAssembly block function; the per-message setup and the final
 * reduction are plain JavaScript.
 */
export class Poly1305 {
  readonly #mem: Uint8Array;
  /** The i64 state words as 32-bit halves: limbs stay below 2^32, so the high halves are zero. */
  readonly #state: Uint32Array;
  readonly #blocks: (ptr: number, len: number, hibit: bigint) => void;

  constructor() {
    const { memory, blocks } = instantiatePoly1305Blocks();
    this.#blocks = blocks;
    this.#mem = new Uint8Array(memory.buffer);
    this.#state = new Uint32Array(memory.buffer, 0, 28);
  }

  /** The 16-byte tag of `msg` under the 32-byte one-time key `key` (r ‖ s). */
  mac(key: Uint8Array, msg: Uint8Array): Uint8Array {
    if (key.length !== 32) throw new RangeError('poly1305 key must be 32 bytes');
    this.#setKey(key);
    const mem = this.#mem;
    const full = msg.length - (msg.length % 16);
    for (let off = 0; off < full; off += MESSAGE_WINDOW) {
      const len = Math.min(MESSAGE_WINDOW, full - off);
      mem.set(msg.subarray(off, off + len), MESSAGE_OFFSET);
      this.#blocks(MESSAGE_OFFSET, len, HIBIT);
    }
    const rest = msg.length - full;
    if (rest > 0) {
      mem.fill(0, MESSAGE_OFFSET, MESSAGE_OFFSET + 16);
      mem.set(msg.subarray(full), MESSAGE_OFFSET);
      mem[MESSAGE_OFFSET + rest] = 1;
      this.#blocks(MESSAGE_OFFSET, 16, 0n);
    }
    return this.#finish(key);
  }

  #setKey(key: Uint8Array): void {
    const dv = new DataView(key.buffer, key.byteOffset, 16);
    const w = (o: number) => dv.getUint32(o, true);
    // poly1305-donna's limb split; the masks also apply the clamp of r.
    const r0 = w(0) & 0x3ffffff;
    const r1 = (w(3) >>> 2) & 0x3ffff03;
    const r2 = (w(6) >>> 4) & 0x3ffc0ff;
    const r3 = (w(9) >>> 6) & 0x3f03fff;
    const r4 = (w(12) >>> 8) & 0x00fffff;
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
    const words = [
      (h0 | (h1 << 26)) >>> 0,
      ((h1 >>> 6) | (h2 << 20)) >>> 0,
      ((h2 >>> 12) | (h3 << 14)) >>> 0,
      ((h3 >>> 18) | (h4 << 8)) >>> 0,
    ];
    const pad = new DataView(key.buffer, key.byteOffset + 16, 16);
    const out = new Uint8Array(16);
    const dv = new DataView(out.buffer);
    let carry = 0;
    for (let i = 0; i < 4; i++) {
      const f = words[i] + pad.getUint32(i * 4, true) + carry;
      dv.setUint32(i * 4, f >>> 0, true);
      carry = f > 0xffffffff ? 1 : 0;
    }
    return out;
  }
}
