import { createHash } from 'node:crypto';
import { LifeboatError } from '../../core/errors.ts';
import { createGearScanner, type GearScanner } from './gear-scan-wasm.ts';

/**
 * FastCDC content-defined chunking (Xia et al., 2016): a gear rolling hash (`h = (h << 1) + GEAR[byte]`, so the
 * hash depends on the last 32 bytes), cut-point skipping below `min`, and normalized chunking: a stricter mask
 * (more bits) before the average size and a looser one after it, which narrows the size distribution.
 *
 * The gear table is fixed forever (derived from SHA-256 of a constant): changing it moves every boundary and
 * loses deduplication against existing snapshots.
 */
export interface ChunkerParams {
  min: number;
  avg: number;
  max: number;
}

/**
 * Chosen by measurement (bench/repository.ts, docs/repository-format.md): with scattered 64 KiB overwrites of
 * 5 % of a volume, the re-uploaded share grows with the average chunk size (restic's ~1 MiB: 77 %); 128 KiB keeps
 * it well under 30 % while per-chunk costs (hashing calls, messages, index entries) stay small.
 */
export const DEFAULT_CHUNKER_PARAMS: Readonly<ChunkerParams> = Object.freeze({
  min: 32 * 1024,
  avg: 128 * 1024,
  max: 512 * 1024,
});

const GEAR = (() => {
  const table = new Int32Array(256);
  for (let i = 0; i < 256; i++) {
    table[i] = createHash('sha256').update(`lifeboat fastcdc gear ${i}`).digest().readInt32LE(0);
  }
  return table;
})();

/** A mask of `bits` one-bits at the top of a 32-bit word (the bits that depend on the most input bytes). */
function topMask(bits: number): number {
  return bits >= 32 ? -1 : ((2 ** bits - 1) * 2 ** (32 - bits)) | 0;
}

export class FastCdc {
  readonly min: number;
  readonly avg: number;
  readonly max: number;
  readonly #maskS: number;
  readonly #maskL: number;

  constructor(params: ChunkerParams = DEFAULT_CHUNKER_PARAMS) {
    const { min, avg, max } = params;
    if (!(min >= 64 && min <= avg && avg <= max && max < 2 ** 31) || (avg & (avg - 1)) !== 0) {
      throw new LifeboatError('Invalid', `invalid chunker sizes min=${min} avg=${avg} max=${max}`);
    }
    this.min = min;
    this.avg = avg;
    this.max = max;
    const bits = Math.round(Math.log2(avg));
    this.#maskS = topMask(bits + 2);
    this.#maskL = topMask(bits - 2);
  }

  /**
   * The length of the next chunk of `buf[start..end)`. The caller passes at least `max` bytes unless the
   * input ends sooner (then the rest is one chunk when no cut is found).
   */
  cut(buf: Uint8Array, start: number, end: number): number {
    const n = end - start;
    if (n <= this.min) return n;
    const limit = Math.min(n, this.max);
    const normal = Math.min(limit, this.avg);
    const maskS = this.#maskS;
    const maskL = this.#maskL;
    const gear = GEAR;
    let h = 0;
    let i = start + this.min;
    const normalEnd = start + normal;
    for (; i < normalEnd; i++) {
      h = ((h << 1) + gear[buf[i]]) | 0;
      if ((h & maskS) === 0) return i + 1 - start;
    }
    const limitEnd = start + limit;
    for (; i < limitEnd; i++) {
      h = ((h << 1) + gear[buf[i]]) | 0;
      if ((h & maskL) === 0) return i + 1 - start;
    }
    return limit;
  }

  /**
   * The same cut as `cut`, over data in a scanner's window (positions relative to it), by the WebAssembly
   * scan: identical boundaries, several times faster.
   */
  cutWindow(scanner: GearScanner, start: number, end: number): number {
    const n = end - start;
    if (n <= this.min) return n;
    const limit = Math.min(n, this.max);
    const normal = Math.min(limit, this.avg);
    return scanner.scan(start + this.min, start + normal, start + limit, this.#maskS, this.#maskL) - start;
  }
}

/** A WebAssembly gear scanner (with this chunker's fixed gear table) whose window holds `windowBytes`. */
export function createScanner(windowBytes: number): GearScanner {
  return createGearScanner(GEAR, windowBytes);
}

/** Splits a whole in-memory buffer (tests, small inputs); streaming callers use `cut` on a sliding buffer. */
export function chunkBuffer(cdc: FastCdc, buf: Uint8Array): number[] {
  const out: number[] = [];
  for (let pos = 0; pos < buf.length; ) {
    const len = cdc.cut(buf, pos, buf.length);
    out.push(len);
    pos += len;
  }
  return out;
}
