import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse, stringify } from 'yaml';
import { Kubectl } from '../../test/support/kubectl.ts';
import { type Kubesim, startKubesim } from '../kubesim/index.ts';
import type { KubeObject } from '../kubesim/registry/types.ts';
import { validateCustomResource } from '../kubesim/schema/custom-resource.ts';
import {
  CRD_DIRECTORY,
  crdManifests,
  fromVeleroApiVersion,
  RESOURCE_KINDS,
  type ResourceKind,
  validateResource,
} from './index.ts';
import { lifeboatSchedule, veleroManifests } from './testdata/velero-manifests.ts';

// biome-ignore lint/suspicious/noExplicitAny: mutations reach deep into example manifests
type Json = any;

const root = new URL('../../', import.meta.url).pathname;

const examples: Record<ResourceKind, Record<string, unknown>> = Object.fromEntries(
  RESOURCE_KINDS.map((kind) => [
    kind,
    fromVeleroApiVersion(parse(veleroManifests[kind]) as Record<string, unknown>),
  ]),
) as Record<ResourceKind, Record<string, unknown>>;

const schemas = new Map(
  crdManifests().map((crd) => [crd.spec.names.kind, crd.spec.versions[0].schema.openAPIV3Schema]),
);

/** What the API server says about a custom resource: kubesim's pruning, defaulting and schema validation. */
function apiServerCheck(kind: ResourceKind, object: unknown) {
  return validateCustomResource(structuredClone(object) as KubeObject, schemas.get(kind), {
    fieldValidation: 'Strict',
  });
}

describe('the API server’s view of Lifeboat resources (kubesim’s CRD validation)', () => {
  test('every ported Velero example is valid against its CRD, with nothing pruned', () => {
    for (const kind of RESOURCE_KINDS) {
      const check = apiServerCheck(kind, examples[kind]);
      assert.deepEqual(check.causes, [], kind);
      assert.deepEqual(check.unknownFields, [], kind);
    }
    assert.deepEqual(apiServerCheck('Schedule', parse(lifeboatSchedule)).causes, []);
  });

  // Each mutation breaks one field; the API server and validateResource must both reject it, on that field.
  const mutations: [ResourceKind, string, (o: Json) => void][] = [
    ['Backup', 'spec.ttl', (o) => (o.spec.ttl = '30d')],
    ['Backup', 'spec.csiSnapshotTimeout', (o) => (o.spec.csiSnapshotTimeout = '-1m')],
    ['Backup', 'spec.includedNamespaces[0]', (o) => (o.spec.includedNamespaces = [3])],
    [
      'Backup',
      'spec.labelSelector.matchExpressions[0].operator',
      (o) => (o.spec.labelSelector = { matchExpressions: [{ key: 'a', operator: 'Equals' }] }),
    ],
    [
      'Backup',
      'spec.hooks.resources[0].pre[0].exec.command',
      (o) => (o.spec.hooks.resources[0].pre[0].exec.command = []),
    ],
    [
      'Backup',
      'spec.hooks.resources[0].pre[0].exec.onError',
      (o) => (o.spec.hooks.resources[0].pre[0].exec.onError = 'Ignore'),
    ],
    [
      'Backup',
      'spec.uploaderConfig.parallelFilesUpload',
      (o) => (o.spec.uploaderConfig.parallelFilesUpload = 1.5),
    ],
    ['Backup', 'status.phase', (o) => (o.status.phase = 'Done')],
    ['Backup', 'status.expiration', (o) => (o.status.expiration = 'tomorrow')],
    ['Restore', 'spec.existingResourcePolicy', (o) => (o.spec.existingResourcePolicy = 'overwrite')],
    [
      'Restore',
      'spec.hooks.resources[0].postHooks[0].init.initContainers[0].image',
      (o) => delete o.spec.hooks.resources[0].postHooks[0].init.initContainers[0].image,
    ],
    [
      'Restore',
      'spec.namespaceMapping.namespace-backup-from',
      (o) => (o.spec.namespaceMapping['namespace-backup-from'] = 1),
    ],
    ['Schedule', 'spec.schedule', (o) => (o.spec.schedule = '')],
    ['Schedule', 'spec.template.ttl', (o) => (o.spec.template.ttl = '1 day')],
    ['BackupStorageLocation', 'spec.accessMode', (o) => (o.spec.accessMode = 'WriteOnly')],
    ['BackupStorageLocation', 'spec.objectStorage.bucket', (o) => delete o.spec.objectStorage.bucket],
    ['BackupStorageLocation', 'spec.credential.key', (o) => delete o.spec.credential.key],
    ['VolumeSnapshotLocation', 'spec.provider', (o) => delete o.spec.provider],
    ['DeleteBackupRequest', 'status.phase', (o) => (o.status.phase = 'Done')],
    ['DownloadRequest', 'spec.target.kind', (o) => (o.spec.target.kind = 'BackupTarball')],
    ['ServerStatusRequest', 'status.plugins[0].kind', (o) => delete o.status.plugins[0].kind],
    ['PodVolumeBackup', 'spec.uploaderType', (o) => (o.spec.uploaderType = 'rsync')],
    ['PodVolumeBackup', 'status.progress.bytesDone', (o) => (o.status.progress.bytesDone = -5)],
    ['PodVolumeRestore', 'spec.snapshotID', (o) => delete o.spec.snapshotID],
    ['BackupRepository', 'spec.maintenanceFrequency', (o) => (o.spec.maintenanceFrequency = 'hourly')],
    [
      'BackupRepository',
      'status.recentMaintenance[0].result',
      (o) => (o.status.recentMaintenance[0].result = 'OK'),
    ],
    ['DataUpload', 'spec.snapshotType', (o) => (o.spec.snapshotType = 'Native')],
    ['DataUpload', 'status.nodeOS', (o) => (o.status.nodeOS = 'darwin')],
    ['DataDownload', 'spec.targetVolume.pvc', (o) => delete o.spec.targetVolume.pvc],
  ];

  for (const [kind, field, mutate] of mutations) {
    test(`${kind} ${field}: rejected by the API server and by validateResource, on that field`, () => {
      const object = structuredClone(examples[kind]) as Json;
      mutate(object);
      const server = apiServerCheck(kind, object).causes.map((c) => c.field);
      assert.ok(server.includes(field), `API server causes: ${JSON.stringify(server)}`);
      const result = validateResource(kind, object);
      assert.ok(!result.ok, 'validateResource accepted it');
      assert.ok(
        result.issues.some((i) => dotted(i.field) === field),
        `validateResource issues: ${JSON.stringify(result.issues)}`,
      );
    });
  }

  test('unknown fields are pruned by the API server and named by validateResource', () => {
    const object = structuredClone(examples.Backup) as Json;
    object.spec.includeNamespaces = ['a'];
    assert.deepEqual(apiServerCheck('Backup', object).unknownFields, ['spec.includeNamespaces']);
    const result = validateResource('Backup', object);
    assert.ok(!result.ok);
    assert.deepEqual(
      result.issues.map((i) => i.field),
      ['spec.includeNamespaces'],
    );
  });

  test('what validateResource returns is what the API server stores (defaults and null pruning agree)', () => {
    const object = {
      apiVersion: 'lifeboat.io/v1',
      kind: 'BackupStorageLocation',
      metadata: { name: 'default', namespace: 'lifeboat' },
      spec: {
        provider: 'aws',
        objectStorage: { bucket: 'b', prefix: null },
        credential: { key: 'cloud' },
        backupSyncPeriod: null,
      },
    };
    const server = apiServerCheck('BackupStorageLocation', object);
    assert.deepEqual(server.causes, []);
    const result = validateResource('BackupStorageLocation', object);
    assert.ok(result.ok);
    assert.deepEqual(result.value, server.object);
  });
});

describe('kubectl 1.32 against kubesim with the committed CRDs', () => {
  let sim: Kubesim;
  let kubectl: Kubectl;

  before(async () => {
    sim = await startKubesim();
    kubectl = new Kubectl(sim.kubeconfigPath);
    await kubectl.ok(['apply', '-k', join(root, CRD_DIRECTORY)]);
    await kubectl.ok(['wait', '--for=condition=Established', 'crd', '--all', '--timeout=30s']);
    await kubectl.ok(['apply', '-f', '-'], {
      stdin: 'apiVersion: v1\nkind: Namespace\nmetadata: {name: lifeboat}\n',
    });
  });
  after(async () => {
    await sim?.stop();
  });

  test('the CRDs are established and every kind is served, with short names and the lifeboat category', async () => {
    const resources = await kubectl.ok(['api-resources', '--api-group=lifeboat.io', '-o', 'name']);
    assert.deepEqual(
      resources.trim().split('\n').sort(),
      crdManifests()
        .map((c) => c.metadata.name)
        .sort(),
    );
    const wide = await kubectl.ok(['api-resources', '--api-group=lifeboat.io']);
    assert.match(wide, /^backupstoragelocations\s+bsl\s+lifeboat\.io\/v1\s+true\s+BackupStorageLocation$/m);
  });

  test('every ported Velero example passes a server-side dry run', async () => {
    const documents = [...RESOURCE_KINDS.map((kind) => examples[kind]), parse(lifeboatSchedule)]
      .map((o) => stringify(withoutGenerateName(o)))
      .join('---\n');
    const out = await kubectl.ok(['apply', '--dry-run=server', '-f', '-'], { stdin: documents });
    assert.equal(out.match(/created \(server dry run\)/g)?.length, RESOURCE_KINDS.length + 1, out);
  });

  test('kubectl get prints the Backup columns, with status written through the status subresource', async () => {
    await kubectl.ok(['apply', '-f', '-'], { stdin: stringify(examples.Backup) });
    const status = {
      status: {
        phase: 'Completed',
        errors: 0,
        warnings: 2,
        startTimestamp: '2024-05-01T12:00:00Z',
        expiration: '2024-05-31T12:00:00Z',
      },
    };
    await kubectl.ok([
      'patch',
      'backup',
      'nightly-mysql',
      '-n',
      'lifeboat',
      '--subresource=status',
      '--type=merge',
      '-p',
      JSON.stringify(status),
    ]);
    const table = await kubectl.ok(['get', 'backups', '-n', 'lifeboat']);
    assert.match(table, /^NAME\s+STATUS\s+ERRORS\s+WARNINGS\s+CREATED\s+EXPIRES\s+STORAGE LOCATION$/m);
    assert.match(table, /^nightly-mysql\s+Completed\s+0\s+2\s+\S+\s+2024-05-31T12:00:00Z\s+aws-primary$/m);
    const all = await kubectl.ok(['get', 'lifeboat', '-n', 'lifeboat']);
    assert.match(all, /^backup\.lifeboat\.io\/nightly-mysql\s+Completed/m);
  });
});

/** The API server writes map keys after a dot (`mapping.ns-a`); Lifeboat brackets the ones that are not identifiers. */
function dotted(field: string): string {
  return field.replace(/\[([^\]]*[^\d\]][^\]]*)\]/g, '.$1');
}

/** `kubectl apply` needs a name; generateName-only examples get one derived from it. */
function withoutGenerateName(object: Record<string, unknown>): Record<string, unknown> {
  const meta = { ...(object.metadata as Record<string, unknown>) };
  if (!meta.name && typeof meta.generateName === 'string') meta.name = `${meta.generateName}example`;
  delete meta.generateName;
  return { ...object, metadata: meta };
}
