/**
 * Just enough of a WebAssembly binary encoder to build the engine's small hot loops (Poly1305 blocks, the
 * FastCDC gear scan) from opcodes at load time: no build step and no binary blob in the tree. Each module has
 * one exported memory (fixed size) and its functions; nothing is imported.
 */

/** The opcodes used by the engine's modules (WebAssembly 1.0 plus the SIMD proposal shipped in Node 20). */
export const OP = {
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  else: 0x05,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  return: 0x0f,
  drop: 0x1a,
  select: 0x1b,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  i32Load: 0x28,
  i64Load: 0x29,
  i32Load8U: 0x2d,
  i64Load32U: 0x35,
  i32Store: 0x36,
  i64Store: 0x37,
  i32Const: 0x41,
  i64Const: 0x42,
  i32Eqz: 0x45,
  i32Eq: 0x46,
  i32Ne: 0x47,
  i32LtU: 0x49,
  i32GtU: 0x4b,
  i32LeU: 0x4d,
  i32GeU: 0x4f,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32Mul: 0x6c,
  i32And: 0x71,
  i32Or: 0x72,
  i32Shl: 0x74,
  i32ShrU: 0x76,
  i64Add: 0x7c,
  i64Mul: 0x7e,
  i64And: 0x83,
  i64Or: 0x84,
  i64Shl: 0x86,
  i64ShrU: 0x88,
  i32WrapI64: 0xa7,
  i64ExtendI32U: 0xad,
} as const;

/**
 * SIMD instructions (the fixed-width SIMD proposal, in V8 since 9.1, so in every Node this project supports):
 * each is the 0xfd prefix followed by this number as unsigned LEB128 (see {@link Code.simd}).
 */
export const SIMD = {
  v128Load: 0x00,
  v128Store: 0x0b,
  v128Const: 0x0c,
  i8x16Shuffle: 0x0d,
  i64x2Splat: 0x12,
  i64x2ExtractLane: 0x1d,
  v128And: 0x4e,
  v128Or: 0x50,
  v128Load64Zero: 0x5d,
  i64x2Shl: 0xcb,
  i64x2ShrU: 0xcd,
  i64x2Add: 0xce,
  i64x2ExtmulLowI32x4U: 0xde,
  i64x2ExtmulHighI32x4U: 0xdf,
} as const;

/** The SIMD prefix byte. */
const SIMD_PREFIX = 0xfd;

/** Value types. */
export const T = { i32: 0x7f, i64: 0x7e, v128: 0x7b } as const;
/** The empty block type (a block that yields nothing). */
export const VOID = 0x40;

export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

export function sleb(n: number): number[] {
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

/** A function body under construction: typed helpers for the instructions the modules use. */
export class Code {
  readonly bytes: number[] = [];

  op(...ops: number[]): this {
    this.bytes.push(...ops);
    return this;
  }
  get(local: number): this {
    return this.op(OP.localGet, ...uleb(local));
  }
  set(local: number): this {
    return this.op(OP.localSet, ...uleb(local));
  }
  tee(local: number): this {
    return this.op(OP.localTee, ...uleb(local));
  }
  i32(v: number): this {
    return this.op(OP.i32Const, ...sleb(v | 0));
  }
  i64(v: number): this {
    return this.op(OP.i64Const, ...sleb(v));
  }
  /** A memory access with alignment exponent `align` and a constant `offset`. */
  mem(opcode: number, align: number, offset = 0): this {
    return this.op(opcode, align, ...uleb(offset));
  }
  /** A SIMD instruction without immediates (see {@link SIMD}). */
  simd(opcode: number): this {
    return this.op(SIMD_PREFIX, ...uleb(opcode));
  }
  /** A SIMD memory access with alignment exponent `align` and a constant `offset`. */
  simdMem(opcode: number, align: number, offset = 0): this {
    return this.op(SIMD_PREFIX, ...uleb(opcode), align, ...uleb(offset));
  }
  /** A SIMD instruction with one lane index immediate (extract_lane, replace_lane). */
  simdLane(opcode: number, lane: number): this {
    return this.op(SIMD_PREFIX, ...uleb(opcode), lane);
  }
  /**
   * `i8x16.shuffle`: byte i of the result is byte `lanes[i]` of the 32-byte concatenation of the two operands
   * (0..15 the first, 16..31 the second).
   */
  shuffle(lanes: readonly number[]): this {
    if (lanes.length !== 16 || lanes.some((l) => l < 0 || l > 31)) throw new RangeError('bad shuffle lanes');
    return this.op(SIMD_PREFIX, ...uleb(SIMD.i8x16Shuffle), ...lanes);
  }
}

export interface FunctionSpec {
  name: string;
  params: number[];
  results: number[];
  /** Extra locals after the parameters, in order. */
  locals: number[];
  code: Code;
}

function section(id: number, content: number[]): number[] {
  return [id, ...uleb(content.length), ...content];
}

function name(s: string): number[] {
  const b = [...Buffer.from(s)];
  return [...uleb(b.length), ...b];
}

/** Encodes a module with one fixed-size memory (`pages` × 64 KiB, exported as `memory`) and the functions. */
export function assembleModule(pages: number, functions: readonly FunctionSpec[]): Uint8Array {
  const types: number[] = [...uleb(functions.length)];
  for (const f of functions) {
    types.push(0x60, ...uleb(f.params.length), ...f.params, ...uleb(f.results.length), ...f.results);
  }
  const funcs = [...uleb(functions.length), ...functions.flatMap((_, i) => uleb(i))];
  const exports = [...uleb(functions.length + 1), ...name('memory'), 2, 0];
  functions.forEach((f, i) => {
    exports.push(...name(f.name), 0, ...uleb(i));
  });
  const bodies: number[] = [...uleb(functions.length)];
  for (const f of functions) {
    // Locals are declared as runs of one type each.
    const runs: Array<[number, number]> = [];
    for (const t of f.locals) {
      const last = runs.at(-1);
      if (last && last[1] === t) last[0]++;
      else runs.push([1, t]);
    }
    const fn = [...uleb(runs.length), ...runs.flatMap(([n, t]) => [...uleb(n), t]), ...f.code.bytes, OP.end];
    bodies.push(...uleb(fn.length), ...fn);
  }
  return Uint8Array.from([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, types),
    ...section(3, funcs),
    ...section(5, [1, 0x01, ...uleb(pages), ...uleb(pages)]),
    ...section(7, exports),
    ...section(10, bodies),
  ]);
}

/** The slice of the WebAssembly JS API used here (the project's `lib` settings do not declare it). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  validate: (bytes: Uint8Array) => boolean;
}

/** Whether the engine accepts these module bytes (false, not an exception, for unsupported instructions). */
export function validateModule(bytes: Uint8Array): boolean {
  const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
  return wasm.validate(bytes);
}

/** Compiles module bytes (callers cache the result per thread: compiling is the expensive part). */
export function compileModule(bytes: Uint8Array): object {
  const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
  return new wasm.Module(bytes);
}

/** A new instance (its own memory) of a compiled module. */
export function instantiate<E>(module: object): E {
  const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
  return new wasm.Instance(module, {}).exports as E;
}
