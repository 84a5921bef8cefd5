import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { type Logger, pino } from 'pino';
import { systemClock } from '../core/clock.ts';
import { type Kubesim, startKubesim } from '../kubesim/index.ts';
import {
  type BackupOutcomeEvent,
  deliver,
  NOTIFIED_ANNOTATION,
  NotificationReconciler,
} from './notifications.ts';
import { LIFEBOAT_RESOURCES, SECRETS } from './resources.ts';
import { SCHEDULES } from './schedule.ts';
import { type ControllerTestEnv, controllerTestEnv } from './testing.ts';

/** A webhook receiver on 127.0.0.1 answering each call with the next status of `statuses` (then 200). */
async function receiver(statuses: number[] = []): Promise<{
  url: string;
  calls: { path: string; body: BackupOutcomeEvent }[];
  close(): Promise<void>;
}> {
  const calls: { path: string; body: BackupOutcomeEvent }[] = [];
  const server: Server = createServer(async (req: IncomingMessage, res) => {
    let text = '';
    for await (const chunk of req) text += chunk;
    calls.push({ path: req.url ?? '', body: JSON.parse(text) });
    res.statusCode = statuses.shift() ?? 200;
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function capturedLogger(): { logger: Logger; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk, _enc, done) {
      text += chunk;
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), text: () => text };
}

const EVENT: BackupOutcomeEvent = {
  type: 'lifeboat.backup.finished',
  schedule: 'nightly',
  backup: 'nightly-20260501000000',
  namespace: 'lifeboat',
  phase: 'Failed',
  outcome: 'Failed',
  errors: 2,
  warnings: 0,
};

describe('webhook delivery', () => {
  test('retries 5xx answers with backoff until one succeeds', async () => {
    const hook = await receiver([503, 500]);
    try {
      const started = Date.now();
      const ok = await deliver(
        { url: `${hook.url}/hook`, fromSecret: false, events: ['Failed'], label: 't' },
        EVENT,
        {
          clock: systemClock,
          logger: pino({ level: 'silent' }),
          baseDelayMs: 20,
        },
      );
      assert.equal(ok, true);
      assert.equal(hook.calls.length, 3);
      assert.deepEqual(hook.calls[2].body, EVENT);
      assert.ok(Date.now() - started >= 60, 'waited 20 ms then 40 ms');
    } finally {
      await hook.close();
    }
  });

  test('a 4xx answer is final; giving up after every attempt returns false', async () => {
    const rejecting = await receiver([400]);
    const failing = await receiver([503, 503, 503]);
    try {
      const options = { clock: systemClock, logger: pino({ level: 'silent' }), baseDelayMs: 5, attempts: 3 };
      const target = { fromSecret: false, events: ['Failed'] as const, label: 't' };
      assert.equal(await deliver({ ...target, url: rejecting.url }, EVENT, options), false);
      assert.equal(rejecting.calls.length, 1);
      assert.equal(await deliver({ ...target, url: failing.url }, EVENT, options), false);
      assert.equal(failing.calls.length, 3);
    } finally {
      await rejecting.close();
      await failing.close();
    }
  });
});

describe('notifications of scheduled backups (kubesim)', () => {
  let sim: Kubesim;
  let env: ControllerTestEnv;
  let scheduleHook: Awaited<ReturnType<typeof receiver>>;
  let globalHook: Awaited<ReturnType<typeof receiver>>;
  const log = capturedLogger();
  const counted: { schedule?: string; ok: boolean }[] = [];
  const TOKEN = 'sekret-token-93a1';

  before(async () => {
    sim = await startKubesim({ cluster: false });
    env = await controllerTestEnv(sim.kubeconfigPath, { logger: log.logger });
    scheduleHook = await receiver([502]);
    globalHook = await receiver();
    await env.client.create(SECRETS, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'hooks', namespace: env.namespace },
      data: { url: Buffer.from(`${scheduleHook.url}/notify/${TOKEN}`).toString('base64') },
    });
    await env.client.create(SCHEDULES, {
      apiVersion: 'lifeboat.io/v1',
      kind: 'Schedule',
      metadata: { name: 'nightly', namespace: env.namespace },
      spec: {
        schedule: '@daily',
        template: {},
        notifications: { webhooks: [{ urlSecretRef: { name: 'hooks', key: 'url' } }] },
      },
    });
  });
  after(async () => {
    await scheduleHook.close();
    await globalHook.close();
    await env.close();
    await sim.stop();
  });

  async function finishedBackup(
    name: string,
    status: Record<string, unknown>,
    schedule?: string,
  ): Promise<void> {
    await env.create('Backup', {
      metadata: { name, ...(schedule ? { labels: { 'lifeboat.io/schedule-name': schedule } } : {}) },
      spec: { storageLocation: 'default' },
    });
    await env.client.patch(
      LIFEBOAT_RESOURCES.Backup,
      env.namespace,
      name,
      'merge',
      { status: { completionTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), ...status } },
      { subresource: 'status' },
    );
  }

  test('a failed scheduled backup reaches the schedule’s webhook (after a retry) and the global one, once', async () => {
    const notifier = new NotificationReconciler(env.ctx, {
      global: { url: `${globalHook.url}/all` },
      metrics: { notification: (schedule, ok) => counted.push({ schedule, ok }) },
      delivery: { baseDelayMs: 10 },
    });
    await finishedBackup(
      'nightly-20260501000000',
      { phase: 'Failed', errors: 3, warnings: 1, failureReason: 'bucket unreachable' },
      'nightly',
    );
    await notifier.reconcile('nightly-20260501000000');
    assert.equal(scheduleHook.calls.length, 2, 'the 502 was retried');
    assert.equal(scheduleHook.calls[1].path, `/notify/${TOKEN}`);
    const body = scheduleHook.calls[1].body;
    assert.equal(body.schedule, 'nightly');
    assert.equal(body.phase, 'Failed');
    assert.equal(body.errors, 3);
    assert.equal(body.warnings, 1);
    assert.equal(body.failureReason, 'bucket unreachable');
    assert.equal(globalHook.calls.length, 1);
    assert.deepEqual(counted, [
      { schedule: 'nightly', ok: true },
      { schedule: 'nightly', ok: true },
    ]);
    const annotated = await env.get('Backup', 'nightly-20260501000000');
    assert.equal(annotated?.metadata?.annotations?.[NOTIFIED_ANNOTATION], 'Failed');

    await notifier.reconcile('nightly-20260501000000');
    assert.equal(scheduleHook.calls.length, 2, 'not notified twice');
    assert.ok(!log.text().includes(TOKEN), 'the Secret URL never reaches the log');
    assert.ok(!log.text().includes('/notify/'), 'nor its path');
  });

  test('Completed is not a default event; ad-hoc backups reach only the global webhook', async () => {
    const notifier = new NotificationReconciler(env.ctx, {
      global: { url: `${globalHook.url}/all`, events: ['Completed', 'Failed'] },
      delivery: { baseDelayMs: 10 },
    });
    const before = { schedule: scheduleHook.calls.length, global: globalHook.calls.length };
    await finishedBackup('nightly-20260502000000', { phase: 'Completed' }, 'nightly');
    await notifier.reconcile('nightly-20260502000000');
    await finishedBackup('adhoc', { phase: 'FailedValidation', validationErrors: ['spec.ttl: bad'] });
    await notifier.reconcile('adhoc');
    assert.equal(scheduleHook.calls.length, before.schedule);
    assert.equal(globalHook.calls.length, before.global + 2);
    const adhoc = globalHook.calls.at(-1)?.body;
    assert.equal(adhoc?.schedule, '');
    assert.equal(adhoc?.outcome, 'Failed');
    assert.deepEqual(adhoc?.validationErrors, ['spec.ttl: bad']);
  });
  test('a backup that finished long ago (synced, or before the server ran) is neither sent nor marked', async () => {
    const notifier = new NotificationReconciler(env.ctx, { global: { url: `${globalHook.url}/all` } });
    const before = globalHook.calls.length;
    await env.create('Backup', { metadata: { name: 'synced' }, spec: { storageLocation: 'default' } });
    await env.client.patch(
      LIFEBOAT_RESOURCES.Backup,
      env.namespace,
      'synced',
      'merge',
      {
        status: { phase: 'Failed', completionTimestamp: new Date(Date.now() - 2 * 3_600_000).toISOString() },
      },
      { subresource: 'status' },
    );
    await notifier.reconcile('synced');
    assert.equal(globalHook.calls.length, before);
    assert.equal(
      (await env.get('Backup', 'synced'))?.metadata?.annotations?.[NOTIFIED_ANNOTATION],
      undefined,
    );
  });
});
