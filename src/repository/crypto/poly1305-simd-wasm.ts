import { PAGES, R_TABLES, STATE, scalarBlocksFunction } from './poly1305-wasm.ts';
import {
  assembleModule,
  Code,
  compileModule,
  type FunctionSpec,
  instantiate,
  OP,
  SIMD,
  T,
  VOID,
  validateModule,
} from './wasm-assembler.ts';

/**
 * Poly1305 two blocks at a time in WebAssembly SIMD. The message is split into two interleaved streams, the
 * even blocks (lane 0 of every i64x2) and the odd blocks (lane 1); each lane runs its own Horner evaluation
 * with r^2 as the multiplier, so a 32-byte step costs one (two-lane) multiplication by r^2:
 *
 *   h_even = (…((h + m0)·r^2 + m2)·r^2 + … + m_{n-2})·r^2
 *   h_odd  = (…((0 + m1)·r^2 + m3)·r^2 + … + m_{n-1})·r
 *
 * The very last step multiplies the odd lane by r instead of r^2 (a second table of multipliers), after
 * which h_even + h_odd = h·r^n + m0·r^n + m1·r^(n-1) + … + m_{n-1}·r, exactly Poly1305's state after the n
 * blocks. So every call ends with the ordinary five-limb state in memory, which the scalar function (in
 * the same module, same memory) continues from: it takes an odd block or the final partial one.
 *
 * Limbs are 26 bits, as in the scalar module; the products are `i64x2.extmul_{low,high}_i32x4_u` (x86
 * pmuludq after an unpack; `i64x2.mul` would be a full 64×64 emulation). h is kept as five i64x2 vectors
 * [even, odd] and packed into i32x4 [h0e, h0o, h1e, h1o], [h2e, h2o, h3e, h3o], [h4e, h4o, ·, ·] for the
 * multiplication. The multiplier vectors are V_j = [R_j, R_j, R_{j-1}, R_{j-1}] for j = -4..4, where R_j is
 * limb j of r^2 for j >= 0 and 5·limb (j + 5) of it for j < 0 (2^130 ≡ 5), so that
 *
 *   d_k = lo(P01·V_k) + hi(P01·V_k) + lo(P23·V_{k-2}) + hi(P23·V_{k-2}) + lo(P4·V_{k-4})
 *
 * (lo/hi: the extmul of lanes 0-1 or 2-3). The last step's table holds r^2 in the even lanes, r in the odd.
 *
 * Bounds (all values unsigned):
 * - Multipliers: limbs of r^2 mod p (reduced, so each < 2^26) and of the clamped r (< 2^26), times 5 at
 *   most: R < 5·2^26 < 2^28.33, so every multiplier fits the 32-bit lanes.
 * - Invariant at the top of each step: every limb of each lane is < 2^26 + 2^9. It holds on entry (the
 *   state in memory obeys the scalar module's invariant: h0, h2..h4 < 2^26, h1 < 2^26 + 2^9; the odd lane
 *   starts at 0), and the carry below restores it.
 * - Adding a message block (limbs < 2^26; the top limb < 2^24 + 2^24) gives limbs < 2^27 + 2^9 < 2^32:
 *   they fit the 32-bit lanes of the packed vectors.
 * - Each d_k is a sum of 5 products < (2^27 + 2^9)·5·2^26, so d_k < 25·(2^53 + 2^35) < 2^57.7: no i64
 *   lane overflows.
 * - Carry, two chains interleaved (0→1→2→3→4 would be one long dependency chain):
 *     c0 = d0>>26 < 2^31.7, d1 += c0;   c3 = d3>>26 < 2^31.7, d4 += c3        (d1, d4 < 2^57.8)
 *     c1 = d1>>26 < 2^31.8, d2 += c1;   c4 = d4>>26 < 2^31.8, h0 += 5·c4       (h0 < 2^26 + 2^34.1)
 *     c2 = d2>>26 < 2^31.8, d3 += c2;   c0' = h0>>26 < 2^8.2, h1 += c0'        (d3 < 2^26 + 2^31.8)
 *     c3' = d3>>26 < 2^5.9, h4 += c3'
 *   leaving h0, h2, h3 < 2^26, h1 < 2^26 + 2^8.2, h4 < 2^26 + 2^5.9: the invariant again (5·c4 is
 *   c4 + (c4 << 2), < 2^34.1, no overflow).
 * - At the end the lanes are added (limbs < 2^27 + 2^10) and carried sequentially in i64 as the scalar
 *   function does, which leaves h0, h2..h4 < 2^26 and h1 < 2^26 + 2: the scalar invariant, which the final
 *   reduction in `poly1305.ts` assumes.
 *
 * Export `pairs(ptr: i32, len: i32)` absorbs `len` bytes (a positive multiple of 32, full blocks) at `ptr`;
 * `blocks` is the scalar function. The multiplier tables must be written first ({@link writeMultiplierTables}).
 */

const MASK26 = 0x3ffffff;
/** The high bit of each full 16-byte block (2^128), at limb 4's position (2^104). */
const HIBIT = 1 << 24;
/** The table of the steps before the last (r^2 in both lanes), then that of the last (r^2, r). */
const TABLE_LOOP = R_TABLES;
const TABLE_LAST = R_TABLES + 9 * 16;

// Locals: params 0 ptr, 1 len; then i32 last, v128 ×…, i64 ×6.
const P = { ptr: 0, len: 1 } as const;
const L = {
  last: 2,
  h: [3, 4, 5, 6, 7],
  d: [8, 9, 10, 11, 12],
  a: 13,
  b: 14,
  t: 15,
  u: 16,
  p01: 17,
  p23: 18,
  p4: 19,
  c: 20,
  mask: 21,
  hibit: 22,
  v: [23, 24, 25, 26, 27, 28, 29, 30, 31],
  s: [32, 33, 34, 35, 36],
  sc: 37,
} as const;
const V128_LOCALS = 29; // h.. v
const I64_LOCALS = 6;

/** Byte shuffles: the low (high) i64 of each of two vectors; the low i32 of each i64 of two vectors. */
const LOW_QWORDS = [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];
const HIGH_QWORDS = [8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31];
const LOW_DWORDS = [0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27];

/**
 * Loads the nine multiplier vectors of `table` into locals, once before the loop: a load at each use (25 a
 * step) measured about 10 % slower, a load of the nine at the top of each step about 5 %, than letting V8
 * keep them in registers or its own spill slots.
 */
function loadMultipliers(c: Code, table: number): void {
  for (let j = 0; j < 9; j++) {
    c.i32(0).simdMem(SIMD.v128Load, 4, table + j * 16);
    c.set(L.v[j]);
  }
}

/** Pushes multiplier vector V_j (j in -4..4). */
function multiplier(c: Code, j: number): void {
  c.get(L.v[j + 4]);
}

/** One 32-byte step at `ptr`: h += (m_even, m_odd), then h *= the multipliers in the locals, carried. */
function step(c: Code): void {
  const h = L.h;
  const d = L.d;
  const shr = (n: number) => c.i32(n).simd(SIMD.i64x2ShrU);
  const and = () => c.get(L.mask).simd(SIMD.v128And);
  const add = () => c.simd(SIMD.i64x2Add);
  // t = [even.lo64, odd.lo64], u = [even.hi64, odd.hi64]
  c.get(P.ptr).simdMem(SIMD.v128Load, 0, 0).set(L.a);
  c.get(P.ptr).simdMem(SIMD.v128Load, 0, 16).set(L.b);
  c.get(L.a).get(L.b).shuffle(LOW_QWORDS).set(L.t);
  c.get(L.a).get(L.b).shuffle(HIGH_QWORDS).set(L.u);
  // the five 26-bit limbs of both blocks, added to h
  c.get(h[0]).get(L.t);
  and();
  add();
  c.set(h[0]);
  c.get(h[1]).get(L.t);
  shr(26);
  and();
  add();
  c.set(h[1]);
  c.get(h[2]).get(L.t);
  shr(52);
  c.get(L.u).i32(12).simd(SIMD.i64x2Shl).simd(SIMD.v128Or);
  and();
  add();
  c.set(h[2]);
  c.get(h[3]).get(L.u);
  shr(14);
  and();
  add();
  c.set(h[3]);
  c.get(h[4]).get(L.u);
  shr(40);
  c.get(L.hibit).simd(SIMD.v128Or);
  add();
  c.set(h[4]);
  // pack to 32-bit lanes for the multiplications
  c.get(h[0]).get(h[1]).shuffle(LOW_DWORDS).set(L.p01);
  c.get(h[2]).get(h[3]).shuffle(LOW_DWORDS).set(L.p23);
  c.get(h[4]).get(h[4]).shuffle(LOW_DWORDS).set(L.p4);
  for (let k = 0; k < 5; k++) {
    c.get(L.p01);
    multiplier(c, k);
    c.simd(SIMD.i64x2ExtmulLowI32x4U);
    c.get(L.p01);
    multiplier(c, k);
    c.simd(SIMD.i64x2ExtmulHighI32x4U);
    add();
    c.get(L.p23);
    multiplier(c, k - 2);
    c.simd(SIMD.i64x2ExtmulLowI32x4U);
    c.get(L.p23);
    multiplier(c, k - 2);
    c.simd(SIMD.i64x2ExtmulHighI32x4U);
    add();
    add();
    c.get(L.p4);
    multiplier(c, k - 4);
    c.simd(SIMD.i64x2ExtmulLowI32x4U);
    add();
    c.set(d[k]);
  }
  // carry: x = y & mask, with y >> 26 added to z
  const carry = (y: number, x: number, z: number, times5 = false) => {
    c.get(y);
    shr(26);
    if (times5) c.tee(L.c).get(L.c).i32(2).simd(SIMD.i64x2Shl).simd(SIMD.i64x2Add);
    c.get(z);
    add();
    c.set(z);
    c.get(y);
    and();
    c.set(x);
  };
  carry(d[0], h[0], d[1]);
  carry(d[3], d[3], d[4]);
  carry(d[1], h[1], d[2]);
  carry(d[4], h[4], h[0], true);
  carry(d[2], h[2], d[3]);
  carry(h[0], h[0], h[1]);
  carry(d[3], h[3], h[4]);
}

function pairsCode(): Code {
  const c = new Code();
  const h = L.h;
  // the state into the even lanes; the odd lanes start at zero
  for (let i = 0; i < 5; i++) {
    c.i32(0).simdMem(SIMD.v128Load64Zero, 3, STATE.h + i * 8);
    c.set(h[i]);
  }
  c.i64(MASK26).simd(SIMD.i64x2Splat).set(L.mask);
  c.i64(HIBIT).simd(SIMD.i64x2Splat).set(L.hibit);
  // last = the address of the final step (len >= 32 is the caller's part of the contract)
  c.get(P.ptr).get(P.len).op(OP.i32Add).i32(32).op(OP.i32Sub).set(L.last);
  // every step but the last with r^2 in both lanes
  loadMultipliers(c, TABLE_LOOP);
  c.op(OP.block, VOID, OP.loop, VOID);
  c.get(P.ptr).get(L.last).op(OP.i32GeU, OP.brIf, 1);
  step(c);
  c.get(P.ptr).i32(32).op(OP.i32Add).set(P.ptr);
  c.op(OP.br, 0, OP.end, OP.end);
  // the last step with (r^2, r)
  loadMultipliers(c, TABLE_LAST);
  step(c);
  // h = h_even + h_odd, then the scalar module's sequential carry
  const s = L.s;
  for (let i = 0; i < 5; i++) {
    c.get(h[i]).simdLane(SIMD.i64x2ExtractLane, 0);
    c.get(h[i]).simdLane(SIMD.i64x2ExtractLane, 1);
    c.op(OP.i64Add).set(s[i]);
  }
  for (let k = 0; k < 5; k++) {
    c.get(s[k]);
    if (k > 0) c.get(L.sc).op(OP.i64Add);
    c.tee(s[k]).i64(26).op(OP.i64ShrU).set(L.sc);
    c.get(s[k]).i64(MASK26).op(OP.i64And).set(s[k]);
  }
  c.get(s[0]).get(L.sc).i64(5).op(OP.i64Mul, OP.i64Add).tee(s[0]).i64(26).op(OP.i64ShrU).set(L.sc);
  c.get(s[0]).i64(MASK26).op(OP.i64And).set(s[0]);
  c.get(s[1]).get(L.sc).op(OP.i64Add).set(s[1]);
  for (let i = 0; i < 5; i++) {
    c.i32(0).get(s[i]);
    c.mem(OP.i64Store, 3, STATE.h + i * 8);
  }
  return c;
}

function pairsFunction(): FunctionSpec {
  return {
    name: 'pairs',
    params: [T.i32, T.i32],
    results: [],
    locals: [T.i32, ...Array<number>(V128_LOCALS).fill(T.v128), ...Array<number>(I64_LOCALS).fill(T.i64)],
    code: pairsCode(),
  };
}

export interface Poly1305SimdBlocks {
  memory: { buffer: ArrayBuffer };
  /** The scalar function: `len` bytes (whole blocks) at `ptr`, each with `hibit` added at 2^128. */
  blocks: (ptr: number, len: number, hibit: bigint) => void;
  /** Two lanes: `len` bytes (a positive multiple of 32, full blocks) at `ptr`. */
  pairs: (ptr: number, len: number) => void;
}

let compiled: object | null | undefined;

function compiledModule(): object | null {
  if (compiled === undefined) {
    const bytes = assembleModule(PAGES, [scalarBlocksFunction(), pairsFunction()]);
    compiled = validateModule(bytes) ? compileModule(bytes) : null;
  }
  return compiled;
}

/** Whether this engine runs WebAssembly SIMD (Node 20 does; checked, not assumed). */
export function simdAvailable(): boolean {
  return compiledModule() !== null;
}

/**
 * One instance per caller (per worker thread), or `null` where the engine has no WebAssembly SIMD; instances
 * share the compiled module.
 */
export function instantiatePoly1305Simd(): Poly1305SimdBlocks | null {
  const module = compiledModule();
  return module ? instantiate<Poly1305SimdBlocks>(module) : null;
}

const P1305 = (1n << 130n) - 5n;

/** Limb `j` (-4..4) of the multiplier: limb j of `x` for j >= 0, 5 times limb j + 5 for j < 0. */
function limb(x: readonly number[], j: number): number {
  return j >= 0 ? x[j] : 5 * x[j + 5];
}

function limbs26(x: bigint): number[] {
  return Array.from({ length: 5 }, (_, i) => Number((x >> BigInt(26 * i)) & BigInt(MASK26)));
}

/**
 * Writes both multiplier tables for the clamped `r` (given as its five 26-bit limbs, as the scalar state
 * holds it) into `memory`. Costs a BigInt square: callers do it when r changes, not per message.
 */
export function writeMultiplierTables(memory: ArrayBuffer, r: readonly number[]): void {
  let rv = 0n;
  for (let i = 4; i >= 0; i--) rv = (rv << 26n) | BigInt(r[i]);
  const r2 = limbs26((rv * rv) % P1305);
  const words = new Uint32Array(memory, R_TABLES, 2 * 9 * 4);
  for (let j = -4; j <= 4; j++) {
    const at = (j + 4) * 4;
    const hiJ = j - 1 >= -4 ? j - 1 : null; // V_{-4}'s upper half is never used
    words[at] = limb(r2, j);
    words[at + 1] = limb(r2, j);
    words[at + 2] = hiJ === null ? 0 : limb(r2, hiJ);
    words[at + 3] = hiJ === null ? 0 : limb(r2, hiJ);
    words[36 + at] = limb(r2, j);
    words[36 + at + 1] = limb(r, j);
    words[36 + at + 2] = hiJ === null ? 0 : limb(r2, hiJ);
    words[36 + at + 3] = hiJ === null ? 0 : limb(r, hiJ);
  }
}
