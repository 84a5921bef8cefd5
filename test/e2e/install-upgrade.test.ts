/**
 * Install → upgrade with changed values → downgrade → uninstall against kubesim, through the real CLI,
 * asserting the objects present after each step; the dry-run rendering is accepted by
 * `kubectl apply --dry-run=server`.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { stringify } from 'yaml';
import { runCaptured } from '../../src/cli/test-support.ts';
import { listInventory } from '../../src/install/inventory.ts';
import { inventorySelector } from '../../src/install/labels.ts';
import { connect, createDynamicClient, discoverResources } from '../../src/kube/index.ts';
import type { KubeObject } from '../../src/kube/types.ts';
import { type Kubesim, startKubesim } from '../../src/kubesim/index.ts';
import { Kubectl } from '../support/kubectl.ts';

let kubesim: Kubesim;
let dir: string;
let root: string;

before(async () => {
  kubesim = await startKubesim({ cluster: true });
  dir = mkdtempSync(join(tmpdir(), 'lifeboat-install-e2e-'));
  root = join(dir, 'storage');
  mkdirSync(join(root, 'backups', 'backups', 'kept'), { recursive: true });
  writeFileSync(join(root, 'backups', 'backups', 'kept', 'lifeboat-backup.json'), '{}');
});
after(async () => {
  await kubesim.stop();
  rmSync(dir, { recursive: true, force: true });
});

const NS = 'dr';

function valuesFile(name: string, values: Record<string, unknown>): string {
  const path = join(dir, name);
  writeFileSync(
    path,
    stringify({
      namespace: NS,
      backupLocation: { provider: 'fs', bucket: 'backups', config: { root } },
      ...values,
    }),
  );
  return path;
}

async function cli(...args: string[]) {
  const r = await runCaptured(['--kubeconfig', kubesim.kubeconfigPath, ...args]);
  assert.equal(r.code, 0, `lifeboat ${args.join(' ')}\n${r.stdout}\n${r.stderr}`);
  return r;
}

async function inventory(): Promise<string[]> {
  return (await listInventory(connect(kubesim.kubeconfigPath), NS)).map((r) => `${r.kind}/${r.name}`).sort();
}

async function live(
  groupResource: string,
  name: string,
  namespace?: string,
): Promise<KubeObject | undefined> {
  const conn = connect(kubesim.kubeconfigPath);
  const resource = (await discoverResources(conn)).resolve(groupResource);
  assert.ok(resource, groupResource);
  return createDynamicClient(conn).get(resource, namespace, name);
}

type Container = { image: string; args: string[] };
async function serverContainer(): Promise<Container> {
  const d = (await live('deployments.apps', 'lifeboat-server', NS)) as unknown as {
    spec: { template: { spec: { containers: Container[] } } };
  };
  return d.spec.template.spec.containers[0];
}

async function repositoryPassword(): Promise<string> {
  const s = (await live('secrets', 'lifeboat-repo-credentials', NS)) as unknown as {
    data: Record<string, string>;
  };
  return s.data['repository-password'];
}

test('install, upgrade, downgrade and uninstall leave exactly the rendered objects at each step', async () => {
  const v1 = valuesFile('v1.yaml', { version: '0.1.0', snapshotLocation: { provider: 'csi' } });
  const installed = await cli('install', '--values', v1);
  assert.match(installed.stdout, /^Deployment\/lifeboat-server: created$/m);
  const afterInstall = await inventory();
  for (const o of [
    'Deployment/lifeboat-server',
    'ServiceAccount/lifeboat-server',
    'ClusterRole/lifeboat-server-dr',
    'Secret/lifeboat-repo-credentials',
    'VolumeSnapshotLocation/default',
    'BackupStorageLocation/default',
    'Namespace/dr',
    'CustomResourceDefinition/backups.lifeboat.io',
  ])
    assert.ok(afterInstall.includes(o), o);
  assert.ok(!afterInstall.includes('DaemonSet/lifeboat-node-agent'));
  assert.equal((await serverContainer()).image, 'ghcr.io/lifeboat-io/lifeboat:v0.1.0');
  const password = await repositoryPassword();
  assert.ok(Buffer.from(password, 'base64').length >= 32, 'a random password of 32 bytes');

  // The rendering is what a GitOps user applies: the API server accepts all of it.
  const dry = await cli('install', '--values', v1, '--dry-run', '-o', 'yaml');
  const kubectl = new Kubectl(kubesim.kubeconfigPath);
  const applied = await kubectl.ok(
    ['apply', '--dry-run=server', '--server-side', '--field-manager=lifeboat', '-f', '-'],
    {
      stdin: dry.stdout,
    },
  );
  assert.match(applied, /deployment\.apps\/lifeboat-server serverside-applied \(server dry run\)/);
  assert.match(applied, /clusterrole\.rbac\.authorization\.k8s\.io\/lifeboat-server-dr serverside-applied/);

  // Upgrade: a new version and log level (changed), the node agent (added), no snapshot location (removed).
  const v2 = valuesFile('v2.yaml', {
    version: '0.2.0',
    server: { logLevel: 'debug' },
    nodeAgent: { enabled: true },
  });
  const upgraded = await cli('upgrade', '--values', v2);
  assert.match(upgraded.stdout, /^VolumeSnapshotLocation\/default: pruned$/m);
  assert.match(upgraded.stdout, /^DaemonSet\/lifeboat-node-agent: created$/m);
  assert.match(upgraded.stdout, /^Deployment\/lifeboat-server: configured$/m);
  const afterUpgrade = await inventory();
  assert.ok(afterUpgrade.includes('DaemonSet/lifeboat-node-agent'));
  assert.ok(afterUpgrade.includes('ServiceAccount/lifeboat-node-agent'));
  assert.ok(!afterUpgrade.includes('VolumeSnapshotLocation/default'));
  assert.equal(await live('volumesnapshotlocations.lifeboat.io', 'default', NS), undefined);
  const c2 = await serverContainer();
  assert.equal(c2.image, 'ghcr.io/lifeboat-io/lifeboat:v0.2.0');
  assert.ok(c2.args.includes('--log-level=debug'));
  assert.equal(await repositoryPassword(), password, 'an upgrade keeps the repository password');

  // Downgrade: the first values again.
  await cli('upgrade', '--values', v1);
  assert.deepEqual(await inventory(), afterInstall);
  assert.equal((await serverContainer()).image, 'ghcr.io/lifeboat-io/lifeboat:v0.1.0');
  assert.equal(await repositoryPassword(), password);

  // Uninstall: a Lifeboat resource goes first, then everything else; the bucket keeps its data.
  await kubectl.ok(['apply', '-f', '-'], {
    stdin: stringify({
      apiVersion: 'lifeboat.io/v1',
      kind: 'Backup',
      metadata: { name: 'b1', namespace: NS },
      spec: {},
    }),
  });
  const removed = await cli('uninstall', '-n', NS, '--wait', '--timeout', '30');
  // The Backup and the two locations.
  assert.match(removed.stdout, /^Lifeboat resources deleted: 3$/m);
  assert.deepEqual(await inventory(), []);
  assert.equal(await live('namespaces', NS), undefined);
  assert.equal(
    await live('customresourcedefinitions.apiextensions.k8s.io', 'backups.lifeboat.io'),
    undefined,
  );
  assert.ok(existsSync(join(root, 'backups', 'backups', 'kept', 'lifeboat-backup.json')));
  assert.ok(inventorySelector(NS).includes('lifeboat.io/install=dr'));
});
