import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { pino } from 'pino';
import { ManualClock } from '../core/clock.ts';
import { LifeboatError } from '../core/errors.ts';
import { createFsObjectStore } from '../storage/fs.ts';
import { DownloadTokens } from './download-tokens.ts';
import { Readiness } from './health.ts';
import { startHttpEndpoints } from './http.ts';
import { ServerMetrics } from './metrics.ts';

const logger = pino({ level: 'silent' });

async function setup() {
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-http-'));
  const store = createFsObjectStore({ root: dir, prefix: 'team', durable: false });
  await store.put('backups/b1/b1-logs.gz', Buffer.from('log bytes'));
  const clock = new ManualClock('2026-03-01T00:00:00Z');
  const tokens = new DownloadTokens(clock);
  const metrics = new ServerMetrics();
  const readiness = new Readiness();
  const endpoints = await startHttpEndpoints({
    address: '127.0.0.1:0',
    metrics,
    readiness,
    tokens,
    logger,
    openDownload: async (grant) => {
      if (grant.location !== 'default')
        throw new LifeboatError('NotFound', `location ${grant.location} not found`);
      return store.get(grant.key);
    },
  });
  return {
    clock,
    tokens,
    metrics,
    readiness,
    endpoints,
    async close() {
      await endpoints.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

test('a download token streams its object until it expires', async () => {
  const env = await setup();
  try {
    const { token } = env.tokens.sign('default', 'backups/b1/b1-logs.gz', 10 * 60_000);
    const res = await fetch(`${env.endpoints.url}/download/${token}`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'log bytes');
    assert.match(res.headers.get('content-disposition') ?? '', /filename="b1-logs.gz"/);

    env.clock.advance(10 * 60_000 + 1);
    const late = await fetch(`${env.endpoints.url}/download/${token}`);
    assert.equal(late.status, 410);
    assert.match(await late.text(), /expired/);
  } finally {
    await env.close();
  }
});

test('a tampered or foreign token is refused, and a missing object is 404', async () => {
  const env = await setup();
  try {
    const { token } = env.tokens.sign('default', 'backups/b1/b1-logs.gz', 60_000);
    const [body, mac] = token.split('.');
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString());
    payload.k = 'backups/b2/b2-logs.gz';
    const forged = `${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${mac}`;
    assert.equal((await fetch(`${env.endpoints.url}/download/${forged}`)).status, 403);

    const flipped = `${body}.${mac.slice(0, -2)}${mac.endsWith('AA') ? 'BB' : 'AA'}`;
    assert.equal((await fetch(`${env.endpoints.url}/download/${flipped}`)).status, 403);

    const other = new DownloadTokens(env.clock).sign('default', 'backups/b1/b1-logs.gz', 60_000).token;
    assert.equal((await fetch(`${env.endpoints.url}/download/${other}`)).status, 403);
    assert.equal((await fetch(`${env.endpoints.url}/download/garbage`)).status, 403);

    const missing = env.tokens.sign('default', 'backups/nope/nope-logs.gz', 60_000).token;
    assert.equal((await fetch(`${env.endpoints.url}/download/${missing}`)).status, 404);
    const goneLocation = env.tokens.sign('elsewhere', 'backups/b1/b1-logs.gz', 60_000).token;
    assert.equal((await fetch(`${env.endpoints.url}/download/${goneLocation}`)).status, 404);
  } finally {
    await env.close();
  }
});

test('healthz is always ok; readyz waits for every check', async () => {
  const env = await setup();
  try {
    assert.equal((await fetch(`${env.endpoints.url}/healthz`)).status, 200);
    assert.equal((await fetch(`${env.endpoints.url}/readyz`)).status, 503);
    env.readiness.require('informers', 'caches not synced');
    env.readiness.require('leader-election', 'leader state unknown');
    env.readiness.pass('informers');
    const partial = await fetch(`${env.endpoints.url}/readyz?verbose`);
    assert.equal(partial.status, 503);
    assert.equal(await partial.text(), '[+]informers ok\n[-]leader-election leader state unknown\n');
    env.readiness.pass('leader-election');
    assert.equal((await fetch(`${env.endpoints.url}/readyz`)).status, 200);
    assert.equal((await fetch(`${env.endpoints.url}/nothing`)).status, 404);
    assert.equal((await fetch(`${env.endpoints.url}/metrics`, { method: 'POST' })).status, 405);
  } finally {
    await env.close();
  }
});

test('metrics are exposed with lifeboat names, per schedule and location', async () => {
  const env = await setup();
  try {
    env.metrics.backupStarted({ location: 'default' });
    env.metrics.backupFinished({ location: 'default', outcome: 'Completed', durationSeconds: 3, items: 42 });
    env.metrics.backupStarted({ schedule: 'nightly', location: 'aws' });
    env.metrics.backupFinished({
      schedule: 'nightly',
      location: 'aws',
      outcome: 'PartiallyFailed',
      warnings: 2,
    });
    env.metrics.restoreStarted({ location: 'default' });
    env.metrics.restoreFinished({ location: 'default', outcome: 'Failed' });
    env.metrics.locationAvailability('default', true);
    env.metrics.locationAvailability('aws', false);
    const res = await fetch(`${env.endpoints.url}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
    const text = await res.text();
    assert.match(text, /lifeboat_backup_attempt_total\{schedule="",backup_location_name="default"\} 1/);
    assert.match(text, /lifeboat_backup_success_total\{schedule="",backup_location_name="default"\} 1/);
    assert.match(
      text,
      /lifeboat_backup_partial_failure_total\{schedule="nightly",backup_location_name="aws"\} 1/,
    );
    assert.match(text, /lifeboat_backup_warning_total\{schedule="nightly",backup_location_name="aws"\} 2/);
    assert.match(text, /lifeboat_backup_items_total\{schedule="",backup_location_name="default"\} 42/);
    assert.match(
      text,
      /lifeboat_backup_duration_seconds_bucket\{le="5",schedule="",backup_location_name="default"\} 1/,
    );
    assert.match(text, /lifeboat_restore_failed_total\{schedule="",backup_location_name="default"\} 1/);
    assert.match(text, /lifeboat_backup_location_status_gauge\{backup_location_name="aws"\} 0/);
    assert.match(text, /lifeboat_backup_location_status_gauge\{backup_location_name="default"\} 1/);
    // Registries are per instance: a second server's metrics start at nothing.
    const fresh = await new ServerMetrics().exposition();
    assert.doesNotMatch(fresh.body, /lifeboat_backup_attempt_total\{/);
  } finally {
    await env.close();
  }
});
