import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LIFEBOAT_RESOURCES } from '../controllers/resources.ts';
import { connect, createDynamicClient, discoverResources } from '../kube/index.ts';
import { ensureCrds } from '../kube/lifeboat-client.ts';
import type { DynamicClient } from '../kube/types.ts';
import { type Kubesim, startKubesim } from '../kubesim/index.ts';

/** What a whole-server test starts from. */
export interface ServerTestCluster {
  sim: Kubesim;
  client: DynamicClient;
  /** The fs location's root directory (bucket `main` below it). */
  root: string;
  /** Stops kubesim and removes `root`. */
  stop(): Promise<void>;
}

/**
 * A kubesim (no nodes) with Lifeboat's CRDs, the server's namespace `namespace`, namespace `app` holding
 * ConfigMap `settings`, and the fs BackupStorageLocation `default` (bucket `main`) in a fresh directory.
 */
export async function startServerTestCluster(namespace: string, prefix: string): Promise<ServerTestCluster> {
  const sim = await startKubesim({ cluster: false });
  const root = await mkdtemp(join(tmpdir(), prefix));
  const conn = connect(sim.kubeconfigPath);
  const client = createDynamicClient(conn);
  const catalog = await discoverResources(conn);
  await ensureCrds(client);
  for (const name of [namespace, 'app'])
    await client.create(catalog.resolve('namespaces')!, {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name },
    });
  await client.create(catalog.resolve('configmaps')!, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { namespace: 'app', name: 'settings' },
    data: { a: '1' },
  });
  await client.create(LIFEBOAT_RESOURCES.BackupStorageLocation, {
    apiVersion: 'lifeboat.io/v1',
    kind: 'BackupStorageLocation',
    metadata: { name: 'default', namespace },
    spec: { provider: 'fs', objectStorage: { bucket: 'main' }, config: { root } },
  });
  return {
    sim,
    client,
    root,
    async stop() {
      await sim.stop();
      await rm(root, { recursive: true, force: true });
    },
  };
}
