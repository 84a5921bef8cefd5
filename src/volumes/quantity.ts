/**
 * Kubernetes quantities (`10Gi`, `500M`, `1.5e9`, `100m`) as numbers of bytes, for capacity conditions.
 * Precision beyond a double's is not needed to compare volume sizes.
 */
const SUFFIX: Record<string, number> = {
  '': 1,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

const QUANTITY = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:([eE][+-]?\d+)|([KMGTPE]i|[numkMGTPE]))?$/;

/** The quantity's value, or undefined when the text is not a quantity. */
export function parseQuantity(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const match = QUANTITY.exec(text.trim());
  if (!match) return undefined;
  const base = Number(match[1]);
  if (match[2]) return Number(`${match[1]}${match[2]}`);
  return base * (SUFFIX[match[3] ?? ''] ?? 1);
}

/** Whether `value` lies in a `low,high` range (either side may be empty: unbounded; bounds inclusive). */
export function inCapacityRange(range: string, value: number | undefined): boolean {
  if (value === undefined) return false;
  const [low = '', high = ''] = range.split(',').map((s) => s.trim());
  const lo = low === '' ? undefined : parseQuantity(low);
  const hi = high === '' ? undefined : parseQuantity(high);
  if (lo !== undefined && value < lo) return false;
  if (hi !== undefined && value > hi) return false;
  return true;
}
