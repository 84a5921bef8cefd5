import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  lstatSync,
  mkdtempSync,
  readlinkSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  type AgentCluster,
  type ControllerTestEnv,
  startAgentCluster,
} from '../../test/support/node-agents.ts';
import { LABELS } from '../api/labels.ts';
import type { KubeObject } from '../kube/types.ts';
import type { Kubesim } from '../kubesim/index.ts';
import { listLocks, restore } from '../repository/index.ts';
import { check } from '../repository/maintenance/index.ts';
import { contentDigest, restic } from '../repository/maintenance/testing.ts';
import {
  BACKUP_REPOSITORIES,
  ensureRepository,
  openRepositoryFor,
  REPOSITORY_PASSWORD_KEY,
  REPOSITORY_PASSWORD_SECRET,
  repositoryName,
  SECRETS_RESOURCE,
} from '../volumes/repositories/index.ts';
import { POD_VOLUME_BACKUPS } from './pod-volume-backup.ts';
import { POD_VOLUME_RESTORES, RESTORE_MARKER_DIR } from './pod-volume-restore.ts';
import {
  cancelOnceTransferring,
  createPodWithClaim,
  dataDir,
  ensureNamespace,
  eventually,
  incompressibleSnapshot,
  podPhase,
  repositoryAccess,
  writeFiles,
  writeIncompressible,
} from './testing.ts';
import { PODS } from './volume-path.ts';

let cluster: AgentCluster;
let sim: Kubesim;
let env: ControllerTestEnv;

before(async () => {
  cluster = await startAgentCluster(2, { progressIntervalMs: 50 });
  ({ sim, env } = cluster);
});

after(() => cluster?.stop());

const phase = (o: KubeObject | undefined): string =>
  (o?.status as { phase?: string } | undefined)?.phase ?? '';
const finished = (o: KubeObject | undefined) => ['Completed', 'Failed', 'Canceled'].includes(phase(o));

test('ensureRepository creates the labelled BackupRepository, which the reconciler initialises with a random password', async () => {
  const repo = await ensureRepository(env.client, {
    namespace: env.namespace,
    location: 'default',
    volumeNamespace: 'shop',
  });
  assert.equal(repo.metadata.name, repositoryName('shop', 'default'));
  assert.match(repo.metadata.name ?? '', /^shop-default-restic-[0-9a-f]{5}$/);
  assert.equal(repo.status?.phase, 'Ready');
  assert.equal(repo.metadata.labels?.[LABELS.volumeNamespace], 'shop');
  assert.equal(repo.metadata.labels?.[LABELS.storageLocation], 'default');
  assert.equal(repo.metadata.labels?.[LABELS.repositoryType], 'restic');
  const fresh = await env.client.get(BACKUP_REPOSITORIES, env.namespace, repo.metadata.name ?? '');
  assert.equal(
    (fresh?.spec as { resticIdentifier?: string } | undefined)?.resticIdentifier,
    'fs:default/restic/shop',
  );
  const secret = await env.client.get(SECRETS_RESOURCE, env.namespace, REPOSITORY_PASSWORD_SECRET);
  const password = Buffer.from(
    ((secret?.data ?? {}) as Record<string, string>)[REPOSITORY_PASSWORD_KEY],
    'base64',
  ).toString();
  assert.ok(password.length >= 40, 'a generated password of 32 random bytes');
  assert.ok(statSync(join(env.root, 'default', 'restic', 'shop', 'config')).isFile());
  // A second call reuses the same object.
  const again = await ensureRepository(env.client, {
    namespace: env.namespace,
    location: 'default',
    volumeNamespace: 'shop',
  });
  assert.equal(again.metadata.uid, repo.metadata.uid);
});

test('a PodVolumeBackup is backed up by its node’s agent and a PodVolumeRestore fills a pod waiting in restore-wait', async () => {
  await ensureNamespace(env.client, 'app');
  await createPodWithClaim(env.client, 'app', 'db');
  const source = await dataDir(env.client, sim.nodes, 'app', 'db');
  const big = randomBytes(3 << 20);
  writeFiles(source.dir, {
    PG_VERSION: '16\n',
    'base/1/16384': big,
    'base/secret.conf': { mode: 0o600, data: 'password_encryption = scram\n' },
    current: { symlink: 'base/1/16384' },
  });
  const total = big.length + 3 + 'password_encryption = scram\n'.length;
  await ensureRepository(env.client, {
    namespace: env.namespace,
    location: 'default',
    volumeNamespace: 'app',
  });

  const pvb = await env.client.create(POD_VOLUME_BACKUPS, {
    apiVersion: 'lifeboat.io/v1',
    kind: 'PodVolumeBackup',
    metadata: { generateName: 'b1-', namespace: env.namespace },
    spec: {
      node: source.node,
      pod: { kind: 'Pod', namespace: 'app', name: 'db', uid: source.pod.metadata?.uid },
      volume: 'data',
      backupStorageLocation: 'default',
      repoIdentifier: 'fs:default/restic/app',
      uploaderType: 'restic',
      tags: {
        backup: 'b1',
        'backup-uid': 'u-1',
        ns: 'app',
        pod: 'db',
        'pod-uid': source.pod.metadata?.uid ?? '',
        volume: 'data',
      },
    },
  });
  const done = await eventually('the PodVolumeBackup to finish', async () => {
    const o = await env.client.get(POD_VOLUME_BACKUPS, env.namespace, pvb.metadata?.name ?? '');
    return finished(o) ? o : undefined;
  });
  const status = done.status as {
    phase: string;
    snapshotID?: string;
    path?: string;
    message?: string;
    progress?: { totalBytes?: number; bytesDone?: number };
  };
  assert.equal(status.phase, 'Completed', status.message);
  assert.match(status.snapshotID ?? '', /^[0-9a-f]{64}$/);
  assert.equal(status.progress?.totalBytes, total);
  assert.equal(status.progress?.bytesDone, total);
  // The CSI `mount` symlink resolved: the volume's backing directory.
  assert.equal(status.path, realpathSync(source.dir));

  // The snapshot carries Velero's tags and restores byte for byte.
  const access = repositoryAccess(env);
  const repo = await openRepositoryFor(access, 'default', 'app');
  const snapshot = await repo.loadSnapshot(status.snapshotID ?? '');
  for (const tag of ['backup=b1', 'ns=app', 'pod=db', 'volume=data', 'pvc=db-data'])
    assert.ok(snapshot.tags?.includes(tag), `tag ${tag} in ${snapshot.tags}`);
  const scratch = mkdtempSync(join(tmpdir(), 'agent-restore-'));
  try {
    await restore(repo, snapshot, { target: scratch });
    assert.deepEqual(contentDigest(scratch), contentDigest(source.dir));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  assert.equal((await check(repo)).ok, true);
  const passwordFile = join(env.root, 'password');
  const secret = await env.client.get(SECRETS_RESOURCE, env.namespace, REPOSITORY_PASSWORD_SECRET);
  writeFileSync(
    passwordFile,
    Buffer.from(((secret?.data ?? {}) as Record<string, string>)[REPOSITORY_PASSWORD_KEY], 'base64'),
  );
  await restic(join(env.root, 'default', 'restic', 'app'), passwordFile, ['check', '--read-data']);

  // Restore into a new pod held in restore-wait until the agent marks the volume done.
  const restoreUid = 'c0ffee00-0000-4000-8000-000000000001';
  await createPodWithClaim(env.client, 'app', 'db-restored', { restoreUid });
  const target = await dataDir(env.client, sim.nodes, 'app', 'db-restored');
  assert.equal(podPhase(await env.client.get(PODS, 'app', 'db-restored')), 'Pending');
  const pvr = await env.client.create(POD_VOLUME_RESTORES, {
    apiVersion: 'lifeboat.io/v1',
    kind: 'PodVolumeRestore',
    metadata: { generateName: 'r1-', namespace: env.namespace, labels: { [LABELS.restoreUid]: restoreUid } },
    spec: {
      pod: { kind: 'Pod', namespace: 'app', name: 'db-restored', uid: target.pod.metadata?.uid },
      volume: 'data',
      backupStorageLocation: 'default',
      repoIdentifier: 'fs:default/restic/app',
      uploaderType: 'restic',
      snapshotID: status.snapshotID,
      sourceNamespace: 'app',
    },
  });
  const restored = await eventually('the PodVolumeRestore to finish', async () => {
    const o = await env.client.get(POD_VOLUME_RESTORES, env.namespace, pvr.metadata?.name ?? '');
    return finished(o) ? o : undefined;
  });
  const rstatus = restored.status as {
    phase: string;
    message?: string;
    node?: string;
    progress?: { bytesDone?: number };
  };
  assert.equal(rstatus.phase, 'Completed', rstatus.message);
  assert.equal(rstatus.node, target.node);
  assert.equal(rstatus.progress?.bytesDone, total);
  await eventually('the restored pod to start', async () =>
    podPhase(await env.client.get(PODS, 'app', 'db-restored')) === 'Running' ? true : undefined,
  );
  assert.deepEqual(contentDigest(target.dir), contentDigest(source.dir));
  assert.equal(lstatSync(join(target.dir, 'base/secret.conf')).mode & 0o777, 0o600);
  assert.equal(readlinkSync(join(target.dir, 'current')), 'base/1/16384');

  // A second backup of the same claim has the first as parent and adds little.
  const second = await env.client.create(POD_VOLUME_BACKUPS, {
    ...pvb,
    metadata: { generateName: 'b2-', namespace: env.namespace },
    status: undefined,
  });
  const done2 = await eventually('the second PodVolumeBackup', async () => {
    const o = await env.client.get(POD_VOLUME_BACKUPS, env.namespace, second.metadata?.name ?? '');
    return finished(o) ? o : undefined;
  });
  const s2 = done2.status as { phase: string; snapshotID: string; incrementalBytes?: number };
  assert.equal(s2.phase, 'Completed');
  const snap2 = await (await openRepositoryFor(access, 'default', 'app')).loadSnapshot(s2.snapshotID);
  assert.equal(snap2.parent, status.snapshotID);
  // Only trees change (directory metadata); the 3 MiB of file data is not added again.
  assert.ok((s2.incrementalBytes ?? 0) < 64 * 1024, `incremental ${s2.incrementalBytes}`);
});

test('a PodVolumeBackup for a pod that is gone, or cancelled before it starts, ends with a reason', async () => {
  const make = (name: string, extra: object) =>
    env.client.create(POD_VOLUME_BACKUPS, {
      apiVersion: 'lifeboat.io/v1',
      kind: 'PodVolumeBackup',
      metadata: { name, namespace: env.namespace },
      spec: {
        node: sim.nodes[0].name,
        pod: { kind: 'Pod', namespace: 'app', name: 'no-such-pod' },
        volume: 'data',
        backupStorageLocation: 'default',
        repoIdentifier: '',
        ...extra,
      },
    });
  await make('gone', {});
  await make('cancelled', { cancel: true });
  const gone = await eventually('gone', async () => {
    const o = await env.client.get(POD_VOLUME_BACKUPS, env.namespace, 'gone');
    return finished(o) ? o : undefined;
  });
  assert.equal(phase(gone), 'Failed');
  assert.match((gone.status as { message: string }).message, /pod app\/no-such-pod is gone/);
  const cancelled = await eventually('cancelled', async () => {
    const o = await env.client.get(POD_VOLUME_BACKUPS, env.namespace, 'cancelled');
    return finished(o) ? o : undefined;
  });
  assert.equal(phase(cancelled), 'Canceled');
  // A restore into a pod that never comes does not hang once cancelled.
  await env.client.create(POD_VOLUME_RESTORES, {
    apiVersion: 'lifeboat.io/v1',
    kind: 'PodVolumeRestore',
    metadata: { name: 'never-placed', namespace: env.namespace },
    spec: {
      pod: { kind: 'Pod', namespace: 'app', name: 'no-such-pod' },
      volume: 'data',
      backupStorageLocation: 'default',
      repoIdentifier: '',
      snapshotID: 'f00d',
      sourceNamespace: 'app',
      cancel: true,
    },
  });
  const unplaced = await eventually('never-placed', async () => {
    const o = await env.client.get(POD_VOLUME_RESTORES, env.namespace, 'never-placed');
    return finished(o) ? o : undefined;
  });
  assert.equal(phase(unplaced), 'Canceled');
});

test('spec.cancel during the transfer stops the PodVolumeBackup mid-way: Canceled with its progress, no snapshot, no lock, check passes', async () => {
  await ensureNamespace(env.client, 'big');
  await createPodWithClaim(env.client, 'big', 'store', { size: '2Gi' });
  const source = await dataDir(env.client, sim.nodes, 'big', 'store');
  const total = writeIncompressible(source.dir, 8, 24 << 20);
  await ensureRepository(env.client, {
    namespace: env.namespace,
    location: 'default',
    volumeNamespace: 'big',
  });
  await env.client.create(POD_VOLUME_BACKUPS, {
    apiVersion: 'lifeboat.io/v1',
    kind: 'PodVolumeBackup',
    metadata: { name: 'to-cancel', namespace: env.namespace },
    spec: {
      node: source.node,
      pod: { kind: 'Pod', namespace: 'big', name: 'store', uid: source.pod.metadata?.uid },
      volume: 'data',
      backupStorageLocation: 'default',
      repoIdentifier: '',
      tags: { backup: 'cancelled-backup', ns: 'big', pod: 'store', volume: 'data' },
    },
  });
  const { ended, tookMs } = await cancelOnceTransferring(
    env.client,
    POD_VOLUME_BACKUPS,
    env.namespace,
    'to-cancel',
  );
  assert.equal(ended.phase, 'Canceled', ended.message);
  assert.equal(ended.snapshotID, undefined);
  assert.match(
    ended.message ?? '',
    /^cancelled during the transfer after .* MiB of .* MiB; no snapshot was written$/,
  );
  assert.equal(ended.progress?.totalBytes, total);
  assert.ok((ended.progress?.bytesDone ?? 0) < total, `stopped at ${ended.progress?.bytesDone} of ${total}`);
  // Far less than the time the rest of the data would take; generous for a loaded machine.
  assert.ok(tookMs < 5000, `Canceled ${tookMs} ms after spec.cancel`);

  const access = repositoryAccess(env);
  const repo = await openRepositoryFor(access, 'default', 'big');
  const snapshots = await repo.listSnapshots();
  assert.equal(snapshots.filter((s) => s.tags?.includes('backup=cancelled-backup')).length, 0);
  assert.deepEqual(await listLocks(repo), [], 'the repository lock was released');
  const report = await check(repo);
  assert.equal(report.ok, true, JSON.stringify(report.errors.slice(0, 3)));
});

test('spec.cancel during the transfer stops the PodVolumeRestore mid-way: Canceled with its progress, only complete files in the volume, no marker, no lock', async () => {
  // Small files first in the walk (and in the packs), so some are finished before the cancel arrives.
  const small = Object.fromEntries(
    Array.from({ length: 16 }, (_, i) => [`a-small/s-${i}`, randomBytes(64 << 10)]),
  );
  const snap = await incompressibleSnapshot(env, 'bulk', 8, 24 << 20, small);
  await ensureNamespace(env.client, 'bulk');
  const restoreUid = 'c0ffee00-0000-4000-8000-000000000002';
  await createPodWithClaim(env.client, 'bulk', 'store-restored', { restoreUid, size: '2Gi' });
  const target = await dataDir(env.client, sim.nodes, 'bulk', 'store-restored');
  await env.client.create(POD_VOLUME_RESTORES, {
    apiVersion: 'lifeboat.io/v1',
    kind: 'PodVolumeRestore',
    metadata: { name: 'restore-to-cancel', namespace: env.namespace },
    spec: {
      pod: { kind: 'Pod', namespace: 'bulk', name: 'store-restored', uid: target.pod.metadata?.uid },
      volume: 'data',
      backupStorageLocation: 'default',
      repoIdentifier: '',
      uploaderType: 'restic',
      snapshotID: snap.snapshotId,
      sourceNamespace: 'bulk',
    },
  });
  const { ended, tookMs } = await cancelOnceTransferring(
    env.client,
    POD_VOLUME_RESTORES,
    env.namespace,
    'restore-to-cancel',
  );
  assert.equal(ended.phase, 'Canceled', ended.message);
  assert.match(
    ended.message ?? '',
    /^cancelled during the transfer after .* MiB of .* MiB; files not completely written were removed; the pod stays in restore-wait$/,
  );
  assert.equal(ended.progress?.totalBytes, snap.total);
  assert.ok(
    (ended.progress?.bytesDone ?? 0) < snap.total,
    `stopped at ${ended.progress?.bytesDone} of ${snap.total}`,
  );
  assert.ok(tookMs < 5000, `Canceled ${tookMs} ms after spec.cancel`);

  // Whatever file is in the volume is complete; the files begun and not finished were removed.
  const source = contentDigest(snap.source);
  const restored = contentDigest(target.dir);
  for (const [path, digest] of restored) {
    assert.equal(digest, source.get(path), `${path} is complete`);
    const [want, got] = [statSync(join(snap.source, path)), statSync(join(target.dir, path))];
    assert.equal(got.mode, want.mode, `${path} mode`);
    assert.equal(Math.round(got.mtimeMs), Math.round(want.mtimeMs), `${path} mtime`);
  }
  assert.ok(restored.size > 0, 'the files finished before the cancel stay');
  assert.ok(restored.size < source.size, `${restored.size} of ${source.size} files in the volume`);
  // No marker, so the pod stays in restore-wait.
  assert.equal(existsSync(join(target.dir, RESTORE_MARKER_DIR, restoreUid)), false);
  assert.equal(podPhase(await env.client.get(PODS, 'bulk', 'store-restored')), 'Pending');
  const repo = await openRepositoryFor(repositoryAccess(env), 'default', 'bulk');
  assert.deepEqual(await listLocks(repo), [], 'no lock left in the repository');
});
