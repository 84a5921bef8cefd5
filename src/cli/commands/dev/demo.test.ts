import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { formatReport } from './report.ts';
import { demoOn, startDevEnvironment } from './run.ts';

test('the lifeboat dev demo: backup Completed, namespaces restored and copied, every object equal', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'lifeboat-dev-'));
  const env = await startDevEnvironment({ port: 0, nodes: 1, dataDir, sampleApp: true });
  try {
    const steps: string[] = [];
    const report = await demoOn(env, (step) => steps.push(step));
    const text = formatReport(report);
    assert.equal(report.ok, true, text);
    assert.equal(report.backup.phase, 'Completed');
    assert.ok(report.backup.items > 20, text);
    assert.deepEqual(
      report.restores.map((r) => [r.phase, r.comparison.matched === r.comparison.expected]),
      [
        ['Completed', true],
        ['Completed', true],
      ],
    );
    assert.deepEqual(report.restores[1].mapping, { shop: 'shop-copy', 'shop-data': 'shop-data-copy' });
    assert.ok(report.restores[0].comparison.byResource['featureflags.shop.example.com'] === 2, text);
    assert.ok(steps.includes('delete the namespaces'));
    assert.match(text, /^Demo passed in/);
    assert.ok(
      existsSync(join(env.storageRoot, 'backups', 'backups', report.backupName, 'velero-backup.json')),
    );
    assert.match(readFileSync(env.logFile, 'utf8'), /"service":"lifeboat-server"/);
  } finally {
    await env.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
