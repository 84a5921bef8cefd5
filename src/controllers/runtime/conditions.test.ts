import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  conditionChanged,
  findCondition,
  isConditionTrue,
  removeCondition,
  setCondition,
} from './conditions.ts';

const t0 = new Date('2026-01-01T00:00:00Z');
const t1 = new Date('2026-01-01T00:05:00Z');
const t2 = new Date('2026-01-01T00:09:00Z');

test('lastTransitionTime moves only when the status changes; other conditions are kept in order', () => {
  const a = setCondition(undefined, { type: 'Ready', status: 'False', reason: 'Starting' }, t0);
  const b = setCondition(
    a,
    { type: 'Validated', status: 'True', reason: 'Valid', observedGeneration: 2 },
    t0,
  );
  const c = setCondition(
    b,
    { type: 'Ready', status: 'False', reason: 'StillStarting', message: 'waiting' },
    t1,
  );
  assert.deepEqual(c[0], {
    type: 'Ready',
    status: 'False',
    reason: 'StillStarting',
    message: 'waiting',
    lastTransitionTime: t0.toISOString(),
  });
  const d = setCondition(c, { type: 'Ready', status: 'True', reason: 'Available' }, t2);
  assert.equal(d[0].lastTransitionTime, t2.toISOString());
  assert.equal(d[0].message, undefined);
  assert.deepEqual(
    d.map((x) => x.type),
    ['Ready', 'Validated'],
  );
  assert.equal(d[1].observedGeneration, 2);
  assert.equal(a.length, 1, 'the input is not modified');
  assert.equal(isConditionTrue(d, 'Ready'), true);
  assert.equal(isConditionTrue(c, 'Ready'), false);
  assert.equal(findCondition(d, 'Nope'), undefined);
  assert.deepEqual(
    removeCondition(d, 'Ready').map((x) => x.type),
    ['Validated'],
  );
});

test('conditionChanged tells a no-op update apart', () => {
  const list = setCondition(undefined, { type: 'Ready', status: 'True', reason: 'Ok', message: 'm' }, t0);
  assert.equal(conditionChanged(list, { type: 'Ready', status: 'True', reason: 'Ok', message: 'm' }), false);
  assert.equal(conditionChanged(list, { type: 'Ready', status: 'True', reason: 'Ok', message: 'n' }), true);
  assert.equal(conditionChanged(list, { type: 'Ready', status: 'False', reason: 'Ok', message: 'm' }), true);
  assert.equal(conditionChanged(list, { type: 'Other', status: 'True', reason: 'Ok' }), true);
});
