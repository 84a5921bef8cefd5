import assert from 'node:assert/strict';
import { test } from 'node:test';
import { quantityValue } from './quantity.ts';

test('quantities: binary and decimal suffixes, exponents, fractions, numbers; anything else is not one', () => {
  assert.equal(quantityValue('10Gi'), 10 * 1024 ** 3);
  assert.equal(quantityValue('1.5G'), 1_500_000_000);
  assert.equal(quantityValue('500M'), 500_000_000);
  assert.equal(quantityValue('100m'), 0.1);
  assert.equal(quantityValue('1.5e3'), 1500);
  assert.equal(quantityValue('.5Ki'), 512);
  assert.equal(quantityValue(' 2Mi '), 2 * 1024 ** 2);
  assert.equal(quantityValue(4096), 4096);
  for (const bad of ['nope', '1K', '1GiB', '', 'Gi', '1..2'])
    assert.equal(quantityValue(bad), undefined, bad);
  assert.equal(quantityValue(undefined), undefined);
});
