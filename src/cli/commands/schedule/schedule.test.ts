import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startKubesim } from '../../../kubesim/index.ts';
import { type CliEnv, startCliEnv } from '../../test-support.ts';

describe('lifeboat schedule against kubesim', () => {
  let env: CliEnv;
  before(async () => {
    env = await startCliEnv(await startKubesim({ cluster: false }));
  });
  after(() => env.stop());

  const getJson = async (...args: string[]) => {
    const r = await env.run(...args, '-o', 'json');
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout);
  };

  test('bad cron expressions and time zones are refused naming the flag', async () => {
    const cron = await env.run('schedule', 'create', 'bad', '--schedule', '0 25 * * *');
    assert.notEqual(cron.code, 0);
    assert.match(cron.stderr, /spec\.schedule.*\(--schedule\)/);
    const zone = await env.run(
      'schedule',
      'create',
      'bad',
      '--schedule',
      '@daily',
      '--timezone',
      'Nowhere/Land',
    );
    assert.notEqual(zone.code, 0);
    assert.match(zone.stderr, /\(--timezone\)/);
    const keep = await env.run('schedule', 'create', 'bad', '--schedule', '@daily', '--keep-daily', '0');
    assert.notEqual(keep.code, 0);
  });

  test('create, get, describe, pause, unpause, backup create --from-schedule, delete', async () => {
    const created = await env.run(
      'schedule',
      'create',
      'nightly',
      '--schedule',
      '0 1 * * *',
      '--timezone',
      'Europe/Berlin',
      '--keep-daily',
      '7',
      '--keep-weekly',
      '4',
      '--include-namespaces',
      'shop',
      '--ttl',
      '24h',
      '--labels',
      'team=ops',
      '--webhook',
      'https://hooks.example/lifeboat',
      '--use-owner-references-in-backup',
    );
    assert.equal(created.code, 0, created.stderr);
    const schedule = await getJson('schedule', 'get', 'nightly');
    assert.equal(schedule.kind, 'Schedule');
    assert.deepEqual(schedule.metadata.labels, { team: 'ops' });
    assert.equal(schedule.spec.schedule, '0 1 * * *');
    assert.equal(schedule.spec.timezone, 'Europe/Berlin');
    assert.deepEqual(schedule.spec.keep, { daily: 7, weekly: 4 });
    assert.equal(schedule.spec.useOwnerReferencesInBackup, true);
    assert.deepEqual(schedule.spec.template.includedNamespaces, ['shop']);
    assert.equal(schedule.spec.template.ttl, '24h');
    assert.deepEqual(schedule.spec.template.metadata, { labels: { team: 'ops' } });
    assert.deepEqual(schedule.spec.notifications, { webhooks: [{ url: 'https://hooks.example/lifeboat' }] });

    const table = await env.run('schedule', 'get');
    assert.match(table.stdout, /nightly\s+New\s+.*0 1 \* \* \*\s+Europe\/Berlin\s+7 daily, 4 weekly/);

    const described = await env.run('schedule', 'describe', 'nightly');
    assert.equal(described.code, 0, described.stderr);
    assert.match(described.stdout, /Retention:\s+7 daily, 4 weekly/);
    assert.match(described.stdout, /Next run:\s+\d{4}-\d\d-\d\dT(23|00):00:00/);
    assert.match(described.stdout, /https:\/\/hooks\.example\/lifeboat on Failed, PartiallyFailed/);

    assert.equal((await env.run('schedule', 'pause', 'nightly')).code, 0);
    assert.equal((await getJson('schedule', 'get', 'nightly')).spec.paused, true);
    assert.equal((await env.run('schedule', 'unpause', 'nightly', '--skip-immediately')).code, 0);
    const unpaused = await getJson('schedule', 'get', 'nightly');
    assert.equal(unpaused.spec.paused, false);
    assert.equal(unpaused.spec.skipImmediately, true);

    const fromSchedule = await env.run('backup', 'create', '--from-schedule', 'nightly');
    assert.equal(fromSchedule.code, 0, fromSchedule.stderr);
    const name = /Backup request "([^"]+)"/.exec(fromSchedule.stdout)?.[1] ?? '';
    assert.match(name, /^nightly-\d{14}$/);
    const backup = await getJson('backup', 'get', name);
    assert.equal(backup.metadata.labels['lifeboat.io/schedule-name'], 'nightly');
    assert.deepEqual(backup.spec.includedNamespaces, ['shop']);

    const deleted = await env.run('schedule', 'delete', 'nightly', '--confirm');
    assert.equal(deleted.code, 0, deleted.stderr);
    const gone = await env.run('schedule', 'get', 'nightly');
    assert.notEqual(gone.code, 0);
  });
});
