import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ManualClock } from '../core/clock.ts';
import type { KubeObject } from '../kube/types.ts';
import { type Kubesim, startKubesim } from '../kubesim/index.ts';
import { LIFEBOAT_RESOURCES } from './resources.ts';
import { SCHEDULES, ScheduleReconciler } from './schedule.ts';
import { listScheduleBackups } from './schedule-backups.ts';
import { type ControllerTestEnv, controllerTestEnv } from './testing.ts';

const HOUR = 3_600_000;

describe('Schedule controller (injected clock)', () => {
  let sim: Kubesim;
  let env: ControllerTestEnv;
  let reconciler: ScheduleReconciler;
  const clock = new ManualClock('2026-05-01T10:00:00Z');
  const intervals = new Map<string, number | undefined>();

  before(async () => {
    sim = await startKubesim({ cluster: false, clock });
    env = await controllerTestEnv(sim.kubeconfigPath, { clock });
    reconciler = new ScheduleReconciler(env.ctx, {
      maxRequeueMs: 48 * HOUR,
      metrics: { scheduleInterval: (s, seconds) => intervals.set(s, seconds) },
    });
  });
  after(async () => {
    await env.close();
    await sim.stop();
  });

  async function createSchedule(
    name: string,
    spec: Record<string, unknown>,
    labels?: Record<string, string>,
  ) {
    await env.client.create(SCHEDULES, {
      apiVersion: 'lifeboat.io/v1',
      kind: 'Schedule',
      metadata: { name, namespace: env.namespace, ...(labels ? { labels } : {}) },
      spec: { template: { includedNamespaces: ['app'] }, ...spec },
    });
  }
  const schedule = async (name: string) =>
    (await env.client.get(SCHEDULES, env.namespace, name)) as KubeObject;
  const status = async (name: string) => ((await schedule(name)).status ?? {}) as Record<string, unknown>;
  const backupNames = async (name: string) =>
    (await listScheduleBackups(env.ctx, name)).map((b) => b.metadata?.name).sort();
  const finish = (backup: string) =>
    env.client.patch(
      LIFEBOAT_RESOURCES.Backup,
      env.namespace,
      backup,
      'merge',
      { status: { phase: 'Completed' } },
      { subresource: 'status' },
    );

  test('invalid cron expression or time zone: FailedValidation naming the field', async () => {
    await createSchedule('bad-cron', { schedule: '61 * * * *' });
    await createSchedule('bad-zone', { schedule: '@daily', timezone: 'Mars/Olympus' });
    assert.equal(await reconciler.reconcile('bad-cron'), undefined);
    await reconciler.reconcile('bad-zone');
    const cron = await status('bad-cron');
    assert.equal(cron.phase, 'FailedValidation');
    assert.match(String((cron.validationErrors as string[])[0]), /spec\.schedule/);
    const zone = await status('bad-zone');
    assert.equal(zone.phase, 'FailedValidation');
    assert.match((zone.validationErrors as string[]).join(' '), /spec\.timezone/);
    assert.deepEqual(await backupNames('bad-cron'), []);
  });

  test('fires at the next firing, not at creation; the backup carries template, labels and owner', async () => {
    clock.set('2026-05-01T10:00:00Z');
    await createSchedule(
      'nightly',
      {
        schedule: '@every 1h',
        useOwnerReferencesInBackup: true,
        copyTo: ['far'],
        template: { includedNamespaces: ['app'], ttl: '24h', metadata: { labels: { team: 'db' } } },
      },
      { ignored: 'because-the-template-has-labels' },
    );
    const first = await reconciler.reconcile('nightly');
    assert.equal((await status('nightly')).phase, 'Enabled');
    assert.equal(first?.requeueAfterMs, HOUR);
    assert.equal(intervals.get('nightly'), 3600);
    assert.deepEqual(await backupNames('nightly'), []);

    clock.advance(HOUR);
    await reconciler.reconcile('nightly');
    assert.deepEqual(await backupNames('nightly'), ['nightly-20260501110000']);
    const backup = (await env.get('Backup', 'nightly-20260501110000')) as KubeObject;
    assert.deepEqual(backup.metadata?.labels, { team: 'db', 'lifeboat.io/schedule-name': 'nightly' });
    assert.deepEqual(backup.spec, { includedNamespaces: ['app'], ttl: '24h', copyTo: ['far'] });
    const owner = backup.metadata?.ownerReferences?.[0];
    assert.equal(owner?.kind, 'Schedule');
    assert.equal(owner?.uid, (await schedule('nightly')).metadata?.uid);
    assert.equal((await status('nightly')).lastBackup, '2026-05-01T11:00:00Z');
  });

  test('no second backup while the previous one runs; then it fires', async () => {
    clock.set('2026-05-01T12:00:00Z');
    const busy = await reconciler.reconcile('nightly');
    assert.equal(busy?.requeueAfterMs, 60_000);
    assert.deepEqual(await backupNames('nightly'), ['nightly-20260501110000']);
    await finish('nightly-20260501110000');
    await reconciler.reconcile('nightly');
    assert.deepEqual(await backupNames('nightly'), ['nightly-20260501110000', 'nightly-20260501120000']);
    await finish('nightly-20260501120000');
  });

  test('firings missed during downtime make one backup', async () => {
    clock.set('2026-05-02T00:00:00Z');
    await createSchedule('hourly', { schedule: '0 * * * *' });
    await reconciler.reconcile('hourly');
    clock.set('2026-05-02T05:30:00Z'); // 00:00 … 05:00: five firings missed
    const result = await reconciler.reconcile('hourly');
    assert.deepEqual(await backupNames('hourly'), ['hourly-20260502053000']);
    assert.equal(result?.requeueAfterMs, 30 * 60_000);
    await finish('hourly-20260502053000');
    await reconciler.reconcile('hourly');
    assert.deepEqual(await backupNames('hourly'), ['hourly-20260502053000']);
  });

  test('paused schedules create nothing; unpausing with skipImmediately skips the due run once', async () => {
    clock.set('2026-05-03T00:00:00Z');
    await createSchedule('paused', { schedule: '@hourly', paused: true });
    assert.equal(await reconciler.reconcile('paused'), undefined);
    clock.advance(3 * HOUR);
    await reconciler.reconcile('paused');
    assert.deepEqual(await backupNames('paused'), []);

    await env.client.patch(SCHEDULES, env.namespace, 'paused', 'merge', {
      spec: { paused: false, skipImmediately: true },
    });
    await reconciler.reconcile('paused');
    assert.deepEqual(await backupNames('paused'), []);
    const skipped = await schedule('paused');
    assert.equal((skipped.status as { lastSkipped?: string }).lastSkipped, '2026-05-03T03:00:00Z');
    assert.equal((skipped.spec as { skipImmediately?: boolean }).skipImmediately, false);

    clock.set('2026-05-03T03:59:00Z');
    await reconciler.reconcile('paused');
    assert.deepEqual(await backupNames('paused'), []);
    clock.set('2026-05-03T04:00:00Z');
    await reconciler.reconcile('paused');
    assert.deepEqual(await backupNames('paused'), ['paused-20260503040000']);
  });

  test('CRON_TZ: 02:00 in New York names the backup by its UTC time', async () => {
    clock.set('2026-05-04T00:00:00Z');
    await createSchedule('ny', { schedule: 'CRON_TZ=America/New_York 0 2 * * *' });
    const first = await reconciler.reconcile('ny');
    assert.equal(first?.requeueAfterMs, 6 * HOUR);
    clock.set('2026-05-04T06:00:00Z');
    await reconciler.reconcile('ny');
    assert.deepEqual(await backupNames('ny'), ['ny-20260504060000']);
  });
  test('DST in Berlin: the skipped 02:30 fires once at 03:00 local, the repeated 02:30 fires once', async () => {
    clock.set('2026-03-28T12:00:00Z');
    await createSchedule('berlin', { schedule: '30 2 * * *', timezone: 'Europe/Berlin' });
    await reconciler.reconcile('berlin');
    clock.set('2026-03-29T00:59:59Z');
    await reconciler.reconcile('berlin');
    assert.deepEqual(await backupNames('berlin'), []);
    clock.set('2026-03-29T01:00:00Z'); // 03:00 CEST, right after the gap
    await reconciler.reconcile('berlin');
    assert.deepEqual(await backupNames('berlin'), ['berlin-20260329010000']);
    await finish('berlin-20260329010000');

    clock.set('2026-10-25T00:30:00Z'); // 02:30 CEST, the first of the two
    await reconciler.reconcile('berlin');
    await finish('berlin-20261025003000');
    clock.set('2026-10-25T01:30:00Z'); // 02:30 CET, the repeat
    const repeat = await reconciler.reconcile('berlin');
    assert.deepEqual(await backupNames('berlin'), ['berlin-20260329010000', 'berlin-20261025003000']);
    // Next: 02:30 CET on the 26th = 01:30Z, a day after the repeat.
    assert.equal(repeat?.requeueAfterMs, 24 * HOUR);
  });
});
