import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ManualClock } from '../core/clock.ts';
import { type Kubesim, startKubesim } from '../kubesim/index.ts';
import { type CollectReason, GarbageCollectionReconciler } from './gc.ts';
import { LIFEBOAT_RESOURCES } from './resources.ts';
import { SCHEDULES } from './schedule.ts';
import { type ControllerTestEnv, controllerTestEnv } from './testing.ts';

describe('garbage collection (TTL, keep rules, legal hold, read-only locations)', () => {
  let sim: Kubesim;
  let env: ControllerTestEnv;
  let gc: GarbageCollectionReconciler;
  const clock = new ManualClock('2026-06-01T12:00:00Z');
  const collected: { reason: CollectReason; schedule?: string }[] = [];
  const skipped: string[] = [];

  before(async () => {
    sim = await startKubesim({ cluster: false, clock });
    env = await controllerTestEnv(sim.kubeconfigPath, { clock });
    await env.createFsLocation('main', { default: true });
    await env.createFsLocation('vault', { accessMode: 'ReadOnly' });
    gc = new GarbageCollectionReconciler(env.ctx, {
      frequencyMs: 3_600_000,
      metrics: {
        gcCollected: (reason, schedule) => collected.push({ reason, schedule }),
        gcSkipped: (reason) => skipped.push(reason),
      },
    });
  });
  after(async () => {
    await env.close();
    await sim.stop();
  });

  async function backup(
    name: string,
    options: {
      location?: string;
      phase?: string;
      expiration: string;
      start?: string;
      labels?: Record<string, string>;
    },
  ): Promise<void> {
    const location = options.location ?? 'main';
    await env.create('Backup', {
      metadata: { name, labels: { 'lifeboat.io/storage-location': location, ...options.labels } },
      spec: { storageLocation: location },
    });
    await env.client.patch(
      LIFEBOAT_RESOURCES.Backup,
      env.namespace,
      name,
      'merge',
      {
        status: {
          phase: options.phase ?? 'Completed',
          expiration: options.expiration,
          startTimestamp: options.start ?? '2026-05-01T00:00:00Z',
        },
      },
      { subresource: 'status' },
    );
  }

  async function requestsFor(name: string): Promise<string[]> {
    const out: string[] = [];
    for await (const page of env.client.listPages(LIFEBOAT_RESOURCES.DeleteBackupRequest, {
      namespace: env.namespace,
    }))
      for (const r of page.items)
        if ((r.spec as { backupName?: string }).backupName === name) out.push(r.metadata?.name ?? '');
    return out;
  }

  test('an expired backup gets one DeleteBackupRequest; one not yet expired is looked at when it expires', async () => {
    await backup('old', { expiration: '2026-06-01T11:00:00Z' });
    await backup('young', { expiration: '2026-06-01T12:20:00Z' });
    assert.deepEqual(await gc.reconcile('old'), { requeueAfterMs: 3_600_000 });
    await gc.reconcile('old');
    assert.equal((await requestsFor('old')).length, 1, 'a pending request is not duplicated');
    assert.deepEqual(collected, [{ reason: 'expired', schedule: undefined }]);

    assert.deepEqual(await gc.reconcile('young'), { requeueAfterMs: 20 * 60_000 });
    assert.deepEqual(await requestsFor('young'), []);
    clock.advance(20 * 60_000);
    await gc.reconcile('young');
    assert.equal((await requestsFor('young')).length, 1);
  });

  test('legal hold, unfinished backups and read-only or missing locations are never collected', async () => {
    await backup('held', { expiration: '2026-01-01T00:00:00Z', labels: { 'lifeboat.io/retain': 'true' } });
    await backup('running', { expiration: '2026-01-01T00:00:00Z', phase: 'InProgress' });
    await backup('migrating', { expiration: '2026-01-01T00:00:00Z', location: 'vault' });
    await backup('orphan', { expiration: '2026-01-01T00:00:00Z', location: 'gone' });
    for (const name of ['held', 'running', 'migrating', 'orphan']) {
      await gc.reconcile(name);
      assert.deepEqual(await requestsFor(name), [], name);
    }
    const label = async (name: string) =>
      (await env.get('Backup', name))?.metadata?.labels?.['lifeboat.io/gc-failure'];
    assert.equal(await label('migrating'), 'BSLReadOnly');
    assert.equal(await label('orphan'), 'BSLNotFound');
    assert.equal(await label('held'), undefined);
    assert.deepEqual(skipped, ['BSLReadOnly', 'BSLNotFound']);
  });

  test('a schedule’s keep rules replace the TTL: unselected backups go, selected ones stay though expired', async () => {
    await env.client.create(SCHEDULES, {
      apiVersion: 'lifeboat.io/v1',
      kind: 'Schedule',
      metadata: { name: 'daily', namespace: env.namespace },
      spec: { schedule: '@daily', template: {}, keep: { last: 2 } },
    });
    const labels = { 'lifeboat.io/schedule-name': 'daily' };
    const past = '2026-05-01T00:00:00Z';
    const future = '2027-01-01T00:00:00Z';
    await backup('daily-1', { labels, expiration: future, start: '2026-05-01T00:00:00Z' });
    await backup('daily-2', { labels, expiration: future, start: '2026-05-02T00:00:00Z', phase: 'Failed' });
    await backup('daily-3', { labels, expiration: past, start: '2026-05-03T00:00:00Z' });
    await backup('daily-4', {
      labels,
      expiration: past,
      start: '2026-05-04T00:00:00Z',
      phase: 'PartiallyFailed',
    });
    await backup('daily-5', { labels, expiration: future, start: '2026-05-05T00:00:00Z', phase: 'Failed' });
    const requested = async () => {
      const out: string[] = [];
      for (let i = 1; i <= 5; i++) {
        const n = (await requestsFor(`daily-${i}`)).length;
        if (n > 0) out.push(`daily-${i}x${n}`);
      }
      return out;
    };
    // The newest backup's pass judges its siblings at once.
    await gc.reconcile('daily-5');
    // Kept: the two newest successes (3, 4) and the newest failure, newer than every success (5).
    assert.deepEqual(await requested(), ['daily-1x1', 'daily-2x1']);
    for (let i = 1; i <= 5; i++) await gc.reconcile(`daily-${i}`);
    assert.deepEqual(await requested(), ['daily-1x1', 'daily-2x1'], 'no duplicate requests');
    assert.deepEqual(
      collected.filter((c) => c.schedule === 'daily'),
      [
        { reason: 'retention', schedule: 'daily' },
        { reason: 'retention', schedule: 'daily' },
      ],
    );
  });
});
