/**
 * File-system backup and restore of volume data, end to end on kubesim's simulated cluster: a StatefulSet
 * whose claims hold files (a large sparse file, symlinks, modes) backed up by the pod annotation, a pod backed
 * up through `defaultVolumesToFsBackup`, a claim a resource policy skips; the node agents (one per node) write
 * the namespace repositories; namespaces deleted, restored (pods wait in restore-wait until their volumes are
 * filled), every file compared; the stock `restic` binary checks each repository with --read-data.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  existsSync,
  ftruncateSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  symlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { pino } from 'pino';
import { createPodWithClaim } from '../../src/agent/testing.ts';
import { lifeboatResource } from '../../src/kube/lifeboat-client.ts';
import type { ApiResourceInfo, KubeObject, ResourceCatalog } from '../../src/kube/types.ts';
import { restic } from '../../src/repository/maintenance/testing.ts';
import { type RunningServer, startServer } from '../../src/server/index.ts';
import { backupKeys } from '../../src/storage/layout.ts';
import {
  REPOSITORY_PASSWORD_KEY,
  REPOSITORY_PASSWORD_SECRET,
  SECRETS_RESOURCE,
} from '../../src/volumes/repositories/index.ts';
import type { VolumeInfo } from '../../src/volumes/volume-info.ts';
import {
  fsStorage,
  type LifeboatEnv,
  SERVER_NAMESPACE,
  silentServerConfig,
  startLifeboatEnv,
} from '../support/lifeboat-env.ts';
import { type NodeAgents, startNodeAgents } from '../support/node-agents.ts';

const storage = fsStorage();
let env: LifeboatEnv;
let server: RunningServer;
let agents: NodeAgents;

const MiB = 1024 * 1024;

before(async () => {
  env = await startLifeboatEnv({ storage, cluster: true, server: false });
  catalog = await env.catalog();
  // The server's own wiring: its default engines carry the volume services, hooks and node agents.
  server = await startServer(silentServerConfig(env.kubeconfigPath), {
    logger: pino({ level: 'silent' }),
  });
  agents = await startNodeAgents(env.kubesim, {
    kubeconfig: env.kubeconfigPath,
    namespace: SERVER_NAMESPACE,
  });
});

after(async () => {
  await agents?.stop();
  await server?.stop();
  await env?.stop();
  storage.cleanup();
});

let catalog: ResourceCatalog;
const resource = (name: string): ApiResourceInfo => {
  const found = catalog.resolve(name);
  if (!found) throw new Error(`the cluster does not serve ${name}`);
  return found;
};

async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The host directory of a pod's claim volume, once the pod runs on a node with the claim bound. */
async function volumeDir(namespace: string, pod: string, claim: string, phase = 'Running'): Promise<string> {
  return eventually(`pod ${namespace}/${pod} ${phase} with its volume`, async () => {
    const p = await env.client.get(resource('pods'), namespace, pod);
    const node = (p?.spec as { nodeName?: string } | undefined)?.nodeName;
    const status = (p?.status as { phase?: string } | undefined)?.phase;
    const pvc = await env.client.get(resource('persistentvolumeclaims'), namespace, claim);
    const pv = (pvc?.spec as { volumeName?: string } | undefined)?.volumeName;
    if (!p || !node || !pv || status !== phase) return undefined;
    const root = env.kubesim.nodes.find((n) => n.name === node)?.rootDir ?? '';
    const dir = join(
      root,
      'var/lib/kubelet/pods',
      p.metadata?.uid ?? '',
      'volumes/kubernetes.io~csi',
      pv,
      'mount',
    );
    return existsSync(dir) ? dir : undefined;
  });
}

/** Files of every shape the issue names: modes, symlinks, nested directories, a large sparse file. */
function fillVolume(dir: string, seed: string): void {
  writeFileSync(join(dir, 'a.txt'), `hello from ${seed}\n`.repeat(100));
  chmodSync(join(dir, 'a.txt'), 0o640);
  mkdirSync(join(dir, 'bin'), { recursive: true });
  writeFileSync(join(dir, 'bin/run.sh'), '#!/bin/sh\necho run\n');
  chmodSync(join(dir, 'bin/run.sh'), 0o755);
  mkdirSync(join(dir, 'deep/er/still'), { recursive: true });
  writeFileSync(
    join(dir, 'deep/er/still/random.bin'),
    createHash('sha512').update(seed).digest().toString('hex').repeat(3000),
  );
  chmodSync(join(dir, 'deep/er'), 0o700);
  symlinkSync('a.txt', join(dir, 'link-to-a'));
  symlinkSync('/nonexistent/elsewhere', join(dir, 'dangling'));
  const fd = openSync(join(dir, 'sparse.img'), 'w');
  writeSync(fd, Buffer.from(`start ${seed}`), 0, undefined, 0);
  writeSync(fd, Buffer.from(`middle ${seed}`), 0, undefined, 40 * MiB);
  ftruncateSync(fd, 96 * MiB);
  closeSync(fd);
}

/** path → type, permission bits, and content digest or link target; restore markers left out. */
function describeTree(dir: string, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const name of readdirSync(dir).sort()) {
    if (name === '.lifeboat') continue;
    const path = join(dir, name);
    const rel = prefix ? `${prefix}/${name}` : name;
    const st = lstatSync(path);
    const mode = (st.mode & 0o7777).toString(8);
    if (st.isSymbolicLink()) out.set(rel, `link ${readlinkSync(path)}`);
    else if (st.isDirectory()) {
      out.set(rel, `dir ${mode}`);
      for (const [k, v] of describeTree(path, rel)) out.set(k, v);
    } else
      out.set(
        rel,
        `file ${mode} ${st.size} ${createHash('sha256').update(readFileSync(path)).digest('hex')}`,
      );
  }
  return out;
}

async function waitPhase(kind: 'Backup' | 'Restore', name: string): Promise<Record<string, unknown>> {
  return eventually(
    `${kind} ${name} to finish`,
    async () => {
      const o = await env.client.get(lifeboatResource(kind), SERVER_NAMESPACE, name);
      const status = (o?.status ?? {}) as { phase?: string };
      return ['Completed', 'PartiallyFailed', 'Failed', 'FailedValidation'].includes(status.phase ?? '')
        ? (status as Record<string, unknown>)
        : undefined;
    },
    180_000,
  );
}

async function gunzipFromStore(key: string): Promise<unknown> {
  const store = await env.store();
  const chunks: Buffer[] = [];
  for await (const chunk of await store.get(key)) chunks.push(Buffer.from(chunk as Uint8Array));
  return JSON.parse(gunzipSync(Buffer.concat(chunks)).toString('utf8'));
}

async function deleteNamespace(name: string): Promise<void> {
  await env.client.delete(resource('namespaces'), undefined, name);
  await eventually(
    `namespace ${name} gone`,
    async () => ((await env.client.get(resource('namespaces'), undefined, name)) ? undefined : true),
    120_000,
  );
}

test('file-system backup by annotation and by default, namespaces deleted and restored, every file back; restic accepts the repositories', async () => {
  const { client } = env;
  for (const ns of ['shop', 'blog'])
    await client.create(resource('namespaces'), {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: ns },
    });
  await client.create(resource('statefulsets'), {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'db', namespace: 'shop' },
    spec: {
      replicas: 2,
      serviceName: 'db',
      selector: { matchLabels: { app: 'db' } },
      template: {
        metadata: { labels: { app: 'db' }, annotations: { 'backup.lifeboat.io/backup-volumes': 'data' } },
        spec: {
          containers: [
            {
              name: 'db',
              image: 'busybox',
              command: ['sleep', '3600'],
              volumeMounts: [{ name: 'data', mountPath: '/data' }],
            },
          ],
        },
      },
      volumeClaimTemplates: [
        {
          metadata: { name: 'data' },
          spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
        },
      ],
    },
  });
  // A cache the resource policy skips, although the pod opts its volume in.
  await createPodWithClaim(client, 'shop', 'cache');
  await client.patch(resource('persistentvolumeclaims'), 'shop', 'cache-data', 'merge', {
    metadata: { labels: { tier: 'cache' } },
  });
  await client.patch(resource('pods'), 'shop', 'cache', 'merge', {
    metadata: { annotations: { 'backup.lifeboat.io/backup-volumes': 'data' } },
  });
  await createPodWithClaim(client, 'blog', 'writer');
  await client.create(resource('configmaps'), {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'volume-policy', namespace: SERVER_NAMESPACE },
    data: {
      'policy.yaml':
        'version: v1\nvolumePolicies:\n- conditions:\n    pvcLabels: {tier: cache}\n  action: {type: skip}\n',
    },
  });

  const sources = new Map<string, Map<string, string>>();
  for (const [ns, pod, claim] of [
    ['shop', 'db-0', 'data-db-0'],
    ['shop', 'db-1', 'data-db-1'],
    ['blog', 'writer', 'writer-data'],
  ] as const) {
    const dir = await volumeDir(ns, pod, claim);
    fillVolume(dir, `${ns}/${pod}`);
    sources.set(`${ns}/${pod}`, describeTree(dir));
  }
  writeFileSync(join(await volumeDir('shop', 'cache', 'cache-data'), 'cached.txt'), 'not worth keeping');

  const backups = lifeboatResource('Backup');
  await client.create(backups, {
    apiVersion: 'lifeboat.io/v1',
    kind: 'Backup',
    metadata: { name: 'shop-annotated', namespace: SERVER_NAMESPACE },
    spec: {
      includedNamespaces: ['shop'],
      snapshotVolumes: false,
      resourcePolicy: { kind: 'configmap', name: 'volume-policy' },
    },
  });
  await client.create(backups, {
    apiVersion: 'lifeboat.io/v1',
    kind: 'Backup',
    metadata: { name: 'blog-default', namespace: SERVER_NAMESPACE },
    spec: { includedNamespaces: ['blog'], defaultVolumesToFsBackup: true },
  });
  const shopStatus = await waitPhase('Backup', 'shop-annotated');
  const blogStatus = await waitPhase('Backup', 'blog-default');
  assert.equal(shopStatus.phase, 'Completed', JSON.stringify(shopStatus));
  assert.equal(blogStatus.phase, 'Completed', JSON.stringify(blogStatus));

  const shopInfo = (await gunzipFromStore(backupKeys('shop-annotated').volumeInfo)) as VolumeInfo[];
  const byClaim = new Map(shopInfo.map((i) => [i.pvcName, i] as const));
  for (const claim of ['data-db-0', 'data-db-1']) {
    const info = byClaim.get(claim);
    assert.equal(info?.backupMethod, 'PodVolumeBackup', claim);
    assert.equal(info?.result, 'succeeded');
    assert.match(info?.pvbInfo?.snapshotHandle ?? '', /^[0-9a-f]{64}$/);
  }
  assert.equal(byClaim.get('cache-data')?.skipped, true);
  assert.equal(byClaim.get('cache-data')?.skippedReason, 'resource policy #1 says skip');
  const pvbs = (await gunzipFromStore(backupKeys('shop-annotated').podVolumeBackups)) as KubeObject[];
  assert.equal(pvbs.length, 2);
  const blogInfo = (await gunzipFromStore(backupKeys('blog-default').volumeInfo)) as VolumeInfo[];
  assert.equal(blogInfo.find((i) => i.pvcName === 'writer-data')?.backupMethod, 'PodVolumeBackup');

  // restic reads what the agents wrote, every byte.
  const secret = await client.get(SECRETS_RESOURCE, SERVER_NAMESPACE, REPOSITORY_PASSWORD_SECRET);
  const passwordFile = join(storage.root, 'password');
  writeFileSync(
    passwordFile,
    Buffer.from(((secret?.data ?? {}) as Record<string, string>)[REPOSITORY_PASSWORD_KEY] ?? '', 'base64'),
  );
  for (const ns of ['shop', 'blog']) {
    const out = await restic(join(storage.root, storage.bucket, 'restic', ns), passwordFile, [
      'check',
      '--read-data',
    ]);
    assert.match(out, /no errors were found/);
  }

  await client.delete(resource('statefulsets'), 'shop', 'db').catch(() => undefined);
  await deleteNamespace('shop');
  await deleteNamespace('blog');

  const restores = lifeboatResource('Restore');
  for (const backupName of ['shop-annotated', 'blog-default'])
    await client.create(restores, {
      apiVersion: 'lifeboat.io/v1',
      kind: 'Restore',
      metadata: { name: `from-${backupName}`, namespace: SERVER_NAMESPACE },
      spec: { backupName },
    });
  for (const backupName of ['shop-annotated', 'blog-default']) {
    const status = await waitPhase('Restore', `from-${backupName}`);
    assert.equal(status.phase, 'Completed', JSON.stringify(status));
  }

  for (const [ns, pod, claim] of [
    ['shop', 'db-0', 'data-db-0'],
    ['shop', 'db-1', 'data-db-1'],
    ['blog', 'writer', 'writer-data'],
  ] as const) {
    const restored = describeTree(await volumeDir(ns, pod, claim));
    assert.deepEqual([...restored], [...(sources.get(`${ns}/${pod}`) ?? [])], `${ns}/${pod}`);
    const created = await client.get(resource('pods'), ns, pod);
    const init = (created?.spec as { initContainers?: { name: string }[] } | undefined)?.initContainers ?? [];
    assert.equal(init[0]?.name, 'restore-wait', `${ns}/${pod} waited for its volumes`);
  }
  // The skipped cache comes back empty.
  const cacheDir = await volumeDir('shop', 'cache', 'cache-data');
  assert.equal(existsSync(join(cacheDir, 'cached.txt')), false);

  // Deleting a backup forgets its file-system snapshots in the repository (prune reclaims the space later).
  const blogRepo = join(storage.root, storage.bucket, 'restic', 'blog');
  const snapshotsOf = async (): Promise<unknown[]> =>
    JSON.parse(await restic(blogRepo, passwordFile, ['snapshots', '--json'])) as unknown[];
  assert.equal((await snapshotsOf()).length, 1);
  await client.create(lifeboatResource('DeleteBackupRequest'), {
    apiVersion: 'lifeboat.io/v1',
    kind: 'DeleteBackupRequest',
    metadata: { name: 'delete-blog-default', namespace: SERVER_NAMESPACE },
    spec: { backupName: 'blog-default' },
  });
  await eventually(
    'backup blog-default to be deleted',
    async () =>
      (await client.get(lifeboatResource('Backup'), SERVER_NAMESPACE, 'blog-default')) ? undefined : true,
    60_000,
  );
  assert.deepEqual(await snapshotsOf(), []);
});
