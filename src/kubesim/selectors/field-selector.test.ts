import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError } from '../apiserver/types.ts';
import {
  escapeValue,
  fieldsOf,
  formatFieldSelector,
  matchesFieldSelector,
  parseFieldSelector,
} from './field-selector.ts';
import {
  compileLabelSelectorParam,
  labelSelectorFromObjectOrBadRequest,
  parseLabelSelectorParam,
} from './label-selector.ts';

function fields(values: Record<string, string>): (field: string) => string | undefined {
  return (field) => values[field];
}

function badRequestMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ApiError, String(err));
    assert.equal(err.code, 400);
    assert.equal(err.status.reason, 'BadRequest');
    return err.status.message ?? '';
  }
  assert.fail('expected a 400');
}

test('equality and inequality terms, ANDed', () => {
  const sel = parseFieldSelector('metadata.name=web,status.phase!=Failed');
  assert.equal(
    matchesFieldSelector(sel, fields({ 'metadata.name': 'web', 'status.phase': 'Running' })),
    true,
  );
  assert.equal(
    matchesFieldSelector(sel, fields({ 'metadata.name': 'web', 'status.phase': 'Failed' })),
    false,
  );
  assert.equal(matchesFieldSelector(sel, fields({ 'metadata.name': 'db' })), false);
  assert.equal(matchesFieldSelector(parseFieldSelector('a==b'), fields({ a: 'b' })), true);
});

test('a missing field reads as the empty string', () => {
  assert.equal(matchesFieldSelector(parseFieldSelector('spec.nodeName='), fields({})), true);
  assert.equal(matchesFieldSelector(parseFieldSelector('spec.nodeName!='), fields({})), false);
  assert.equal(matchesFieldSelector(parseFieldSelector('spec.nodeName!=node-1'), fields({})), true);
});

test('the empty selector selects everything', () => {
  const sel = parseFieldSelector('');
  assert.deepEqual(sel.requirements, []);
  assert.equal(matchesFieldSelector(sel, fields({})), true);
  assert.equal(parseFieldSelector(',,').requirements.length, 0);
});

test('escaped commas, equals signs and backslashes are data', () => {
  const sel = parseFieldSelector('metadata.annotations=a\\,b\\=c\\\\d');
  assert.equal(sel.requirements[0].value, 'a,b=c\\d');
  assert.equal(matchesFieldSelector(sel, fields({ 'metadata.annotations': 'a,b=c\\d' })), true);
  assert.equal(escapeValue('a,b=c\\d'), 'a\\,b\\=c\\\\d');
  assert.equal(formatFieldSelector(sel), 'metadata.annotations=a\\,b\\=c\\\\d');
});

test('fieldsOf lists each field once so the caller can reject unsupported ones', () => {
  const sel = parseFieldSelector('involvedObject.name=x,involvedObject.uid=u,involvedObject.name!=y');
  assert.deepEqual(fieldsOf(sel).sort(), ['involvedObject.name', 'involvedObject.uid']);
});

test('terms are sorted as the real parser sorts them', () => {
  const sel = parseFieldSelector('z=1,a=2');
  assert.deepEqual(
    sel.requirements.map((r) => r.field),
    ['a', 'z'],
  );
});

test('parse errors are 400 with the real messages', () => {
  assert.equal(
    badRequestMessage(() => parseFieldSelector('metadata.name')),
    "invalid selector: 'metadata.name'; can't understand 'metadata.name'",
  );
  assert.equal(
    badRequestMessage(() => parseFieldSelector('a=b\\x')),
    'invalid field selector: invalid escape sequence: \\x',
  );
  assert.equal(
    badRequestMessage(() => parseFieldSelector('a=b\\')),
    'invalid field selector: invalid escape sequence: \\',
  );
  assert.equal(
    badRequestMessage(() => parseFieldSelector('a=b=c')),
    'invalid field selector: unescaped character in value: 61',
  );
});

test('label selector parameters fail with 400 and the parser message', () => {
  assert.equal(
    badRequestMessage(() => parseLabelSelectorParam('a b')),
    "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt",
  );
  const matcher = compileLabelSelectorParam('app in (web,db)');
  assert.equal(matcher({ app: 'db' }), true);
  assert.equal(matcher({ app: 'x' }), false);
  assert.match(
    badRequestMessage(() =>
      labelSelectorFromObjectOrBadRequest({ matchExpressions: [{ key: 'a', operator: 'Bad' }] }),
    ),
    /"Bad" is not a valid label selector operator/,
  );
});
