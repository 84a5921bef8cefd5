import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LifeboatError } from '../errors.ts';
import {
  compileLabelSelector,
  formatLabelSelector,
  isEverythingSelector,
  labelSelectorFromObject,
  matchesLabelSelector,
  parseLabelSelector,
} from './label-selector.ts';

function matches(text: string, labels: Record<string, string> | undefined): boolean {
  return matchesLabelSelector(parseLabelSelector(text), labels);
}

function parseError(text: string): string {
  try {
    parseLabelSelector(text);
  } catch (err) {
    assert.ok(err instanceof LifeboatError);
    assert.equal(err.code, 'Invalid');
    return err.message;
  }
  assert.fail(`expected ${JSON.stringify(text)} not to parse`);
}

test('the empty and blank selectors select everything', () => {
  for (const text of ['', '   ', '\t\n']) {
    const sel = parseLabelSelector(text);
    assert.ok(isEverythingSelector(sel));
    assert.equal(matchesLabelSelector(sel, undefined), true);
    assert.equal(matchesLabelSelector(sel, { a: 'b' }), true);
    assert.equal(formatLabelSelector(sel), '');
  }
});

test('equality operators require presence; inequality accepts absence', () => {
  assert.equal(matches('app=web', { app: 'web' }), true);
  assert.equal(matches('app==web', { app: 'web' }), true);
  assert.equal(matches('app=web', { app: 'db' }), false);
  assert.equal(matches('app=web', {}), false);
  assert.equal(matches('app!=web', {}), true);
  assert.equal(matches('app!=web', { app: 'db' }), true);
  assert.equal(matches('app!=web', { app: 'web' }), false);
});

test('set operators, existence and negated existence', () => {
  assert.equal(matches('env in (prod,staging)', { env: 'prod' }), true);
  assert.equal(matches('env in (prod,staging)', { env: 'dev' }), false);
  assert.equal(matches('env in (prod,staging)', {}), false);
  assert.equal(matches('env notin (prod,staging)', { env: 'dev' }), true);
  assert.equal(matches('env notin (prod,staging)', {}), true);
  assert.equal(matches('env notin (prod,staging)', { env: 'prod' }), false);
  assert.equal(matches('env', { env: '' }), true);
  assert.equal(matches('env', {}), false);
  assert.equal(matches('!env', {}), true);
  assert.equal(matches('!env', { env: 'x' }), false);
  assert.equal(matches('app in (x,y),!foo', { app: 'y' }), true);
  assert.equal(matches('app in (x,y),!foo', { app: 'y', foo: '1' }), false);
});

test('greater-than and less-than compare int64 values and fail on non-integers', () => {
  assert.equal(matches('rank>3', { rank: '4' }), true);
  assert.equal(matches('rank>3', { rank: '3' }), false);
  assert.equal(matches('rank<3', { rank: '-10' }), true);
  assert.equal(matches('rank<3', { rank: 'abc' }), false);
  assert.equal(matches('rank>3', {}), false);
  assert.equal(matches('rank>9223372036854775806', { rank: '9223372036854775807' }), true);
  assert.equal(matches('rank<5', { rank: '9223372036854775808' }), false, 'out of int64 range');
});

test('empty values are values', () => {
  assert.equal(matches('a=', { a: '' }), true);
  assert.equal(matches('a=', { a: 'x' }), false);
  assert.equal(matches('a=,b', { a: '', b: 'x' }), true);
  assert.equal(matches('x in ()', { x: '' }), true);
  assert.equal(matches('x in (,)', { x: '' }), true);
  assert.equal(matches('x in (foo,,baz)', { x: '' }), true);
  assert.equal(matches('x in (foo,,baz)', { x: 'baz' }), true);
  assert.equal(matches('x notin ()', { x: 'a' }), true);
});

test('in and notin are plain values inside parentheses and usable as keys', () => {
  assert.equal(matches('x in (in,notin)', { x: 'notin' }), true);
  assert.equal(matches('in=1', { in: '1' }), true);
});

test('whitespace is allowed around operators and values', () => {
  assert.equal(matches('  app = web , tier in ( a , b ) ', { app: 'web', tier: 'b' }), true);
  assert.equal(matches('a\t!=\tb', { a: 'c' }), true);
});

test('labels named like Object.prototype members are not mistaken for present labels', () => {
  assert.equal(matches('constructor', {}), false);
  assert.equal(matches('!toString', {}), true);
  assert.equal(matches('hasOwnProperty!=x', {}), true);
  assert.equal(matches('constructor=x', { constructor: 'x' }), true);
});

test('keys may carry a DNS subdomain prefix', () => {
  assert.equal(matches('app.kubernetes.io/name=web', { 'app.kubernetes.io/name': 'web' }), true);
  assert.match(parseError('Example.com/name=x'), /prefix part a lowercase RFC 1123 subdomain/);
});

test('grammar errors carry the real parser messages', () => {
  assert.equal(
    parseError('a b'),
    "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt",
  );
  assert.equal(parseError('a=b c'), "found 'c', expected: ',' or 'end of string'");
  assert.equal(parseError('a=b,'), "found '', expected: identifier after ','");
  assert.equal(parseError(',a'), "found ',', expected: !, identifier, or 'end of string'");
  assert.equal(parseError('a in b'), "unable to parse requirement: found 'b' expected: '('");
  assert.equal(parseError('a in (b'), "unable to parse requirement: found '', expected: ',' or ')'");
  assert.equal(
    parseError('a in (=)'),
    "unable to parse requirement: found '=', expected: ',', ')' or identifier",
  );
  assert.equal(matches('a==', { a: '' }), true, 'a== is an empty value, not an error');
  assert.equal(parseError('!'), "unable to parse requirement: found '', expected: identifier");
  assert.equal(parseError('a=(b)'), "unable to parse requirement: found '(', expected: identifier");
});

test('invalid keys and values use the validation wording', () => {
  assert.equal(
    parseError('-a=b'),
    "unable to parse requirement: <nil>: Invalid value: \"-a\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
  );
  assert.match(parseError('a/b/c=d'), /<nil>: Invalid value: "a\/b\/c": a qualified name must consist/);
  assert.match(
    parseError('a=b@c'),
    /^unable to parse requirement: values\[0\]\[a\]: Invalid value: "b@c": a valid label must be an empty string/,
  );
  assert.match(parseError(`a=${'x'.repeat(64)}`), /must be no more than 63 characters/);
  assert.equal(
    parseError('a>b'),
    "unable to parse requirement: values[0]: Invalid value: \"b\": for 'Gt', 'Lt' operators, the value must be an integer",
  );
});

test('the string form is canonical: sorted by key, values sorted, operators spelled as Go does', () => {
  const sel = parseLabelSelector('z notin (b,a), a==1,!m, k in (y,x,x), g>2, h<1, e!=f, d');
  assert.equal(formatLabelSelector(sel), 'a==1,d,e!=f,g>2,h<1,k in (x,y),!m,z notin (a,b)');
  assert.deepEqual(parseLabelSelector(formatLabelSelector(sel)), sel);
});

test('metav1.LabelSelector objects convert with the real semantics', () => {
  assert.equal(matchesLabelSelector(labelSelectorFromObject(undefined), { a: 'b' }), false);
  assert.equal(matchesLabelSelector(labelSelectorFromObject(null), {}), false);
  assert.equal(matchesLabelSelector(labelSelectorFromObject({}), { a: 'b' }), true);
  const sel = labelSelectorFromObject({
    matchLabels: { app: 'web' },
    matchExpressions: [
      { key: 'tier', operator: 'In', values: ['fe', 'be'] },
      { key: 'legacy', operator: 'DoesNotExist' },
      { key: 'env', operator: 'NotIn', values: ['dev'] },
      { key: 'team', operator: 'Exists' },
    ],
  });
  assert.equal(formatLabelSelector(sel), 'app=web,env notin (dev),!legacy,team,tier in (be,fe)');
  assert.equal(matchesLabelSelector(sel, { app: 'web', tier: 'fe', team: 'x' }), true);
  assert.equal(matchesLabelSelector(sel, { app: 'web', tier: 'fe', team: 'x', legacy: '1' }), false);
  assert.equal(matchesLabelSelector(sel, { app: 'web', tier: 'fe', team: 'x', env: 'dev' }), false);
});

test('metav1.LabelSelector validation messages', () => {
  const message = (obj: Parameters<typeof labelSelectorFromObject>[0]) => {
    try {
      labelSelectorFromObject(obj);
    } catch (err) {
      assert.ok(err instanceof LifeboatError && err.code === 'Invalid');
      return err.message;
    }
    assert.fail('expected a validation error');
  };
  assert.equal(
    message({ matchExpressions: [{ key: 'a', operator: 'Gt', values: ['1'] }] }),
    '"Gt" is not a valid label selector operator',
  );
  assert.equal(
    message({ matchExpressions: [{ key: 'a', operator: 'In' }] }),
    "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty",
  );
  assert.equal(
    message({ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] }),
    'values: Invalid value: ["x"]: values set must be empty for exists and does not exist',
  );
  assert.match(
    message({ matchLabels: { 'bad key': 'v' } }),
    /^key: Invalid value: "bad key": name part must/,
  );
  assert.match(message({ matchLabels: { k: 'bad value' } }), /^values\[0\]\[k\]: Invalid value: "bad value"/);
  assert.match(
    message({ matchExpressions: [{ key: '', operator: 'In', values: [] }] }),
    /^\[key: Invalid value: "": name part must be non-empty; .*, values: Invalid value: \[\]: for 'in', 'notin' operators, values set can't be empty\]$/,
  );
});

test('a compiled matcher is cached per selector and agrees with matchesLabelSelector', () => {
  const sel = parseLabelSelector('a=1,b in (x,y),!c');
  const fn = compileLabelSelector(sel);
  assert.equal(compileLabelSelector(sel), fn);
  const cases: (Record<string, string> | undefined)[] = [
    { a: '1', b: 'x' },
    { a: '1', b: 'z' },
    { a: '1', b: 'y', c: '' },
    undefined,
  ];
  for (const labels of cases) {
    assert.equal(fn(labels), matchesLabelSelector(sel, labels));
  }
  assert.equal(fn({ a: '1', b: 'y' }), true);
});
