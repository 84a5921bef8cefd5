import { gunzipSync } from 'node:zlib';
import { pino } from 'pino';
import { extract } from 'tar-stream';
import type { Backup } from '../api/resources/backup.ts';
import { systemClock } from '../core/clock.ts';
import { buildCatalog, type DiscoveredResource } from '../kube/catalog.ts';
import { connect } from '../kube/client.ts';
import { discoverResources } from '../kube/discovery.ts';
import { createDynamicClient } from '../kube/dynamic-client.ts';
import type { DynamicClient, KubeObject, ResourceCatalog } from '../kube/types.ts';
import { type Kubesim, startKubesim } from '../kubesim/index.ts';
import type { ObjectStore } from '../storage/object-store.ts';
import type { BackupDeps } from './types.ts';

/** Test helpers: a kubesim with a connected client, objects to seed, the tarball read back. Tests only. */

export interface TestCluster {
  sim: Kubesim;
  client: DynamicClient;
  catalog: ResourceCatalog;
  /** Discovers again (after a CRD was added). */
  rediscover(): Promise<ResourceCatalog>;
  /** Creates an object by its apiVersion/kind (the resource resolved through discovery). */
  create(object: KubeObject): Promise<KubeObject>;
  stop(): Promise<void>;
}

export async function startTestCluster(): Promise<TestCluster> {
  const sim = await startKubesim({ cluster: false });
  const conn = connect(sim.kubeconfigPath);
  // Quick retries, so tests of failing lists do not wait through the production backoff.
  const client = createDynamicClient(conn, {
    retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 5, maxRetryAfterMs: 50 },
  });
  const cluster: TestCluster = {
    sim,
    client,
    catalog: await discoverResources(conn),
    async rediscover() {
      cluster.catalog = await discoverResources(conn);
      return cluster.catalog;
    },
    async create(object) {
      const group = object.apiVersion?.includes('/') ? object.apiVersion.split('/')[0] : '';
      const resource = cluster.catalog.forKind(group, object.kind ?? '');
      if (!resource) throw new Error(`no resource for ${object.apiVersion} ${object.kind}`);
      return client.create(resource, object);
    },
    stop: () => sim.stop(),
  };
  return cluster;
}

export function namespace(name: string, labels?: Record<string, string>): KubeObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, ...(labels ? { labels } : {}) } };
}

export function configMap(
  ns: string,
  name: string,
  labels?: Record<string, string>,
  data: Record<string, string> = { k: 'v' },
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: ns, ...(labels ? { labels } : {}) },
    data,
  };
}

export function secret(ns: string, name: string, value: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: ns },
    type: 'Opaque',
    data: { password: Buffer.from(value).toString('base64') },
  };
}

export function backup(name: string, spec: Backup['spec'] = {}): Backup {
  return {
    apiVersion: 'lifeboat.io/v1',
    kind: 'Backup',
    metadata: { name, namespace: 'lifeboat', uid: `uid-${name}` },
    spec,
  };
}

export function deps(cluster: TestCluster, store: ObjectStore, extra: Partial<BackupDeps> = {}): BackupDeps {
  return {
    catalog: cluster.catalog,
    client: cluster.client,
    store,
    logger: pino({ level: 'silent' }),
    clock: systemClock,
    ...extra,
  };
}

/** The tarball's entries in archive order, with their bodies and modes. */
export async function readTarball(
  gz: Buffer,
): Promise<{ name: string; body: Buffer; mode: number; type: string }[]> {
  const entries: { name: string; body: Buffer; mode: number; type: string }[] = [];
  const ex = extract();
  const done = new Promise<void>((resolve, reject) => {
    ex.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: unknown) => chunks.push(c as Buffer));
      stream.on('end', () => {
        entries.push({
          name: header.name,
          body: Buffer.concat(chunks),
          mode: header.mode ?? 0,
          type: header.type ?? '',
        });
        next();
      });
      stream.on('error', reject);
    });
    ex.on('finish', resolve);
    ex.on('error', reject);
  });
  ex.end(gunzipSync(gz));
  await done;
  return entries;
}

export function gunzipJson(body: Buffer): unknown {
  return JSON.parse(gunzipSync(body).toString('utf8'));
}

const VERBS = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];

function resource(
  plural: string,
  kind: string,
  namespaced: boolean,
  shortNames: string[] = [],
): DiscoveredResource {
  return {
    resource: plural,
    singular: kind.toLowerCase(),
    kind,
    namespaced,
    shortNames,
    verbs: VERBS,
    categories: [],
    subresources: [],
  };
}

/** A catalog like a small cluster's, built by the real catalog code from discovery-shaped data. */
export function testCatalog(): ResourceCatalog {
  return buildCatalog([
    {
      name: '',
      versions: [
        {
          version: 'v1',
          resources: [
            resource('configmaps', 'ConfigMap', true, ['cm']),
            resource('namespaces', 'Namespace', false, ['ns']),
            resource('persistentvolumeclaims', 'PersistentVolumeClaim', true, ['pvc']),
            resource('persistentvolumes', 'PersistentVolume', false, ['pv']),
            resource('pods', 'Pod', true, ['po']),
            resource('secrets', 'Secret', true),
          ],
        },
      ],
    },
    {
      name: 'apps',
      versions: [{ version: 'v1', resources: [resource('deployments', 'Deployment', true, ['deploy'])] }],
    },
    {
      name: 'rbac.authorization.k8s.io',
      versions: [{ version: 'v1', resources: [resource('clusterroles', 'ClusterRole', false)] }],
    },
    {
      name: 'storage.k8s.io',
      versions: [{ version: 'v1', resources: [resource('storageclasses', 'StorageClass', false, ['sc'])] }],
    },
    {
      name: 'snapshot.storage.k8s.io',
      versions: [{ version: 'v1', resources: [resource('volumesnapshots', 'VolumeSnapshot', true, ['vs'])] }],
    },
    {
      name: 'example.com',
      versions: [
        { version: 'v2', resources: [resource('gadgets', 'Gadget', true)] },
        { version: 'v1', resources: [resource('gadgets', 'Gadget', true)] },
      ],
    },
  ]);
}

/** A Secret value the sample holds; it must never appear in a log. */
export const SECRET_VALUE = 'hunter2-do-not-log';

/**
 * The sample cluster: namespaces shop, blog and skipme (labelled for exclusion); ConfigMaps (one labelled
 * for exclusion), a Secret, a pod mounting a bound PVC and its PV, a CRD with one custom resource, a
 * StorageClass and a ClusterRole.
 */
export async function seedSample(cluster: TestCluster): Promise<void> {
  for (const ns of ['shop', 'blog', 'skipme'])
    await cluster.create(
      namespace(ns, ns === 'skipme' ? { 'lifeboat.io/exclude-from-backup': 'true' } : { team: ns }),
    );
  await cluster.create(configMap('shop', 'prices', { app: 'shop' }));
  await cluster.create(configMap('shop', 'hidden', { 'lifeboat.io/exclude-from-backup': 'true' }));
  await cluster.create(configMap('blog', 'theme', { app: 'blog' }));
  await cluster.create(configMap('skipme', 'gone'));
  await cluster.create(secret('shop', 'db', SECRET_VALUE));
  await cluster.create({
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name: 'pv-data', labels: { tier: 'disk' } },
    spec: {
      capacity: { storage: '1Gi' },
      accessModes: ['ReadWriteOnce'],
      persistentVolumeReclaimPolicy: 'Retain',
      hostPath: { path: '/tmp/pv-data' },
      claimRef: { namespace: 'shop', name: 'data' },
    },
  });
  const pvc = await cluster.create({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: 'data', namespace: 'shop' },
    spec: {
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: '1Gi' } },
      volumeName: 'pv-data',
      storageClassName: '',
    },
  });
  const pvcs = cluster.catalog.resolve('persistentvolumeclaims')!;
  await cluster.client.updateStatus(pvcs, { ...pvc, status: { phase: 'Bound' } });
  await cluster.create({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'shop', labels: { app: 'shop' } },
    spec: {
      containers: [{ name: 'web', image: 'nginx' }],
      volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }],
    },
  });
  await cluster.create({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'gadgets.example.com' },
    spec: {
      group: 'example.com',
      scope: 'Namespaced',
      names: { plural: 'gadgets', singular: 'gadget', kind: 'Gadget' },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
        },
      ],
    },
  });
  await cluster.rediscover();
  await cluster.create({
    apiVersion: 'example.com/v1',
    kind: 'Gadget',
    metadata: { name: 'g1', namespace: 'blog' },
    spec: { size: 1 },
  });
  await cluster.create({
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name: 'fast' },
    provisioner: 'example.com/fast',
  });
  await cluster.create({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: 'reader' },
    rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }],
  });
}
