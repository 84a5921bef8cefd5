import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { formatBytes, formatDuration, formatPercent } from './format.ts';
import { ProgressDisplay } from './progress.ts';
import { renderTable } from './table.ts';

test('sizes, durations and percentages read like restic', () => {
  assert.equal(formatBytes(0), '0 B');
  assert.equal(formatBytes(1023), '1023 B');
  assert.equal(formatBytes(1536), '1.500 KiB');
  assert.equal(formatBytes(5 * 2 ** 30), '5.000 GiB');
  assert.equal(formatDuration(7_900), '0:07');
  assert.equal(formatDuration(3_723_000), '1:02:03');
  assert.equal(formatPercent(1, 8), '12.50%');
  assert.equal(formatPercent(1, 0), '0.00%');
});

test('tables: header, rules, multi-line cells, right-aligned numbers, footer', () => {
  const text = renderTable(
    [{ header: 'ID' }, { header: 'Paths' }, { header: 'Size', align: 'right' }],
    [
      ['1a2b3c4d', '/etc\n/srv', '10 B'],
      ['5e6f', '/home', '1.000 KiB'],
    ],
    { footer: '2 snapshots' },
  );
  assert.equal(
    text,
    [
      'ID        Paths       Size',
      '--------------------------',
      '1a2b3c4d  /etc        10 B',
      '          /srv',
      '5e6f      /home  1.000 KiB',
      '--------------------------',
      '2 snapshots',
      '',
    ].join('\n'),
  );
});

test('progress: a rewritten line on a terminal, throttled full lines elsewhere', () => {
  const chunks: string[] = [];
  const tty = Object.assign(new PassThrough(), { isTTY: true, columns: 20 });
  tty.on('data', (c) => chunks.push(String(c)));
  const live = new ProgressDisplay({ stream: tty });
  live.update('a fairly long progress line that is cut');
  live.done();
  assert.equal(chunks.join(''), '\r\x1b[2Ka fairly long progr\r\x1b[2K');

  const lines: string[] = [];
  const pipe = new PassThrough();
  pipe.on('data', (c) => lines.push(String(c)));
  let now = 0;
  const periodic = new ProgressDisplay({ stream: pipe, intervalMs: 10_000, now: () => now });
  periodic.update('first');
  now = 5_000;
  periodic.update('skipped');
  now = 10_000;
  periodic.update('second');
  periodic.done();
  assert.deepEqual(lines, ['first\n', 'second\n']);
});
