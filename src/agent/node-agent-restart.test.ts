import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  type AgentCluster,
  type ControllerTestEnv,
  type NodeAgents,
  startAgentCluster,
} from '../../test/support/node-agents.ts';
import type { KubeObject } from '../kube/types.ts';
import type { Kubesim } from '../kubesim/index.ts';
import { restore } from '../repository/index.ts';
import { check } from '../repository/maintenance/index.ts';
import { contentDigest, restic } from '../repository/maintenance/testing.ts';
import {
  ensureRepository,
  openRepositoryFor,
  REPOSITORY_PASSWORD_KEY,
  REPOSITORY_PASSWORD_SECRET,
  SECRETS_RESOURCE,
} from '../volumes/repositories/index.ts';
import { POD_VOLUME_BACKUPS } from './pod-volume-backup.ts';
import { createPodWithClaim, dataDir, ensureNamespace, eventually, writeFiles } from './testing.ts';

let cluster: AgentCluster;
let sim: Kubesim;
let env: ControllerTestEnv;
let agents: NodeAgents;

before(async () => {
  cluster = await startAgentCluster(1, { mode: 'process' });
  ({ sim, env, agents } = cluster);
});

after(() => cluster?.stop());

type PvbStatus = {
  phase?: string;
  message?: string;
  snapshotID?: string;
  progress?: { bytesDone?: number; totalBytes?: number };
};
const statusOf = (o: KubeObject | undefined): PvbStatus => (o?.status ?? {}) as PvbStatus;

test('an agent SIGKILLed during an upload is restarted: the PodVolumeBackup completes (or fails with a reason) and check passes', async () => {
  await ensureNamespace(env.client, 'app');
  await createPodWithClaim(env.client, 'app', 'db', { size: '2Gi' });
  const source = await dataDir(env.client, sim.nodes, 'app', 'db');
  const files: Record<string, Buffer> = {};
  for (let i = 0; i < 8; i++) files[`table-${i}`] = randomBytes(16 << 20);
  writeFiles(source.dir, files);
  await ensureRepository(env.client, {
    namespace: env.namespace,
    location: 'default',
    volumeNamespace: 'app',
  });
  const pvb = await env.client.create(POD_VOLUME_BACKUPS, {
    apiVersion: 'lifeboat.io/v1',
    kind: 'PodVolumeBackup',
    metadata: { name: 'killed', namespace: env.namespace },
    spec: {
      node: source.node,
      pod: { kind: 'Pod', namespace: 'app', name: 'db', uid: source.pod.metadata?.uid },
      volume: 'data',
      backupStorageLocation: 'default',
      repoIdentifier: 'fs:default/restic/app',
      tags: { backup: 'b', ns: 'app', pod: 'db', volume: 'data' },
    },
  });
  const name = pvb.metadata?.name ?? '';
  const midway = await eventually('upload under way', async () => {
    const s = statusOf(await env.client.get(POD_VOLUME_BACKUPS, env.namespace, name));
    return s.phase === 'InProgress' && (s.progress?.bytesDone ?? 0) > 0 ? s : undefined;
  });
  await agents.kill(source.node);
  assert.ok((midway.progress?.bytesDone ?? 0) < 8 * (16 << 20), 'killed before the end');
  assert.equal(statusOf(await env.client.get(POD_VOLUME_BACKUPS, env.namespace, name)).phase, 'InProgress');

  await agents.start(source.node);
  const final = await eventually(
    'the PodVolumeBackup to finish after the restart',
    async () => {
      const s = statusOf(await env.client.get(POD_VOLUME_BACKUPS, env.namespace, name));
      return s.phase === 'Completed' || s.phase === 'Failed' ? s : undefined;
    },
    60_000,
  );
  if (final.phase === 'Failed') assert.ok(final.message, 'a failure says why');
  else assert.match(final.snapshotID ?? '', /^[0-9a-f]{64}$/);

  const access = {
    client: env.client,
    namespace: env.namespace,
    stores: env.ctx.locations,
    logger: env.ctx.logger,
  };
  const repo = await openRepositoryFor(access, 'default', 'app');
  const report = await check(repo);
  assert.equal(report.ok, true, JSON.stringify(report.errors.slice(0, 3)));
  const secret = await env.client.get(SECRETS_RESOURCE, env.namespace, REPOSITORY_PASSWORD_SECRET);
  const passwordFile = join(env.root, 'password');
  writeFileSync(
    passwordFile,
    Buffer.from(((secret?.data ?? {}) as Record<string, string>)[REPOSITORY_PASSWORD_KEY], 'base64'),
  );
  await restic(join(env.root, 'default', 'restic', 'app'), passwordFile, ['check']);
  if (final.phase === 'Completed') {
    const target = join(env.root, 'restored');
    await restore(repo, await repo.loadSnapshot(final.snapshotID ?? ''), { target });
    assert.deepEqual(contentDigest(target), contentDigest(source.dir));
  }
});
