import { LifeboatError } from '../../../core/errors.ts';
import { quantityValue } from '../../../core/quantity.ts';

/** A `resource.Quantity` (`1Gi`, `500M`, `1.5Gi`, `1e9`, or a bare number) as a number of units. */
export function parseQuantity(value: string | number | undefined): number {
  if (value === undefined) return 0;
  const parsed = quantityValue(value);
  if (parsed === undefined)
    throw new LifeboatError('Invalid', `quantities must match the regular expression: "${value}"`);
  return parsed;
}

/** A byte count the way Kubernetes prints a binary quantity: `1Gi` when it divides evenly, else plain bytes. */
export function formatBytes(bytes: number): string {
  for (const [suffix, size] of [
    ['Ti', 2 ** 40],
    ['Gi', 2 ** 30],
    ['Mi', 2 ** 20],
    ['Ki', 2 ** 10],
  ] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size}${suffix}`;
  }
  return String(bytes);
}
