/**
 * The Poly1305 block function as a WebAssembly module, assembled here from opcodes (no build step, no binary
 * blob in the tree). It is poly1305-donna's 32-bit scheme: h and r in five 26-bit limbs, products summed in
 * 64-bit integers, which WebAssembly multiplies natively; a pure-JavaScript Poly1305 cannot (noble's 13-bit
 * limbs run at ~200 MB/s here, this at several times that).
 *
 * Memory layout (one 64 KiB page plus the message window):
 *   0..39    h0..h4   (i64 each)
 *   40..79   r0..r4
 *   80..111  s1..s4   (r1..r4 times 5)
 *   MESSAGE_OFFSET.. the bytes to absorb, a whole number of 16-byte blocks
 * Export `blocks(ptr: i32, len: i32, hibit: i64)` absorbs `len` bytes at `ptr`.
 */

export const MESSAGE_OFFSET = 1024;
/** Bytes of message the window holds per call. */
export const MESSAGE_WINDOW = 2 * 65536 - MESSAGE_OFFSET;

const OP = {
  block: 0x02,
  loop: 0x03,
  br_if: 0x0d,
  end: 0x0b,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  i32Const: 0x41,
  i64Const: 0x42,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32LtU: 0x49,
  i32GeU: 0x4f,
  i64Load: 0x29,
  i64Load32U: 0x35,
  i64Store: 0x37,
  i64Add: 0x7c,
  i64Mul: 0x7e,
  i64And: 0x83,
  i64Or: 0x84,
  i64ShrU: 0x88,
  i64ExtendI32U: 0xad,
} as const;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  let more = true;
  while (more) {
    let b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) more = false;
    else b |= 0x80;
    out.push(b);
  }
  return out;
}

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

function body(): number[] {
  const b: number[] = [];
  const get = (i: number) => b.push(OP.localGet, ...uleb(i));
  const set = (i: number) => b.push(OP.localSet, ...uleb(i));
  const i64c = (v: number) => b.push(OP.i64Const, ...sleb(v));
  const loadState = (local: number, offset: number) => {
    b.push(OP.i32Const, 0, OP.i64Load, 3, ...uleb(offset));
    set(local);
  };
  const storeState = (local: number, offset: number) => {
    b.push(OP.i32Const, 0);
    get(local);
    b.push(OP.i64Store, 3, ...uleb(offset));
  };
  const hs = [L.h0, L.h1, L.h2, L.h3, L.h4];
  const rs = [L.r0, L.r1, L.r2, L.r3, L.r4];
  const ss = [0, L.s1, L.s2, L.s3, L.s4];
  const ds = [L.d0, L.d1, L.d2, L.d3, L.d4];
  for (let i = 0; i < 5; i++) loadState(hs[i], i * 8);
  for (let i = 0; i < 5; i++) loadState(rs[i], 40 + i * 8);
  for (let i = 1; i <= 4; i++) loadState(ss[i], 80 + (i - 1) * 8);
  i64c(MASK26);
  set(L.mask);
  // end = ptr + len
  get(P.ptr);
  get(P.len);
  b.push(OP.i32Add);
  set(L.end);
  // block { loop { if ptr >= end break; ...; ptr += 16; continue } }
  b.push(OP.block, 0x40, OP.loop, 0x40);
  get(P.ptr);
  get(L.end);
  b.push(OP.i32GeU, OP.br_if, 1);
  // h_i += limb_i of the message block
  const limbs: Array<[number, number]> = [
    [0, 0],
    [3, 2],
    [6, 4],
    [9, 6],
    [12, 8],
  ];
  limbs.forEach(([off, shift], i) => {
    get(hs[i]);
    get(P.ptr);
    b.push(OP.i64Load32U, 0, ...uleb(off));
    if (shift) {
      i64c(shift);
      b.push(OP.i64ShrU);
    }
    if (i < 4) {
      get(L.mask);
      b.push(OP.i64And);
    } else {
      get(P.hibit);
      b.push(OP.i64Or);
    }
    b.push(OP.i64Add);
    set(hs[i]);
  });
  // d_k = sum_i h_i * (r_{k-i} or s_{5+k-i})
  for (let k = 0; k < 5; k++) {
    for (let i = 0; i < 5; i++) {
      get(hs[i]);
      const j = k - i;
      get(j >= 0 ? rs[j] : ss[5 + j]);
      b.push(OP.i64Mul);
      if (i > 0) b.push(OP.i64Add);
    }
    set(ds[k]);
  }
  // carry propagation
  for (let k = 0; k < 5; k++) {
    get(ds[k]);
    if (k > 0) {
      get(L.c);
      b.push(OP.i64Add);
    }
    b.push(OP.localTee, ...uleb(ds[k]));
    i64c(26);
    b.push(OP.i64ShrU);
    set(L.c);
    get(ds[k]);
    get(L.mask);
    b.push(OP.i64And);
    set(hs[k]);
  }
  // h0 += c * 5; c = h0 >> 26; h0 &= mask; h1 += c
  get(L.h0);
  get(L.c);
  i64c(5);
  b.push(OP.i64Mul, OP.i64Add);
  b.push(OP.localTee, ...uleb(L.h0));
  i64c(26);
  b.push(OP.i64ShrU);
  set(L.c);
  get(L.h0);
  get(L.mask);
  b.push(OP.i64And);
  set(L.h0);
  get(L.h1);
  get(L.c);
  b.push(OP.i64Add);
  set(L.h1);
  // ptr += 16; continue
  get(P.ptr);
  b.push(OP.i32Const, 16, OP.i32Add);
  set(P.ptr);
  b.push(0x0c, 0); // br 0 (loop)
  b.push(OP.end, OP.end);
  for (let i = 0; i < 5; i++) storeState(hs[i], i * 8);
  b.push(OP.end);
  const locals = [2, ...uleb(I64_LOCALS), 0x7e, 1, 0x7f];
  const fn = [...locals, ...b];
  return [...uleb(fn.length), ...fn];
}

function section(id: number, content: number[]): number[] {
  return [id, ...uleb(content.length), ...content];
}

function moduleBytes(): Uint8Array {
  const name = [...Buffer.from('blocks')];
  const mem = [...Buffer.from('memory')];
  const bytes = [
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    // type: (i32, i32, i64) -> ()
    ...section(1, [1, 0x60, 3, 0x7f, 0x7f, 0x7e, 0]),
    ...section(3, [1, 0]),
    // memory: 2 pages, fixed
    ...section(5, [1, 0x01, 2, 2]),
    ...section(7, [2, name.length, ...name, 0, 0, mem.length, ...mem, 2, 0]),
    ...section(10, [1, ...body()]),
  ];
  return Uint8Array.from(bytes);
}

/** The slice of the WebAssembly JS API used here (the project's `lib` settings do not declare it). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}

export interface Poly1305Blocks {
  memory: { buffer: ArrayBuffer };
  blocks: (ptr: number, len: number, hibit: bigint) => void;
}

let compiled: object | undefined;

/** One instance per caller (per worker thread); instances share the compiled module. */
export function instantiatePoly1305Blocks(): Poly1305Blocks {
  const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
  compiled ??= new wasm.Module(moduleBytes());
  const instance = new wasm.Instance(compiled, {});
  return instance.exports as unknown as Poly1305Blocks;
}
