import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { pino } from 'pino';
import { LIFEBOAT_RESOURCES } from '../controllers/resources.ts';
import { SCHEDULES } from '../controllers/schedule.ts';
import { eventually } from '../controllers/testing.ts';
import type { DynamicClient } from '../kube/types.ts';
import type { Kubesim } from '../kubesim/index.ts';
import { parseServerConfig } from './config.ts';
import { startServer } from './index.ts';
import { type ServerTestCluster, startServerTestCluster } from './testing.ts';

const NS = 'lifeboat';
let sim: Kubesim;
let client: DynamicClient;
let cluster: ServerTestCluster;
let hook: Server;
const received: { backup: string; phase: string }[] = [];

before(async () => {
  cluster = await startServerTestCluster(NS, 'lifeboat-schedule-server-');
  ({ sim, client } = cluster);
  hook = createServer(async (req, res) => {
    let text = '';
    for await (const chunk of req) text += chunk;
    const event = JSON.parse(text);
    received.push({ backup: event.backup, phase: event.phase });
    res.end();
  });
  await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
});
after(async () => {
  await new Promise((resolve) => hook.close(resolve));
  await cluster.stop();
});

test('the server runs a schedule end to end: backups every second, keep last 1, a webhook per backup', async () => {
  const server = await startServer(
    parseServerConfig({
      namespace: NS,
      kubeconfig: sim.kubeconfigPath,
      metricsAddress: '127.0.0.1:0',
      leaderElection: false,
      logLevel: 'silent',
      progressInterval: '50ms',
    }),
    { logger: pino({ level: 'silent' }) },
  );
  try {
    const { port } = hook.address() as AddressInfo;
    await client.create(SCHEDULES, {
      apiVersion: 'lifeboat.io/v1',
      kind: 'Schedule',
      metadata: { name: 'often', namespace: NS },
      spec: {
        schedule: '@every 1s',
        template: { includedNamespaces: ['app'] },
        keep: { last: 1 },
        notifications: { webhooks: [{ url: `http://127.0.0.1:${port}/hook`, events: ['Completed'] }] },
      },
    });
    const metrics = await eventually(
      'two backups notified and one collected',
      async () => {
        const text = await (await fetch(`${server.url}/metrics`)).text();
        const collected = /lifeboat_gc_deletions_total\{reason="retention",schedule="often"\} (\d+)/.exec(
          text,
        );
        return received.length >= 2 && Number(collected?.[1] ?? 0) >= 1 ? text : undefined;
      },
      20_000,
    );
    assert.match(metrics, /lifeboat_schedule_expected_interval_seconds\{schedule="often"\} 1\n/);
    assert.match(
      metrics,
      /lifeboat_backup_success_total\{schedule="often",backup_location_name="default"\} [2-9]/,
    );
    assert.ok(received.every((r) => /^often-\d{14}$/.test(r.backup) && r.phase === 'Completed'));
    const schedule = await client.get(SCHEDULES, NS, 'often');
    assert.equal((schedule?.status as { phase?: string } | undefined)?.phase, 'Enabled');
    // Retention keeps the newest success; the deletions of older ones finish shortly after their requests.
    const kept = await eventually('retention applied', async () => {
      const completed: string[] = [];
      for await (const page of client.listPages(LIFEBOAT_RESOURCES.Backup, {
        namespace: NS,
        labelSelector: 'lifeboat.io/schedule-name=often',
      }))
        for (const b of page.items)
          if ((b.status as { phase?: string }).phase === 'Completed') completed.push(b.metadata?.name ?? '');
      return completed.length <= 2 ? completed : undefined;
    });
    assert.ok(kept.length >= 1);
  } finally {
    await server.stop();
  }
});
