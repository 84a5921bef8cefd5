import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Kubesim, startKubesim } from '../kubesim/index.ts';
import { BackupStorageLocationReconciler } from './backup-storage-location.ts';
import { LIFEBOAT_RESOURCES } from './resources.ts';
import { type ControllerTestEnv, controllerTestEnv } from './testing.ts';

describe('BackupStorageLocation reconciler', () => {
  let sim: Kubesim;
  let env: ControllerTestEnv;

  before(async () => {
    sim = await startKubesim({ cluster: false });
    env = await controllerTestEnv(sim.kubeconfigPath);
  });
  after(async () => {
    await env.close();
    await sim.stop();
  });

  test('an empty fs bucket is Available; the default name becomes the default location', async () => {
    await env.createFsLocation('default');
    const reconciler = new BackupStorageLocationReconciler(env.ctx, {
      defaultLocation: 'default',
      validationFrequencyMs: 60_000,
    });
    const result = await reconciler.reconcile('default');
    assert.equal(result?.requeueAfterMs, 60_000);
    const bsl = await env.get('BackupStorageLocation', 'default');
    const status = bsl?.status as Record<string, unknown>;
    assert.equal(status.phase, 'Available');
    assert.equal(status.message, undefined);
    assert.ok(typeof status.lastValidationTime === 'string');
    assert.equal((bsl?.spec as { default?: boolean } | undefined)?.default, true);
    assert.deepEqual(env.events.reasons('default'), ['Available']);
    assert.deepEqual(env.metrics.of('locationAvailability').at(-1), { location: 'default', available: true });
  });

  test('foreign top-level entries make a location Unavailable with a message naming them; cleaning fixes it', async () => {
    await env.createFsLocation('dirty', { prefix: 'team' });
    const dir = join(env.root, 'dirty', 'team');
    await mkdir(join(dir, 'docs'), { recursive: true });
    await writeFile(join(dir, 'docs', 'readme.txt'), 'hello');
    await mkdir(join(dir, 'backups'), { recursive: true });
    const reconciler = new BackupStorageLocationReconciler(env.ctx, { validationFrequencyMs: 0 });
    assert.equal((await reconciler.reconcile('dirty'))?.requeueAfterMs, undefined);
    let status = (await env.get('BackupStorageLocation', 'dirty'))?.status as Record<string, unknown>;
    assert.equal(status.phase, 'Unavailable');
    assert.match(String(status.message), /invalid top-level directories: \[docs\]/);
    assert.deepEqual(env.events.reasons('dirty'), ['Unavailable']);

    // Frequency 0: no periodic check, but a spec change is checked again.
    await env.client.patch(LIFEBOAT_RESOURCES.BackupStorageLocation, env.namespace, 'dirty', 'merge', {
      spec: { objectStorage: { bucket: 'dirty', prefix: 'team/backups' } },
    });
    await reconciler.reconcile('dirty');
    status = (await env.get('BackupStorageLocation', 'dirty'))?.status as Record<string, unknown>;
    assert.equal(status.phase, 'Available');
    assert.equal(status.message, undefined);
    assert.deepEqual(env.events.reasons('dirty'), ['Unavailable', 'Available']);
  });

  test('a location whose credentials Secret is missing is Unavailable; a deleted location drops its metric', async () => {
    await env.create('BackupStorageLocation', {
      metadata: { name: 'nocreds' },
      spec: {
        provider: 'aws',
        objectStorage: { bucket: 'b' },
        credential: { name: 'absent-secret', key: 'cloud' },
        config: { region: 'us-east-1', s3Url: 'http://127.0.0.1:9' },
      },
    });
    const reconciler = new BackupStorageLocationReconciler(env.ctx);
    await reconciler.reconcile('nocreds');
    const status = (await env.get('BackupStorageLocation', 'nocreds'))?.status as Record<string, unknown>;
    assert.equal(status.phase, 'Unavailable');
    assert.match(String(status.message), /Secret lifeboat\/absent-secret not found/);

    await env.client.delete(LIFEBOAT_RESOURCES.BackupStorageLocation, env.namespace, 'nocreds');
    assert.equal(await reconciler.reconcile('nocreds'), undefined);
    assert.deepEqual(env.metrics.of('locationRemoved').at(-1), { location: 'nocreds' });
  });
});
