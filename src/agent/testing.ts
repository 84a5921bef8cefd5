import { randomFillSync } from 'node:crypto';
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ControllerTestEnv } from '../../test/support/node-agents.ts';
import type { ApiResourceInfo, DynamicClient, KubeObject } from '../kube/types.ts';
import { backup } from '../repository/index.ts';
import { ensureRepository, openRepositoryFor, type RepositoryAccess } from '../volumes/repositories/index.ts';
import type { TransferProgress } from './status.ts';
import { PODS, PVCS, PVS } from './volume-path.ts';

/**
 * Test support for the node agent (imported by tests only): pods with claims on kubesim, and volume contents.
 * The server-side pieces the agent tests need (CRDs, locations, the BackupRepository reconciler) are in
 * `test/support/node-agents.ts`, since the agent's folder may not import the controllers'.
 */

export async function ensureNamespace(client: DynamicClient, name: string): Promise<void> {
  const ns = {
    ...PODS,
    resource: 'namespaces',
    kind: 'Namespace',
    namespaced: false,
    groupResource: 'namespaces',
  };
  if (!(await client.get(ns, undefined, name)))
    await client.create(ns, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
}

/** A claim of the default (CSI) storage class and a pod mounting it at /data; `restoreUid` adds restore-wait. */
export async function createPodWithClaim(
  client: DynamicClient,
  namespace: string,
  name: string,
  options: { restoreUid?: string; size?: string } = {},
): Promise<void> {
  await client.create(PVCS, {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: `${name}-data`, namespace },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: options.size ?? '1Gi' } } },
  });
  const mount = { name: 'data', mountPath: '/data' };
  await client.create(PODS, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace },
    spec: {
      ...(options.restoreUid
        ? {
            initContainers: [
              {
                name: 'restore-wait',
                image: 'lifeboat/restore-helper',
                args: [options.restoreUid],
                volumeMounts: [mount],
              },
            ],
          }
        : {}),
      containers: [{ name: 'app', image: 'busybox', command: ['sleep', '3600'], volumeMounts: [mount] }],
      volumes: [{ name: 'data', persistentVolumeClaim: { claimName: `${name}-data` } }],
    },
  });
}

/** Polls `check` every `intervalMs` (default 50 ms) until it returns a value. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 30_000,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export function podPhase(pod: KubeObject | undefined): string {
  return (pod?.status as { phase?: string } | undefined)?.phase ?? '';
}

/**
 * The host directory of the pod's volume of claim `claim` (by default `<pod>-data`, as `createPodWithClaim`
 * makes it), its CSI `mount`, once the claim is bound and the pod placed.
 */
export async function dataDir(
  client: DynamicClient,
  nodes: { name: string; rootDir: string }[],
  namespace: string,
  pod: string,
  claim = `${pod}-data`,
): Promise<{ dir: string; node: string; pod: KubeObject; pv: string }> {
  return eventually(`pod ${pod} placed with a bound claim`, async () => {
    const p = await client.get(PODS, namespace, pod);
    const node = (p?.spec as { nodeName?: string } | undefined)?.nodeName;
    const pvc = await client.get(PVCS, namespace, claim);
    const pv = (pvc?.spec as { volumeName?: string } | undefined)?.volumeName;
    if (!p || !node || !pv || !(await client.get(PVS, undefined, pv))) return undefined;
    const root = nodes.find((n) => n.name === node)?.rootDir ?? '';
    const dir = join(
      root,
      'var/lib/kubelet/pods',
      p.metadata?.uid ?? '',
      'volumes/kubernetes.io~csi',
      pv,
      'mount',
    );
    return existsSync(dir) ? { dir, node, pod: p, pv } : undefined;
  });
}

/** Writes files (and `link -> target` symlinks given as `{ symlink }`) under `dir`. */
export function writeFiles(
  dir: string,
  files: Record<string, string | Buffer | { symlink: string } | { mode: number; data: string }>,
): void {
  for (const [name, content] of Object.entries(files)) {
    const path = join(dir, name);
    mkdirSync(dirname(path), { recursive: true });
    if (typeof content === 'string' || Buffer.isBuffer(content)) writeFileSync(path, content);
    else if ('symlink' in content) symlinkSync(content.symlink, path);
    else writeFileSync(path, content.data, { mode: content.mode });
  }
}

/**
 * Writes `count` files (`part-<i>`) of `size` incompressible bytes under `dir`, none sharing a chunk with
 * another, from one random block (generating fresh random bytes for each would cost more than the test).
 * Returns the bytes written.
 */
export function writeIncompressible(dir: string, count: number, size: number): number {
  mkdirSync(dir, { recursive: true });
  const block = randomFillSync(Buffer.alloc(size));
  for (let i = 0; i < count; i++) {
    for (let off = 0; off + 4 <= size; off += 65536) block.writeUInt32LE((i * 1_000_003 + off) >>> 0, off);
    writeFileSync(join(dir, `part-${i}`), block);
  }
  return count * size;
}

/** How a test reads the repositories the agents write (the server's view: locations, password Secret). */
export function repositoryAccess(env: ControllerTestEnv): RepositoryAccess {
  return { client: env.client, namespace: env.namespace, stores: env.ctx.locations, logger: env.ctx.logger };
}

/**
 * A snapshot of `count` incompressible files (`part-<i>`) of `size` bytes, and the `extra` files, in the
 * repository of `volumeNamespace` at location `default`, written by the engine directly: what a restore test
 * needs to restore. The source directory lies under the env's root (removed with it); `total` counts all bytes.
 */
export async function incompressibleSnapshot(
  env: ControllerTestEnv,
  volumeNamespace: string,
  count: number,
  size: number,
  extra: Record<string, Buffer> = {},
): Promise<{ snapshotId: string; source: string; total: number }> {
  const source = join(env.root, 'sources', volumeNamespace);
  writeFiles(source, extra);
  const total =
    writeIncompressible(source, count, size) + Object.values(extra).reduce((n, b) => n + b.length, 0);
  await ensureRepository(env.client, { namespace: env.namespace, location: 'default', volumeNamespace });
  const repo = await openRepositoryFor(repositoryAccess(env), 'default', volumeNamespace);
  const { snapshotId } = await backup(repo, { paths: ['.'], cwd: source, tags: [`ns=${volumeNamespace}`] });
  return { snapshotId, source, total };
}

export type TransferStatus = {
  phase?: string;
  message?: string;
  snapshotID?: string;
  progress?: TransferProgress;
};

/**
 * Waits until request `name` reports bytes moved, sets its `spec.cancel`, and waits until it ends (whatever
 * the phase): its final status and how long after the cancel it ended.
 */
export async function cancelOnceTransferring(
  client: DynamicClient,
  resource: ApiResourceInfo,
  namespace: string,
  name: string,
): Promise<{ progressed: TransferStatus; ended: TransferStatus; tookMs: number }> {
  const statusOf = async () =>
    ((await client.get(resource, namespace, name))?.status ?? {}) as TransferStatus;
  const progressed = await eventually(
    `${resource.kind} ${name} to move bytes`,
    async () => {
      const s = await statusOf();
      return s.progress?.bytesDone ? s : undefined;
    },
    60_000,
    10,
  );
  const cancelledAt = Date.now();
  await client.patch(resource, namespace, name, 'merge', { spec: { cancel: true } });
  const ended = await eventually(
    `${resource.kind} ${name} to end`,
    async () => {
      const s = await statusOf();
      return ['Completed', 'Failed', 'Canceled'].includes(s.phase ?? '') ? s : undefined;
    },
    30_000,
    10,
  );
  return { progressed, ended, tookMs: Date.now() - cancelledAt };
}

/** Kept here for callers that imported it from this file; it lives with the other server-side test support. */
export { driveRepositories } from '../../test/support/node-agents.ts';
