import { randomBytes } from 'node:crypto';

/**
 * The config's `chunker_polynomial`: a random irreducible polynomial of degree 53 over GF(2), written as a
 * lowercase hex string. restic refuses a repository whose polynomial is not irreducible, even though only its
 * Rabin chunker uses it (ours is FastCDC, which needs no polynomial), so we make a valid one.
 */

const DEGREE = 53;

function deg(x: bigint): number {
  return x === 0n ? -1 : x.toString(2).length - 1;
}

function mod(a: bigint, m: bigint): bigint {
  const dm = deg(m);
  for (let d = deg(a); d >= dm; d = deg(a)) a ^= m << BigInt(d - dm);
  return a;
}

function mulMod(a: bigint, b: bigint, m: bigint): bigint {
  let r = 0n;
  while (b !== 0n) {
    if (b & 1n) r ^= a;
    b >>= 1n;
    a <<= 1n;
  }
  return mod(r, m);
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, mod(a, b)];
  return a;
}

/** Ben-Or's test: f is irreducible iff gcd(f, x^(2^i) − x mod f) = 1 for every i ≤ deg(f)/2. */
export function isIrreducible(f: bigint): boolean {
  const d = deg(f);
  if (d < 1) return false;
  let power = 2n; // x
  for (let i = 1; i <= d / 2; i++) {
    power = mulMod(power, power, f); // x^(2^i)
    if (gcd(f, power ^ 2n) !== 1n) return false;
  }
  return true;
}

/** A fresh random irreducible polynomial of degree 53, as restic's config stores it. */
export function randomPolynomialHex(): string {
  for (;;) {
    let f = randomBytes(8).readBigUInt64LE() & ((1n << BigInt(DEGREE + 1)) - 1n);
    f |= (1n << BigInt(DEGREE)) | 1n;
    if (isIrreducible(f)) return f.toString(16);
  }
}
