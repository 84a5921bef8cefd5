import { randomFillSync } from 'node:crypto';
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { DynamicClient, KubeObject } from '../kube/types.ts';
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

/** The host directory of the pod's `data` volume (its CSI `mount`), once the claim is bound and the pod placed. */
export async function dataDir(
  client: DynamicClient,
  nodes: { name: string; rootDir: string }[],
  namespace: string,
  pod: string,
): Promise<{ dir: string; node: string; pod: KubeObject }> {
  return eventually(`pod ${pod} placed with a bound claim`, async () => {
    const p = await client.get(PODS, namespace, pod);
    const node = (p?.spec as { nodeName?: string } | undefined)?.nodeName;
    const pvc = await client.get(PVCS, namespace, `${pod}-data`);
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
    return existsSync(dir) ? { dir, node, pod: p } : undefined;
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

/** Kept here for callers that imported it from this file; it lives with the other server-side test support. */
export { driveRepositories } from '../../test/support/node-agents.ts';
