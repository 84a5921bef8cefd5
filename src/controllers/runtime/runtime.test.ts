import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { ManualClock } from '../../core/clock.ts';
import { connect, type KubeConnection } from '../../kube/client.ts';
import { discoverResources } from '../../kube/discovery.ts';
import { createDynamicClient } from '../../kube/dynamic-client.ts';
import { createInformer } from '../../kube/informer.ts';
import { configMap } from '../../kube/testing.ts';
import { transportFor } from '../../kube/transport.ts';
import type { ApiResourceInfo, DynamicClient, KubeObject } from '../../kube/types.ts';
import { type Kubesim, startKubesim } from '../../kubesim/index.ts';
import { Controller } from './controller.ts';
import { EVENTS_RESOURCE, EventRecorder } from './events.ts';
import { LEASES_RESOURCE, LeaderElector } from './leader-election.ts';

const logger = pino({ level: 'silent' });

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('controller runtime against kubesim', () => {
  let sim: Kubesim;
  let conn: KubeConnection;
  let client: DynamicClient;
  let configmaps: ApiResourceInfo;

  before(async () => {
    sim = await startKubesim({ cluster: false });
    conn = connect(sim.kubeconfigPath);
    client = createDynamicClient(conn, { retry: { baseDelayMs: 1, maxDelayMs: 5 } });
    const catalog = await discoverResources(conn);
    configmaps = catalog.resolve('cm')!;
    await client.create(catalog.resolve('ns')!, {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'rt' },
    });
  });
  after(async () => {
    transportFor(conn.config).close();
    await sim?.stop();
  });

  test('events: involvedObject, reason, message, type; a repeat bumps the count of the same Event', async () => {
    const clock = new ManualClock('2026-03-01T10:00:00Z');
    const recorder = new EventRecorder({ client, clock, logger, instance: 'pod-1' });
    const subject = await client.create(configmaps, configMap('rt', 'subject'));
    await recorder.record(subject, 'Normal', 'Started', 'the backup started');
    clock.advance(5_000);
    recorder.event(subject, 'Normal', 'Started', 'the backup started');
    recorder.event(subject, 'Warning', 'Failed', 'x'.repeat(5000));
    await recorder.flush();

    const events: KubeObject[] = [];
    for await (const page of client.listPages(EVENTS_RESOURCE, { namespace: 'rt' }))
      events.push(...page.items);
    assert.equal(events.length, 2);
    const started = events.find((e) => e.reason === 'Started')!;
    assert.equal(started.type, 'Normal');
    assert.equal(started.message, 'the backup started');
    assert.equal(started.count, 2);
    assert.equal(started.firstTimestamp, '2026-03-01T10:00:00Z');
    assert.equal(started.lastTimestamp, '2026-03-01T10:00:05Z');
    assert.deepEqual(started.involvedObject, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: 'rt',
      name: 'subject',
      uid: subject.metadata?.uid,
      resourceVersion: subject.metadata?.resourceVersion,
    });
    assert.deepEqual(started.source, { component: 'lifeboat-server', host: 'pod-1' });
    const failed = events.find((e) => e.reason === 'Failed')!;
    assert.equal(failed.type, 'Warning');
    assert.equal((failed.message as string).length, 1024);

    // An event about a cluster-scoped object lands in `default`; a failure to write is logged, never thrown.
    await recorder.record(
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'rt' } },
      'Normal',
      'Seen',
      'ns',
    );
    let inDefault = 0;
    for await (const page of client.listPages(EVENTS_RESOURCE, { namespace: 'default' })) {
      inDefault += page.items.filter((e) => e.reason === 'Seen').length;
    }
    assert.equal(inDefault, 1);
    assert.equal(
      await recorder.record(
        { kind: 'Thing', metadata: { name: 'Bad Name!', namespace: 'nowhere' } },
        'Normal',
        'X',
        'y',
      ),
      undefined,
    );
  });

  test('leader election: one leader at a time; release hands over at once; a dead leader is replaced after the lease', async () => {
    const timing = { leaseDurationMs: 2000, renewDeadlineMs: 1200, retryPeriodMs: 100 };
    const lease = { client, namespace: 'rt', name: 'lifeboat-server', logger, ...timing };
    const leading: string[] = [];
    const make = (identity: string) => new LeaderElector({ ...lease, identity });
    const campaign = (e: LeaderElector, id: string) =>
      e.run({
        onStartedLeading: () => {
          leading.push(`${id} leads`);
        },
        onStoppedLeading: () => {
          leading.push(`${id} stops`);
        },
      });

    const a = make('a');
    const b = make('b');
    const runA = campaign(a, 'a');
    await until('a to lead', () => a.isLeader);
    const runB = campaign(b, 'b');
    await new Promise((r) => setTimeout(r, 2300)); // more than a lease duration: a keeps renewing
    assert.equal(b.isLeader, false);
    assert.equal(b.leader, 'a');
    const held = (await client.get(LEASES_RESOURCE, 'rt', 'lifeboat-server')) as KubeObject & {
      spec: Record<string, unknown>;
    };
    assert.equal(held.spec.holderIdentity, 'a');
    assert.equal(held.spec.leaseDurationSeconds, 2);
    assert.match(String(held.spec.renewTime), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);

    // a stops: it releases the Lease, and b takes it within a retry period or two.
    const handover = Date.now();
    await a.stop();
    await runA;
    await until('b to lead', () => b.isLeader);
    assert.ok(Date.now() - handover < 1000, 'b did not wait out the lease (2 s)');
    const taken = (await client.get(LEASES_RESOURCE, 'rt', 'lifeboat-server')) as KubeObject & {
      spec: Record<string, unknown>;
    };
    assert.equal(taken.spec.holderIdentity, 'b');
    assert.equal(taken.spec.leaseTransitions, 1);

    // b dies without releasing (its renewals stop: every request now fails); c takes over once the lease runs out.
    const c = make('c');
    const runC = campaign(c, 'c');
    const cut = sim.faults.add({
      resource: 'leases.coordination.k8s.io',
      verb: 'update',
      error: 500,
      probability: 1,
    });
    const died = Date.now();
    await until('b to step down', () => !b.isLeader);
    cut.remove();
    await b.stop(); // b no longer leads, so nothing is released
    await runB;
    await until('c to lead', () => c.isLeader);
    // c last saw b renew at most a retry period before the cut, so it waits nearly the whole lease (2 s).
    assert.ok(Date.now() - died >= 1600, 'c waited for the lease to run out');
    await c.stop();
    await runC;
    assert.deepEqual(leading, ['a leads', 'a stops', 'b leads', 'b stops', 'c leads', 'c stops']);
  });

  test('controller: every object reconciled after sync, changes queued, failures retried with backoff, stop drains', async () => {
    for (const name of ['c1', 'c2', 'c3']) await client.create(configmaps, configMap('rt', name));
    const informer = createInformer(client, configmaps, { namespace: 'rt' }, logger);
    const reconciled: string[] = [];
    let failuresLeft = 2;
    let inFlight = 0;
    let maxInFlight = 0;
    let slowDone = false;
    const outcomes: boolean[] = [];
    const controller = new Controller({
      name: 'test',
      informer,
      workers: 3,
      logger,
      queue: { baseDelayMs: 20, maxDelayMs: 100 },
      filter: (_event, o) =>
        !o.metadata?.name?.startsWith('subject') && !o.metadata?.name?.startsWith('ignored'),
      onReconciled: ({ ok }) => outcomes.push(ok),
      reconcile: async (key) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        try {
          if (key === 'rt/flaky' && failuresLeft-- > 0) throw new Error('not yet');
          if (key === 'rt/slow') {
            await new Promise((r) => setTimeout(r, 200));
            slowDone = true;
          }
          reconciled.push(key);
          return undefined;
        } finally {
          inFlight--;
        }
      },
    });
    await controller.start();
    await until('the existing objects', () =>
      ['rt/c1', 'rt/c2', 'rt/c3'].every((k) => reconciled.includes(k)),
    );
    assert.ok(maxInFlight >= 1 && maxInFlight <= 3);

    await client.create(configmaps, configMap('rt', 'flaky'));
    await client.create(configmaps, configMap('rt', 'ignored'));
    await until('flaky to succeed after two failures', () => reconciled.includes('rt/flaky'));
    assert.equal(outcomes.filter((ok) => !ok).length, 2);
    assert.equal(controller.queue.retries('rt/flaky'), 0, 'success forgets the backoff');
    assert.equal(reconciled.includes('rt/ignored'), false);

    const before = reconciled.filter((k) => k === 'rt/c2').length;
    await client.patch(configmaps, 'rt', 'c2', 'merge', { data: { changed: 'yes' } });
    await until('c2 again', () => reconciled.filter((k) => k === 'rt/c2').length === before + 1);
    await client.delete(configmaps, 'rt', 'c3');
    await until('c3 deleted', () => reconciled.filter((k) => k === 'rt/c3').length === 2);

    controller.enqueue('rt/slow');
    await until('slow to start', () => inFlight > 0);
    await controller.stop();
    assert.equal(slowDone, true, 'stop waited for the running reconcile');
    assert.equal(informer.hasSynced, true);
  });
});
