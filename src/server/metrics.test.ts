import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ServerMetrics } from './metrics.ts';

test('schedule, garbage-collection and notification metrics', async () => {
  const metrics = new ServerMetrics();
  metrics.scheduleInterval('nightly', 86_400);
  metrics.scheduleInterval('gone', 60);
  metrics.scheduleInterval('gone', undefined);
  metrics.gcCollected('expired', undefined);
  metrics.gcCollected('retention', 'nightly');
  metrics.gcCollected('retention', 'nightly');
  metrics.gcSkipped('BSLReadOnly');
  metrics.notification('nightly', true);
  metrics.notification('nightly', false);
  metrics.backupFinished({
    schedule: 'nightly',
    location: 'aws',
    outcome: 'Completed',
    finishedAt: new Date(5000),
  });
  const { body } = await metrics.exposition();
  const lines = body.split('\n');
  const has = (line: string) => assert.ok(lines.includes(line), `missing: ${line}`);
  has('lifeboat_schedule_expected_interval_seconds{schedule="nightly"} 86400');
  assert.ok(!body.includes('schedule="gone"'), 'a removed schedule leaves no series');
  has('lifeboat_gc_deletions_total{reason="expired",schedule=""} 1');
  has('lifeboat_gc_deletions_total{reason="retention",schedule="nightly"} 2');
  has('lifeboat_gc_skipped_total{reason="BSLReadOnly"} 1');
  has('lifeboat_notification_sent_total{schedule="nightly"} 1');
  has('lifeboat_notification_failure_total{schedule="nightly"} 1');
  has('lifeboat_backup_last_successful_timestamp{schedule="nightly",backup_location_name="aws"} 5');
});
