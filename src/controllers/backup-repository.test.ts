import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ManualClock } from '../core/clock.ts';
import { type Kubesim, startKubesim } from '../kubesim/index.ts';
import { TEST_KDF } from '../repository/maintenance/testing.ts';
import { BACKUP_REPOSITORIES, repositoryName } from '../volumes/repositories/index.ts';
import { BackupRepositoryReconciler } from './backup-repository.ts';
import { type ControllerTestEnv, controllerTestEnv } from './testing.ts';

let sim: Kubesim;
let env: ControllerTestEnv;
const clock = new ManualClock('2026-03-01T00:00:00Z');

before(async () => {
  sim = await startKubesim({ cluster: false });
  env = await controllerTestEnv(sim.kubeconfigPath, { clock });
  await env.createFsLocation('default');
});

after(async () => {
  await env?.close();
  await sim?.stop();
});

type RepoStatus = {
  phase?: string;
  message?: string;
  lastMaintenanceTime?: string;
  recentMaintenance?: { result: string; message?: string }[];
};

test('a BackupRepository is initialised (Ready), maintained once its period has passed, and NotReady with the reason when its location is missing', async () => {
  const reconciler = new BackupRepositoryReconciler(env.ctx, { repositoryOptions: { kdf: TEST_KDF } });
  const name = repositoryName('shop', 'default');
  await env.client.create(BACKUP_REPOSITORIES, {
    apiVersion: 'lifeboat.io/v1',
    kind: 'BackupRepository',
    metadata: { name, namespace: env.namespace },
    spec: {
      volumeNamespace: 'shop',
      backupStorageLocation: 'default',
      repositoryType: 'restic',
      maintenanceFrequency: '1h',
    },
  });
  const first = await reconciler.reconcile(name);
  const ready = (await env.client.get(BACKUP_REPOSITORIES, env.namespace, name))?.status as RepoStatus;
  assert.equal(ready.phase, 'Ready');
  assert.equal(ready.lastMaintenanceTime, '2026-03-01T00:00:00Z');
  assert.equal(first?.requeueAfterMs, 3_600_000);
  assert.ok(env.events.reasons(name).includes('RepositoryReady'));

  // Not due yet: nothing runs, the next look is when it is.
  clock.advance(30 * 60_000);
  assert.equal((await reconciler.reconcile(name))?.requeueAfterMs, 30 * 60_000);
  assert.equal(
    ((await env.client.get(BACKUP_REPOSITORIES, env.namespace, name))?.status as RepoStatus | undefined)
      ?.recentMaintenance,
    undefined,
  );

  clock.advance(31 * 60_000);
  assert.equal((await reconciler.reconcile(name))?.requeueAfterMs, 3_600_000);
  const maintained = (await env.client.get(BACKUP_REPOSITORIES, env.namespace, name))?.status as RepoStatus;
  assert.equal(maintained.recentMaintenance?.length, 1);
  assert.equal(
    maintained.recentMaintenance?.[0].result,
    'Succeeded',
    maintained.recentMaintenance?.[0].message,
  );
  assert.match(
    maintained.recentMaintenance?.[0].message ?? '',
    /prune freed \d+ bytes .*check found no errors/,
  );
  assert.equal(maintained.lastMaintenanceTime, '2026-03-01T01:01:00Z');
  assert.ok(env.events.reasons(name).includes('MaintenanceSucceeded'));

  // Three more runs: only the last three are kept.
  for (let i = 0; i < 3; i++) {
    clock.advance(3_600_000);
    await reconciler.reconcile(name);
  }
  const later = (await env.client.get(BACKUP_REPOSITORIES, env.namespace, name))?.status as RepoStatus;
  assert.equal(later.recentMaintenance?.length, 3);

  const missing = repositoryName('shop', 'nowhere');
  await env.client.create(BACKUP_REPOSITORIES, {
    apiVersion: 'lifeboat.io/v1',
    kind: 'BackupRepository',
    metadata: { name: missing, namespace: env.namespace },
    spec: {
      volumeNamespace: 'shop',
      backupStorageLocation: 'nowhere',
      repositoryType: 'restic',
      maintenanceFrequency: '1h',
    },
  });
  const retry = await reconciler.reconcile(missing);
  const notReady = (await env.client.get(BACKUP_REPOSITORIES, env.namespace, missing))?.status as RepoStatus;
  assert.equal(notReady.phase, 'NotReady');
  assert.match(notReady.message ?? '', /backup storage location nowhere does not exist/);
  assert.equal(retry?.requeueAfterMs, 30_000);
});
