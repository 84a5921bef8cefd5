import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { prestartWorkers, spareWorkers, startWorker } from './start-worker.ts';

test('prestarted workers are handed out first, then new ones are started', async () => {
  prestartWorkers('restore-worker', 2);
  prestartWorkers('restore-worker', 2); // tops up to two, does not add two more
  assert.equal(spareWorkers('restore-worker'), 2);
  const workers = [
    startWorker('restore-worker'),
    startWorker('restore-worker'),
    startWorker('restore-worker'),
  ];
  assert.equal(spareWorkers('restore-worker'), 0);
  assert.equal(new Set(workers).size, 3);
  const codes = await Promise.all(workers.map((w) => w.terminate()));
  assert.equal(codes.length, 3);
});

test('spares nobody takes do not keep the process alive', () => {
  const script = `import { prestartWorkers } from ${JSON.stringify(new URL('./start-worker.ts', import.meta.url).href)};
prestartWorkers('chunk-worker', 2);
console.log('started');`;
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stdout.trim(), 'started');
});
