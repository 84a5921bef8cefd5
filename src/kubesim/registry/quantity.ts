/**
 * Kubernetes resource quantities (`500m`, `1Gi`, `1.5e3`) in the canonical form the real API server
 * writes back: a quantity is parsed once and printed from its value, so `1024Mi` reads back as `1Gi`,
 * `1.5Gi` as `1536Mi` and `0.5` as `500m`. Values are exact (BigInt), never floating point.
 */

type Format = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

/** value = mantissa × 10^exponent, exactly. */
export type ParsedQuantity = { mantissa: bigint; exponent: number; format: Format };

const BINARY: Readonly<Record<string, number>> = { Ki: 1, Mi: 2, Gi: 3, Ti: 4, Pi: 5, Ei: 6 };
const DECIMAL: Readonly<Record<string, number>> = {
  n: -9,
  u: -6,
  m: -3,
  '': 0,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};
const DECIMAL_SUFFIX: Readonly<Record<number, string>> = Object.fromEntries(
  Object.entries(DECIMAL).map(([suffix, exp]) => [exp, suffix]),
);
const BINARY_SUFFIX = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];

const QUANTITY = /^([+-]?)(\d*)(?:\.(\d*))?(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$/;

/** Parses a quantity string; `undefined` when it is not one. Precision below 1n is rounded up, as Go does. */
export function parseQuantity(text: string): ParsedQuantity | undefined {
  const m = QUANTITY.exec(text.trim());
  if (!m) return undefined;
  const [, sign, whole, fraction = '', suffix = ''] = m;
  if (whole === '' && fraction === '') return undefined;
  let mantissa = BigInt(`${whole}${fraction}` || '0');
  let exponent = -fraction.length;
  let format: Format = 'DecimalSI';
  if (suffix in BINARY) {
    format = 'BinarySI';
    mantissa *= 1024n ** BigInt(BINARY[suffix]);
  } else if (/^[eE][+-]?\d+$/.test(suffix)) {
    format = 'DecimalExponent';
    exponent += Number(suffix.slice(1));
  } else {
    exponent += DECIMAL[suffix];
  }
  if (exponent < -9) {
    // Quantities carry at most nano precision; Go rounds anything finer up.
    const divisor = 10n ** BigInt(-9 - exponent);
    mantissa = (mantissa + divisor - 1n) / divisor;
    exponent = -9;
  }
  if (sign === '-') mantissa = -mantissa;
  return { mantissa, exponent, format };
}

function stripFactor(value: bigint, factor: bigint): { value: bigint; times: number } {
  let times = 0;
  while (value !== 0n && value % factor === 0n) {
    value /= factor;
    times++;
  }
  return { value, times };
}

/** The canonical text of a parsed quantity (Go's `Quantity.String()`). */
export function formatQuantity(q: ParsedQuantity): string {
  if (q.mantissa === 0n) return '0';
  let format = q.format;
  if (format === 'BinarySI') {
    const integral = q.exponent >= 0 || q.mantissa % 10n ** BigInt(-q.exponent) === 0n;
    const value =
      q.exponent >= 0 ? q.mantissa * 10n ** BigInt(q.exponent) : q.mantissa / 10n ** BigInt(-q.exponent);
    if (!integral || (value > -1024n && value < 1024n)) format = 'DecimalSI';
    else {
      const { value: amount, times } = stripFactor(value, 1024n);
      return `${amount}${BINARY_SUFFIX[times] ?? `*1024^${times}`}`;
    }
  }
  const stripped = stripFactor(q.mantissa, 10n);
  let amount = stripped.value;
  let exponent = q.exponent + stripped.times;
  const remainder = ((exponent % 3) + 3) % 3;
  amount *= 10n ** BigInt(remainder);
  exponent -= remainder;
  if (format === 'DecimalExponent') return exponent === 0 ? `${amount}` : `${amount}e${exponent}`;
  const suffix = DECIMAL_SUFFIX[exponent];
  return suffix === undefined ? `${amount}e${exponent}` : `${amount}${suffix}`;
}

/** Canonicalizes a quantity given as a string or number; text that is not a quantity comes back unchanged. */
export function canonicalQuantity(value: unknown): string {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value : '';
  const parsed = parseQuantity(text);
  return parsed ? formatQuantity(parsed) : text;
}

/** Compares two quantities by value: negative, zero or positive. Unparseable text compares as 0. */
export function compareQuantities(a: unknown, b: unknown): number {
  const pa = parseQuantity(String(a ?? '0')) ?? { mantissa: 0n, exponent: 0, format: 'DecimalSI' };
  const pb = parseQuantity(String(b ?? '0')) ?? { mantissa: 0n, exponent: 0, format: 'DecimalSI' };
  const shift = Math.min(pa.exponent, pb.exponent);
  const va = pa.mantissa * 10n ** BigInt(pa.exponent - shift);
  const vb = pb.mantissa * 10n ** BigInt(pb.exponent - shift);
  return va < vb ? -1 : va > vb ? 1 : 0;
}
