import assert from 'node:assert/strict';
import { test } from 'node:test';
import { durationProblem, GO_DURATION_PATTERN, goDuration, timestamp } from './fields.ts';

const VALID = [
  '0',
  '720h0m0s',
  '24h',
  '1h30m',
  '90s',
  '1.5h',
  '.5s',
  '300ms',
  '10us',
  '10µs',
  '5ns',
  '+5m',
  '2h45m0.5s',
];
const INVALID = [
  '',
  ' 1h',
  '1h ',
  '-1h',
  '-0',
  '30d',
  '1',
  'h',
  '1 h',
  '1h-5m',
  '1.2.3s',
  'abc',
  '00',
  '1H',
  '+',
];

test('the CRD pattern and the zod check agree on valid and invalid durations', () => {
  const pattern = new RegExp(GO_DURATION_PATTERN, 'u');
  for (const text of VALID) {
    assert.equal(durationProblem(text), undefined, text);
    assert.ok(pattern.test(text), `pattern rejects ${text}`);
  }
  for (const text of INVALID) {
    assert.notEqual(durationProblem(text), undefined, text);
    assert.equal(pattern.test(text), false, `pattern accepts ${JSON.stringify(text)}`);
  }
});

test('duration messages say what is wrong', () => {
  assert.match(durationProblem('30d') ?? '', /invalid duration "30d": use Go syntax such as 720h/);
  assert.match(durationProblem('-5m') ?? '', /must not be negative/);
  assert.match(durationProblem(' 5m') ?? '', /must not have spaces/);
  const result = goDuration().safeParse('7 days');
  assert.equal(result.success, false);
  assert.match(result.error?.issues[0].message ?? '', /invalid duration "7 days"/);
});

test('timestamps accept what Kubernetes writes and null, and refuse other dates', () => {
  const schema = timestamp();
  for (const ok of [
    '2024-05-01T12:00:00Z',
    '2024-05-01T12:00:00.123456Z',
    '2024-05-01T14:00:00+02:00',
    null,
  ]) {
    assert.ok(schema.safeParse(ok).success, String(ok));
  }
  for (const bad of ['2024-05-01', '2024-05-01 12:00:00Z', 'yesterday', '2024-02-30T00:00:00Z']) {
    assert.equal(schema.safeParse(bad).success, false, bad);
  }
});
