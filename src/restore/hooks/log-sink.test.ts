import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { pino } from 'pino';
import { RestoreLog } from '../restore-log.ts';
import { restoreLogSink } from './restore-hooks.ts';

test('restoreLogSink writes hook lines into the restore log, non-scalar fields as JSON', async () => {
  const log = new RestoreLog(pino({ level: 'silent' }), () => new Date('2026-01-01T00:00:00Z'));
  const sink = restoreLogSink(log);
  sink.info({ pod: 'db-0', command: ['sh', '-c', 'echo hi'], exitCode: 0 }, 'post-restore hook finished');
  sink.error({ pod: 'db-0', hook: 'seed' }, 'failed');
  const lines = gunzipSync(await log.finish())
    .toString()
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(lines, [
    {
      level: 'info',
      time: '2026-01-01T00:00:00.000Z',
      msg: 'post-restore hook finished',
      pod: 'db-0',
      command: '["sh","-c","echo hi"]',
      exitCode: 0,
    },
    { level: 'error', time: '2026-01-01T00:00:00.000Z', msg: 'failed', pod: 'db-0', hook: 'seed' },
  ]);
});
