import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isLifeboatError } from '../core/errors.ts';
import {
  csvList,
  keyValueMap,
  labelSelectorObject,
  namespaceMappings,
  optionalBool,
  orderedResources,
  orLabelSelectors,
} from './flags.ts';
import { labelValue, timestampedName } from './names.ts';
import { renderColumns } from './output/columns.ts';
import { DescribeText } from './output/describe.ts';
import { formatAge, formatTimestamp } from './output/resources.ts';
import { progressBar } from './wait.ts';

const usage = (fn: () => unknown, message: RegExp) =>
  assert.throws(fn, (err) => isLifeboatError(err, 'Usage') && message.test(err.message));

test('list, map and mapping flags as Velero reads them', () => {
  assert.deepEqual(csvList('b,c', csvList('a', undefined)), ['a', 'b', 'c']);
  assert.deepEqual(keyValueMap('--labels')('a=1,b=x=y', undefined), { a: '1', b: 'x=y' });
  usage(() => keyValueMap('--labels')('a', undefined), /--labels: expected key=value/);
  assert.deepEqual(namespaceMappings('a:b,c:d', undefined), { a: 'b', c: 'd' });
  usage(() => namespaceMappings('a:b:c', undefined), /--namespace-mappings/);
  assert.deepEqual(orderedResources('pods=ns1/p1,ns1/p2;persistentvolumeclaims=ns1/c'), {
    pods: 'ns1/p1,ns1/p2',
    persistentvolumeclaims: 'ns1/c',
  });
  usage(() => orderedResources('pods'), /--ordered-resources/);
  assert.equal(optionalBool('--x')(undefined), true);
  assert.equal(optionalBool('--x')('false'), false);
  usage(() => optionalBool('--x')('maybe'), /--x: expected true or false/);
});

test('selector strings become metav1.LabelSelector objects', () => {
  assert.deepEqual(labelSelectorObject('-l', 'app=web,tier in (a,b),!legacy,env,zone!=x'), {
    matchLabels: { app: 'web' },
    matchExpressions: [
      { key: 'env', operator: 'Exists' },
      { key: 'legacy', operator: 'DoesNotExist' },
      { key: 'tier', operator: 'In', values: ['a', 'b'] },
      { key: 'zone', operator: 'NotIn', values: ['x'] },
    ],
  });
  assert.deepEqual(orLabelSelectors('a=b or c=d'), [
    { matchLabels: { a: 'b' } },
    { matchLabels: { c: 'd' } },
  ]);
  usage(() => labelSelectorObject('--selector', 'a in (b'), /--selector: /);
  usage(() => labelSelectorObject('--selector', 'rank>3'), /cannot be stored/);
});

test('names, ages, times and progress bars', () => {
  assert.equal(timestampedName('nightly', new Date('2026-03-04T05:06:07Z')), 'nightly-20260304050607');
  assert.equal(labelValue('short'), 'short');
  const long = labelValue('x'.repeat(80));
  assert.ok(long.length <= 63);
  assert.notEqual(long, labelValue(`${'x'.repeat(79)}y`));
  assert.equal(formatAge(30_000), '30s');
  assert.equal(formatAge(90 * 60_000), '90m');
  assert.equal(formatAge(3 * 3600_000), '3h');
  assert.equal(formatAge(30 * 86400_000), '30d');
  assert.equal(formatAge(-5), '0s');
  assert.equal(formatTimestamp('2026-01-02T03:04:05Z'), '2026-01-02 03:04:05 +0000 UTC');
  assert.equal(formatTimestamp(undefined), '<n/a>');
  assert.equal(progressBar(5, 10, 10), '[#####-----]  50% (5/10 items)');
  assert.equal(progressBar(3, undefined), '3 items');
});

test('describe groups align their values; columns are kubectl-style', () => {
  const d = new DescribeText()
    .group([
      ['Name', 'a'],
      ['Annotations', 'x=1\ny=2'],
      ['Skipped', undefined],
    ])
    .blank()
    .section('Namespaces', [['Included', '*']]);
  assert.equal(
    d.toString(),
    'Name:         a\nAnnotations:  x=1\n              y=2\n\nNamespaces:\n  Included:  *\n',
  );
  assert.equal(
    renderColumns(
      [{ header: 'NAME' }, { header: 'N', align: 'right' }],
      [
        ['ab', '1'],
        ['c', '10'],
      ],
    ),
    'NAME    N\nab      1\nc      10\n',
  );
});
