/**
 * File-system backup and restore of pod volumes through the node agents (issue 5's figure): N claims of M MiB
 * each (half random bytes, half text) on a 2-node kubesim, one PodVolumeBackup per claim created at once and
 * awaited, then one PodVolumeRestore per claim into new pods held in `restore-wait`. Beside each figure, the
 * repository engine's own on the same directories (the same N backups at once into a fresh repository, the
 * same N restores at once), so the agents' overhead shows as a ratio. Target: ≥ 80 %.
 *
 *   node --import tsx bench/volumes.ts                    # 8 claims × 128 MiB
 *   node --import tsx bench/volumes.ts --pvcs 4 --mib 32
 *
 * The PodVolumeBackups are created here, as the backup engine's pod-volume orchestration would create them,
 * so the figure is the agents' path: watch → resolve the volume → repository → status. The 200-snapshot CSI
 * figure is C's `bench/csi-snapshots.ts`.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { POD_VOLUME_BACKUPS, POD_VOLUME_RESTORES } from '../src/agent/index.ts';
import {
  createPodWithClaim,
  dataDir,
  ensureNamespace,
  eventually,
  writeFiles,
} from '../src/agent/testing.ts';
import { connect, createDynamicClient } from '../src/kube/index.ts';
import type { KubeObject } from '../src/kube/types.ts';
import { startKubesim } from '../src/kubesim/index.ts';
import { backup, initRepository, restore } from '../src/repository/index.ts';
import { TEST_KDF } from '../src/repository/maintenance/testing.ts';
import { createFsObjectStore } from '../src/storage/index.ts';
import { ensureRepository } from '../src/volumes/repositories/index.ts';
import { controllerTestEnv, driveRepositories, startNodeAgents } from '../test/support/node-agents.ts';

const { values } = parseArgs({
  options: { pvcs: { type: 'string', default: '8' }, mib: { type: 'string', default: '128' } },
});
const pvcs = Number(values.pvcs);
const mib = Number(values.mib);
const totalBytes = pvcs * mib * 1024 * 1024;

/** Text that compresses like logs or SQL dumps: varied lines, not one repeated block. */
function text(bytes: number, seed: number): Buffer {
  const words = [
    'select',
    'insert',
    'update',
    'order',
    'customer',
    'invoice',
    'total',
    'status',
    'shipped',
    'pending',
    'null',
    'where',
    'from',
    'values',
  ];
  const lines: string[] = [];
  let size = 0;
  let n = seed;
  while (size < bytes) {
    n = (n * 1103515245 + 12345) & 0x7fffffff;
    const line = `${n} ${words[n % words.length]} ${words[(n >> 4) % words.length]} ${(n % 100000) / 100} ${new Date(1.7e12 + n).toISOString()}\n`;
    lines.push(line);
    size += line.length;
  }
  return Buffer.from(lines.join('')).subarray(0, bytes);
}

const mbps = (bytes: number, ms: number) => (bytes / 1e6 / (ms / 1000)).toFixed(1);

const sim = await startKubesim({ nodes: 2 });
const env = await controllerTestEnv(sim.kubeconfigPath);
const repos = driveRepositories(env.ctx);
const agents = await startNodeAgents(sim, { kubeconfig: sim.kubeconfigPath, namespace: env.namespace });
const scratch = mkdtempSync(join(tmpdir(), 'bench-volumes-'));
try {
  await env.createFsLocation('default');
  const client = createDynamicClient(connect(sim.kubeconfigPath));
  await ensureNamespace(client, 'bench');
  const sources: { name: string; dir: string; node: string; pod: KubeObject }[] = [];
  for (let i = 0; i < pvcs; i++)
    await createPodWithClaim(client, 'bench', `db-${i}`, { size: `${mib * 2}Mi` });
  for (let i = 0; i < pvcs; i++) {
    const placed = await dataDir(client, sim.nodes, 'bench', `db-${i}`);
    const half = (mib * 1024 * 1024) / 2;
    writeFiles(placed.dir, { 'random.bin': randomBytes(half), 'dump.sql': text(half, i + 1) });
    sources.push({ name: `db-${i}`, ...placed });
  }
  await ensureRepository(client, { namespace: env.namespace, location: 'default', volumeNamespace: 'bench' });

  // Through the agents.
  const finished = async (resource: typeof POD_VOLUME_BACKUPS, names: string[]) =>
    Promise.all(
      names.map((n) =>
        eventually(
          `${n} to finish`,
          async () => {
            const o = await client.get(resource, env.namespace, n);
            const phase = (o?.status as { phase?: string } | undefined)?.phase;
            if (phase === 'Failed' || phase === 'Canceled')
              throw new Error(`${n}: ${JSON.stringify(o?.status)}`);
            return phase === 'Completed' ? o : undefined;
          },
          30 * 60_000,
        ),
      ),
    );
  let started = performance.now();
  const pvbs = await Promise.all(
    sources.map((s) =>
      client.create(POD_VOLUME_BACKUPS, {
        apiVersion: 'lifeboat.io/v1',
        kind: 'PodVolumeBackup',
        metadata: { name: `pvb-${s.name}`, namespace: env.namespace },
        spec: {
          node: s.node,
          pod: { kind: 'Pod', namespace: 'bench', name: s.name, uid: s.pod.metadata?.uid },
          volume: 'data',
          backupStorageLocation: 'default',
          repoIdentifier: '',
          tags: { backup: 'bench', ns: 'bench', pod: s.name, volume: 'data' },
        },
      }),
    ),
  );
  const done = await finished(
    POD_VOLUME_BACKUPS,
    pvbs.map((p) => p.metadata?.name ?? ''),
  );
  const agentBackupMs = performance.now() - started;

  for (const s of sources)
    await createPodWithClaim(client, 'bench', `${s.name}-r`, {
      size: `${mib * 2}Mi`,
      restoreUid: 'bench-restore',
    });
  const targets = await Promise.all(sources.map((s) => dataDir(client, sim.nodes, 'bench', `${s.name}-r`)));
  started = performance.now();
  const pvrs = await Promise.all(
    sources.map((s, i) =>
      client.create(POD_VOLUME_RESTORES, {
        apiVersion: 'lifeboat.io/v1',
        kind: 'PodVolumeRestore',
        metadata: { name: `pvr-${s.name}`, namespace: env.namespace },
        spec: {
          pod: { kind: 'Pod', namespace: 'bench', name: `${s.name}-r`, uid: targets[i].pod.metadata?.uid },
          volume: 'data',
          backupStorageLocation: 'default',
          repoIdentifier: '',
          snapshotID: (done[i].status as { snapshotID: string }).snapshotID,
          sourceNamespace: 'bench',
        },
      }),
    ),
  );
  await finished(
    POD_VOLUME_RESTORES,
    pvrs.map((p) => p.metadata?.name ?? ''),
  );
  const agentRestoreMs = performance.now() - started;

  // The engine alone, on the same directories, the same concurrency.
  const store = createFsObjectStore({ root: join(scratch, 'repo') });
  const repo = await initRepository(store, 'bench', { kdf: TEST_KDF });
  started = performance.now();
  const results = await Promise.all(
    sources.map((s) => backup(repo, { paths: ['.'], cwd: s.dir, parent: null, hostname: s.name })),
  );
  const engineBackupMs = performance.now() - started;
  started = performance.now();
  await Promise.all(
    results.map((r, i) => restore(repo, r.snapshot, { target: join(scratch, `restore-${i}`) })),
  );
  const engineRestoreMs = performance.now() - started;

  const row = (what: string, agentMs: number, engineMs: number) =>
    `${what.padEnd(8)} agents ${mbps(totalBytes, agentMs).padStart(7)} MB/s (${(agentMs / 1000).toFixed(1)} s)   engine ${mbps(totalBytes, engineMs).padStart(7)} MB/s (${(engineMs / 1000).toFixed(1)} s)   ratio ${((engineMs / agentMs) * 100).toFixed(0)} %`;
  console.log(
    `${pvcs} claims × ${mib} MiB (half random, half text), 2 nodes, load ${loadavg()[0].toFixed(2)}`,
  );
  console.log(row('backup', agentBackupMs, engineBackupMs));
  console.log(row('restore', agentRestoreMs, engineRestoreMs));
  console.log('CSI snapshots (200 in one backup): see bench/csi-snapshots.ts (C’s part)');
} finally {
  await agents.stop();
  await repos.stop();
  await env.close();
  await sim.stop();
  rmSync(scratch, { recursive: true, force: true });
}
