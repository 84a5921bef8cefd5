/**
 * Kubernetes resource quantities (`10Gi`, `500M`, `1.5e9`, `100m`) as plain numbers, for comparing and
 * adding sizes. A double is precise enough for volume sizes and capacities; code that must print a
 * quantity back exactly as the API server would keeps its own exact form (kubesim's registry does).
 */
const SUFFIX: Readonly<Record<string, number>> = {
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

const QUANTITY = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]))?$/;

/** The quantity's value (a number passes through), or undefined when the text is not a quantity. */
export function quantityValue(value: string | number | undefined): number | undefined {
  if (typeof value === 'number') return value;
  if (value === undefined) return undefined;
  const match = QUANTITY.exec(value.trim());
  if (!match) return undefined;
  if (match[2]) return Number(`${match[1]}${match[2]}`);
  return Number(match[1]) * (SUFFIX[match[3] ?? ''] ?? 1);
}
