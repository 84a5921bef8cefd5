import {
  assembleModule,
  Code,
  compileModule,
  type FunctionSpec,
  instantiate,
  OP,
  T,
} from './wasm-assembler.ts';

/**
 * The Poly1305 block function as a WebAssembly module, assembled here from opcodes (no build step, no binary
 * blob in the tree). It is poly1305-donna's 32-bit scheme: h and r in five 26-bit limbs, products summed in
 * 64-bit integers, which WebAssembly multiplies natively; a pure-JavaScript Poly1305 cannot (noble's 13-bit
 * limbs run at ~200 MB/s here, this at several times that). One block per iteration: the fallback where
 * WebAssembly SIMD is missing, and the odd and final partial blocks of the two-lane SIMD module, which
 * shares this memory layout (`poly1305-simd-wasm.ts`).
 *
 * Memory layout (two 64 KiB pages):
 *   0..39    h0..h4   (i64 each)
 *   40..79   r0..r4
 *   80..111  s1..s4   (r1..r4 times 5)
 *   R_TABLES..R_TABLES + 287  the SIMD module's multiplier vectors (unused here)
 *   MESSAGE_OFFSET.. the bytes to absorb, a whole number of 16-byte blocks
 * Export `blocks(ptr: i32, len: i32, hibit: i64)` absorbs `len` bytes at `ptr`.
 *
 * Output invariant (relied on by the SIMD module and by the final reduction in `poly1305.ts`): h0, h2, h3,
 * h4 < 2^26 and h1 < 2^26 + 2^9. Input: the same, or zero.
 */

export const MESSAGE_OFFSET = 1024;
/** Bytes of message the window holds per call (a whole number of 32-byte block pairs). */
export const MESSAGE_WINDOW = 2 * 65536 - MESSAGE_OFFSET;
/** Byte offsets of the state in the module memory. */
export const STATE = { h: 0, r: 40, s: 80 } as const;
/** Where the SIMD module keeps its multiplier vectors (two tables of nine 16-byte vectors). */
export const R_TABLES = 128;
/** Memory pages of both modules. */
export const PAGES = 2;

// Locals: params 0 ptr, 1 len, 2 hibit; then i64 locals.
const P = { ptr: 0, len: 1, hibit: 2 } as const;
const L = {
  h0: 3,
  h1: 4,
  h2: 5,
  h3: 6,
  h4: 7,
  r0: 8,
  r1: 9,
  r2: 10,
  r3: 11,
  r4: 12,
  s1: 13,
  s2: 14,
  s3: 15,
  s4: 16,
  d0: 17,
  d1: 18,
  d2: 19,
  d3: 20,
  d4: 21,
  c: 22,
  mask: 23,
  end: 24, // i32
} as const;
const I64_LOCALS = 21; // h0..mask
const MASK26 = 0x3ffffff;

function blocksCode(): Code {
  const c = new Code();
  const hs = [L.h0, L.h1, L.h2, L.h3, L.h4];
  const rs = [L.r0, L.r1, L.r2, L.r3, L.r4];
  const ss = [0, L.s1, L.s2, L.s3, L.s4];
  const ds = [L.d0, L.d1, L.d2, L.d3, L.d4];
  for (let i = 0; i < 5; i++)
    c.i32(0)
      .mem(OP.i64Load, 3, STATE.h + i * 8)
      .set(hs[i]);
  for (let i = 0; i < 5; i++)
    c.i32(0)
      .mem(OP.i64Load, 3, STATE.r + i * 8)
      .set(rs[i]);
  for (let i = 1; i <= 4; i++)
    c.i32(0)
      .mem(OP.i64Load, 3, STATE.s + (i - 1) * 8)
      .set(ss[i]);
  c.i64(MASK26).set(L.mask);
  c.get(P.ptr).get(P.len).op(OP.i32Add).set(L.end);
  // block { loop { if ptr >= end break; ...; ptr += 16; continue } }
  c.op(OP.block, 0x40, OP.loop, 0x40);
  c.get(P.ptr).get(L.end).op(OP.i32GeU, OP.brIf, 1);
  // h_i += limb_i of the message block
  const limbs: Array<[number, number]> = [
    [0, 0],
    [3, 2],
    [6, 4],
    [9, 6],
    [12, 8],
  ];
  limbs.forEach(([off, shift], i) => {
    c.get(hs[i]).get(P.ptr).mem(OP.i64Load32U, 0, off);
    if (shift) c.i64(shift).op(OP.i64ShrU);
    if (i < 4) c.get(L.mask).op(OP.i64And);
    else c.get(P.hibit).op(OP.i64Or);
    c.op(OP.i64Add).set(hs[i]);
  });
  // d_k = sum_i h_i * (r_{k-i} or s_{5+k-i})
  for (let k = 0; k < 5; k++) {
    for (let i = 0; i < 5; i++) {
      const j = k - i;
      c.get(hs[i])
        .get(j >= 0 ? rs[j] : ss[5 + j])
        .op(OP.i64Mul);
      if (i > 0) c.op(OP.i64Add);
    }
    c.set(ds[k]);
  }
  // carry propagation
  for (let k = 0; k < 5; k++) {
    c.get(ds[k]);
    if (k > 0) c.get(L.c).op(OP.i64Add);
    c.tee(ds[k]).i64(26).op(OP.i64ShrU).set(L.c);
    c.get(ds[k]).get(L.mask).op(OP.i64And).set(hs[k]);
  }
  // h0 += c * 5; c = h0 >> 26; h0 &= mask; h1 += c
  c.get(L.h0).get(L.c).i64(5).op(OP.i64Mul, OP.i64Add).tee(L.h0).i64(26).op(OP.i64ShrU).set(L.c);
  c.get(L.h0).get(L.mask).op(OP.i64And).set(L.h0);
  c.get(L.h1).get(L.c).op(OP.i64Add).set(L.h1);
  // ptr += 16; continue
  c.get(P.ptr).i32(16).op(OP.i32Add).set(P.ptr);
  c.op(OP.br, 0, OP.end, OP.end);
  for (let i = 0; i < 5; i++)
    c.i32(0)
      .get(hs[i])
      .mem(OP.i64Store, 3, STATE.h + i * 8);
  return c;
}

/** The one-block-per-iteration function, for any module with this memory layout. */
export function scalarBlocksFunction(): FunctionSpec {
  return {
    name: 'blocks',
    params: [T.i32, T.i32, T.i64],
    results: [],
    locals: [...Array<number>(I64_LOCALS).fill(T.i64), T.i32],
    code: blocksCode(),
  };
}

export interface Poly1305Blocks {
  memory: { buffer: ArrayBuffer };
  blocks: (ptr: number, len: number, hibit: bigint) => void;
}

let compiled: object | undefined;

/** One instance per caller (per worker thread); instances share the compiled module. */
export function instantiatePoly1305Blocks(): Poly1305Blocks {
  compiled ??= compileModule(assembleModule(PAGES, [scalarBlocksFunction()]));
  return instantiate<Poly1305Blocks>(compiled);
}
