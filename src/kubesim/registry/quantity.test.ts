import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalQuantity, compareQuantities, parseQuantity } from './quantity.ts';

test('binary quantities come back in the largest exact binary unit', () => {
  assert.equal(canonicalQuantity('1Gi'), '1Gi');
  assert.equal(canonicalQuantity('1024Mi'), '1Gi');
  assert.equal(canonicalQuantity('1.5Gi'), '1536Mi');
  assert.equal(canonicalQuantity('0.5Gi'), '512Mi');
  assert.equal(canonicalQuantity('2048Ki'), '2Mi');
});

test('small or fractional binary quantities fall back to decimal SI', () => {
  assert.equal(canonicalQuantity('1000Ki'), '1000Ki');
  assert.equal(canonicalQuantity('0.5Ki'), '512');
  assert.equal(canonicalQuantity('0.1Ki'), '102400m');
});

test('decimal quantities use a multiple-of-three exponent', () => {
  assert.equal(canonicalQuantity('1000'), '1k');
  assert.equal(canonicalQuantity('1500'), '1500');
  assert.equal(canonicalQuantity('0.5'), '500m');
  assert.equal(canonicalQuantity('100m'), '100m');
  assert.equal(canonicalQuantity('1000m'), '1');
  assert.equal(canonicalQuantity('1G'), '1G');
  assert.equal(canonicalQuantity('10G'), '10G');
  assert.equal(canonicalQuantity('0'), '0');
  assert.equal(canonicalQuantity('0Gi'), '0');
  assert.equal(canonicalQuantity(2), '2');
  assert.equal(canonicalQuantity('-1500m'), '-1500m');
});

test('exponent quantities keep exponent notation', () => {
  assert.equal(canonicalQuantity('1e3'), '1e3');
  assert.equal(canonicalQuantity('1.5e3'), '1500');
  assert.equal(canonicalQuantity('12e6'), '12e6');
});

test('finer than nano precision rounds up', () => {
  assert.equal(canonicalQuantity('0.0000000001'), '1n');
});

test('text that is not a quantity is returned as is', () => {
  assert.equal(canonicalQuantity('lots'), 'lots');
  assert.equal(parseQuantity('1 Gi'), undefined);
  assert.equal(parseQuantity('.'), undefined);
});

test('compareQuantities compares values across units', () => {
  assert.equal(compareQuantities('1Gi', '1024Mi'), 0);
  assert.equal(compareQuantities('500m', '1'), -1);
  assert.equal(compareQuantities('2', '1500m'), 1);
});

test('E alone is exa, not an exponent', () => {
  assert.equal(canonicalQuantity('2E'), '2E');
  assert.equal(compareQuantities('1E', '1000P'), 0);
});
