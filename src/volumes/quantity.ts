import { quantityValue } from '../core/quantity.ts';

/** A quantity (`10Gi`, `500M`) as a number of bytes, or undefined when the text is not one. */
export function parseQuantity(text: string | undefined): number | undefined {
  return quantityValue(text);
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
