import { assembleModule, Code, compileModule, instantiate, OP, T, VOID } from '../crypto/wasm-assembler.ts';

/**
 * FastCDC's gear scan as WebAssembly: the same arithmetic as `FastCdc.cut` in JavaScript (`h = (h << 1) +
 * GEAR[byte]` in 32-bit wrap-around, cut where `h & mask` is zero), about four times faster, because the
 * bytes are read from the module's own memory without JavaScript's bounds checks and tagging. The data to
 * chunk must be in that memory: callers read files straight into `window`.
 *
 * Memory layout: the gear table (256 × i32) at 0, the data window from WINDOW_OFFSET.
 */
export const WINDOW_OFFSET = 1024;

const P = { minEnd: 0, normalEnd: 1, limitEnd: 2, maskS: 3, maskL: 4 } as const;
const L = { h: 5, i: 6 } as const;

/** `h = (h << 1) + gear[mem[i + k]]`, and a return of `i + k + 1` (absolute) when `h & mask` is zero. */
function step(c: Code, k: number, mask: number): void {
  c.get(L.h).i32(1).op(OP.i32Shl);
  c.get(L.i).mem(OP.i32Load8U, 0, k).i32(2).op(OP.i32Shl).mem(OP.i32Load, 2);
  c.op(OP.i32Add).tee(L.h);
  c.get(mask).op(OP.i32And, OP.i32Eqz, OP.if, VOID);
  c.get(L.i)
    .i32(k + 1)
    .op(OP.i32Add, OP.return, OP.end);
}

/**
 * One phase of the scan, from `i` to `end` with `mask`: four bytes per iteration while four remain (one
 * bounds check per four bytes), then byte by byte.
 */
function phase(c: Code, end: number, mask: number): void {
  c.op(OP.block, VOID, OP.loop, VOID);
  c.get(L.i).i32(4).op(OP.i32Add).get(end).op(OP.i32GtU, OP.brIf, 1);
  for (let k = 0; k < 4; k++) step(c, k, mask);
  c.get(L.i).i32(4).op(OP.i32Add).set(L.i);
  c.op(OP.br, 0, OP.end, OP.end);
  c.op(OP.block, VOID, OP.loop, VOID);
  c.get(L.i).get(end).op(OP.i32GeU, OP.brIf, 1);
  step(c, 0, mask);
  c.get(L.i).i32(1).op(OP.i32Add).set(L.i);
  c.op(OP.br, 0, OP.end, OP.end);
}

function scanCode(): Code {
  const c = new Code();
  c.get(P.minEnd).set(L.i);
  phase(c, P.normalEnd, P.maskS);
  phase(c, P.limitEnd, P.maskL);
  return c.get(P.limitEnd);
}

export interface GearScanner {
  /** The memory the scan reads (valid for the scanner's life: the memory never grows). */
  readonly window: Buffer;
  /**
   * Scans window bytes from `minEnd` (exclusive positions, relative to the window) with the strict mask up to
   * `normalEnd`, then the loose one up to `limitEnd`; returns the position just after the cut byte, or
   * `limitEnd` when no cut is found. The hash starts at zero at `minEnd`, as FastCDC skips the first `min`
   * bytes.
   */
  scan(minEnd: number, normalEnd: number, limitEnd: number, maskS: number, maskL: number): number;
}

const compiled = new Map<number, object>();

function compiledFor(pages: number): object {
  let module = compiled.get(pages);
  if (!module) {
    module = compileModule(
      assembleModule(pages, [
        {
          name: 'scan',
          params: [T.i32, T.i32, T.i32, T.i32, T.i32],
          results: [T.i32],
          locals: [T.i32, T.i32],
          code: scanCode(),
        },
      ]),
    );
    compiled.set(pages, module);
  }
  return module;
}

/** A scanner with its own memory holding `windowBytes` of data and the gear table `gear`. */
export function createGearScanner(gear: Int32Array, windowBytes: number): GearScanner {
  if (gear.length !== 256) throw new RangeError('gear table must have 256 entries');
  const pages = Math.max(1, Math.ceil((WINDOW_OFFSET + windowBytes) / 65536));
  const exports = instantiate<{
    memory: { buffer: ArrayBuffer };
    scan: (a: number, b: number, c: number, d: number, e: number) => number;
  }>(compiledFor(pages));
  new Int32Array(exports.memory.buffer, 0, 256).set(gear);
  const window = Buffer.from(exports.memory.buffer, WINDOW_OFFSET, windowBytes);
  const wasmScan = exports.scan;
  return {
    window,
    scan: (minEnd, normalEnd, limitEnd, maskS, maskL) =>
      wasmScan(minEnd + WINDOW_OFFSET, normalEnd + WINDOW_OFFSET, limitEnd + WINDOW_OFFSET, maskS, maskL) -
      WINDOW_OFFSET,
  };
}
