import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../../core/clock.ts';
import { ContainerLog, LineSplitter, MAX_LINE_BYTES } from './log-store.ts';
import { createLogClock } from './timestamps.ts';

const logClock = () => createLogClock(new ManualClock());

test('keeps the newest lines within the line limit', () => {
  const log = new ContainerLog(logClock(), { maxLines: 3, maxBytes: 1 << 20 });
  for (let i = 1; i <= 5000; i++) log.append(`line ${i}`);
  assert.deepEqual(
    log.entries().map((e) => e.line),
    ['line 4998', 'line 4999', 'line 5000'],
  );
});

test('keeps the newest lines within the byte limit, but always the last line', () => {
  const log = new ContainerLog(logClock(), { maxLines: 100, maxBytes: 20 });
  log.append('aaaaaaaa'); // 9 bytes with its newline
  log.append('bbbbbbbb');
  log.append('cccccccc');
  assert.deepEqual(
    log.entries().map((e) => e.line),
    ['bbbbbbbb', 'cccccccc'],
  );
  log.append('x'.repeat(50));
  assert.deepEqual(
    log.entries().map((e) => e.line),
    ['x'.repeat(50)],
  );
});

test('entries since a time, with their stream', () => {
  const clock = new ManualClock('2026-01-01T00:00:00Z');
  const log = new ContainerLog(createLogClock(clock));
  log.append('early');
  clock.advance(10_000);
  log.append('late', 'stderr');
  const since = 1_767_225_605_000_000_000n; // 00:00:05
  assert.deepEqual(log.entries(since), [{ time: log.entries()[1].time, line: 'late', stream: 'stderr' }]);
});

test('followers get new lines and one end; following an ended log ends at once', async () => {
  const log = new ContainerLog(logClock());
  log.append('before');
  const seen: string[] = [];
  let ends = 0;
  const unsubscribe = log.follow(
    (e) => seen.push(e.line),
    () => ends++,
  );
  log.append('after');
  const other: string[] = [];
  const stop = log.follow((e) => other.push(e.line));
  stop();
  log.append('again');
  log.end();
  log.end();
  log.append('ignored');
  unsubscribe();
  assert.deepEqual(seen, ['after', 'again']);
  assert.deepEqual(other, []);
  assert.equal(ends, 1);
  let lateEnd = false;
  log.follow(
    () => {},
    () => {
      lateEnd = true;
    },
  );
  await Promise.resolve();
  assert.equal(lateEnd, true);
});

test('LineSplitter joins chunks, splits long lines and flushes the rest', () => {
  const lines: string[] = [];
  const splitter = new LineSplitter((l) => lines.push(l));
  splitter.push(Buffer.from('hel'));
  splitter.push(Buffer.from('lo\nwor'));
  splitter.push(Buffer.from('ld\n\n'));
  splitter.push(Buffer.from('x'.repeat(MAX_LINE_BYTES + 5)));
  splitter.push(Buffer.from('y\ntail'));
  splitter.flush();
  assert.deepEqual(lines, ['hello', 'world', '', 'x'.repeat(MAX_LINE_BYTES), 'xxxxxy', 'tail']);
});
