import { instantiatePoly1305Blocks, MESSAGE_OFFSET, MESSAGE_WINDOW } from './poly1305-wasm.ts';

const P = (1n << 130n) - 5n;
const MASK128 = (1n << 128n) - 1n;
const HIBIT = 1n << 24n;

/**
 * Poly1305 one-time authenticator (RFC 8439 §2.5) over a 32-byte key `r ‖ s`; `r` is clamped here, as the
 * algorithm requires. Not thread-safe: each worker thread makes its own instance (each owns its WebAssembly
 * memory). Throughput comes from the WebAssembly block function; the per-message setup and the final
 * reduction are plain JavaScript.
 */
export class Poly1305 {
  readonly #mem: Uint8Array;
  readonly #state: BigUint64Array;
  readonly #blocks: (ptr: number, len: number, hibit: bigint) => void;

  constructor() {
    const { memory, blocks } = instantiatePoly1305Blocks();
    this.#blocks = blocks;
    this.#mem = new Uint8Array(memory.buffer);
    this.#state = new BigUint64Array(memory.buffer, 0, 14);
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
    st.fill(0n, 0, 5);
    st[5] = BigInt(r0);
    st[6] = BigInt(r1);
    st[7] = BigInt(r2);
    st[8] = BigInt(r3);
    st[9] = BigInt(r4);
    st[10] = BigInt(r1 * 5);
    st[11] = BigInt(r2 * 5);
    st[12] = BigInt(r3 * 5);
    st[13] = BigInt(r4 * 5);
  }

  #finish(key: Uint8Array): Uint8Array {
    const st = this.#state;
    let h = 0n;
    for (let i = 4; i >= 0; i--) h = (h << 26n) + st[i];
    h %= P;
    let s = 0n;
    for (let i = 31; i >= 16; i--) s = (s << 8n) | BigInt(key[i]);
    let t = (h + s) & MASK128;
    const out = new Uint8Array(16);
    for (let i = 0; i < 16; i++) {
      out[i] = Number(t & 0xffn);
      t >>= 8n;
    }
    return out;
  }
}
