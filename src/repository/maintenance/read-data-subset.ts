import { LifeboatError } from '../../core/errors.ts';

/** Which packs `check --read-data-subset` reads: group n of t (by the pack id's first byte), or a random share. */
export type ReadDataSubset = { kind: 'bucket'; n: number; of: number } | { kind: 'percent'; value: number };

/** Parses `n/t` (1 ≤ n ≤ t) or `x%` (0 < x ≤ 100), restic's syntax. */
export function parseReadDataSubset(text: string): ReadDataSubset {
  const t = text.trim();
  const bucket = /^(\d+)\/(\d+)$/.exec(t);
  if (bucket) {
    const n = Number(bucket[1]);
    const of = Number(bucket[2]);
    if (of < 1 || of > 256 || n < 1 || n > of) {
      throw new LifeboatError(
        'Invalid',
        `invalid --read-data-subset ${JSON.stringify(text)}: n/t needs 1 ≤ n ≤ t ≤ 256`,
      );
    }
    return { kind: 'bucket', n, of };
  }
  const pct = /^(\d+(?:\.\d+)?)%$/.exec(t);
  if (pct) {
    const value = Number(pct[1]);
    if (value <= 0 || value > 100) {
      throw new LifeboatError(
        'Invalid',
        `invalid --read-data-subset ${JSON.stringify(text)}: a percentage above 0 and at most 100`,
      );
    }
    return { kind: 'percent', value };
  }
  throw new LifeboatError(
    'Invalid',
    `invalid --read-data-subset ${JSON.stringify(text)}: use n/t (like 1/5) or x% (like 10%)`,
  );
}

/**
 * The packs of `packIds` a subset selects. Group n of t holds the packs whose first id byte modulo t is n − 1, so
 * running 1/t … t/t reads every pack exactly once. A percentage picks that share at random (at least one pack).
 */
export function selectPacks(
  packIds: readonly string[],
  subset: ReadDataSubset,
  random: () => number = Math.random,
): string[] {
  if (subset.kind === 'bucket') {
    return packIds.filter((id) => Number.parseInt(id.slice(0, 2), 16) % subset.of === subset.n - 1);
  }
  let count = Math.floor((packIds.length * subset.value) / 100);
  if (packIds.length > 0 && count < 1) count = 1;
  const pool = [...packIds];
  // Partial Fisher–Yates: the first `count` entries end up a uniform random sample.
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(random() * (pool.length - i));
    [pool[i], pool[j]] = [pool[j], pool[i]];
  }
  return pool.slice(0, count).sort();
}
