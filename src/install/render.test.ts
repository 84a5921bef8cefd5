import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crdManifests, validateResource } from '../api/index.ts';
import { isLifeboatError } from '../core/errors.ts';
import { LIFEBOAT_VERSION } from '../core/version.ts';
import { parseInstallValues, renderInstall } from './index.ts';
import { INSTALL_LABEL, MANAGED_BY_LABEL, VERSION_ANNOTATION } from './labels.ts';

const fsValues = {
  backupLocation: { provider: 'fs' as const, bucket: 'backups', config: { root: '/srv/lifeboat' } },
};

type Obj = {
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [k: string]: unknown;
};

test('the install set: CRDs first, then namespace, RBAC, Secrets, the server and the default location', () => {
  const objects = renderInstall(
    parseInstallValues({ ...fsValues, namespace: 'dr', credentials: 'key=s3cr3t\n' }),
  ) as Obj[];
  const kinds = objects.map((o) => o.kind);
  const crds = crdManifests().length;
  assert.deepEqual(kinds.slice(0, crds), Array(crds).fill('CustomResourceDefinition'));
  assert.deepEqual(kinds.slice(crds), [
    'Namespace',
    'ServiceAccount',
    'ClusterRole',
    'ClusterRoleBinding',
    'Role',
    'RoleBinding',
    'Secret',
    'Deployment',
    'BackupStorageLocation',
  ]);
  for (const o of objects) {
    assert.equal(o.metadata.labels?.[MANAGED_BY_LABEL], 'lifeboat', `${o.kind} ${o.metadata.name}`);
    assert.equal(o.metadata.labels?.[INSTALL_LABEL], 'dr');
    assert.equal(o.metadata.annotations?.[VERSION_ANNOTATION], LIFEBOAT_VERSION);
  }
  const secret = objects.find((o) => o.kind === 'Secret');
  assert.deepEqual(secret?.data, { cloud: Buffer.from('key=s3cr3t\n').toString('base64') });
  const location = validateResource('BackupStorageLocation', objects.at(-1));
  assert.ok(location.ok);
  assert.deepEqual(location.value.spec, {
    provider: 'fs',
    default: true,
    objectStorage: { bucket: 'backups' },
    config: { root: '/srv/lifeboat' },
    credential: { name: 'cloud-credentials', key: 'cloud' },
  });
  assert.deepEqual(
    renderInstall(parseInstallValues({ ...fsValues, namespace: 'dr', credentials: 'key=s3cr3t\n' })),
    objects,
    'pure',
  );
});

test('the server Deployment runs lifeboat server from the values, non-root with a read-only root', () => {
  const objects = renderInstall(
    parseInstallValues({
      ...fsValues,
      version: '1.2.3',
      server: { logLevel: 'debug', metricsPort: 9090 },
      serverResources: { limits: { memory: '3Gi' } },
    }),
  ) as Obj[];
  const deployment = objects.find((o) => o.kind === 'Deployment') as unknown as {
    spec: { template: { spec: { containers: Record<string, never>[]; volumes: unknown[] } } };
  };
  const [c] = deployment.spec.template.spec.containers as unknown as {
    image: string;
    args: string[];
    resources: unknown;
    securityContext: Record<string, unknown>;
    livenessProbe: { httpGet: { path: string } };
    readinessProbe: { httpGet: { path: string } };
    ports: { containerPort: number }[];
  }[];
  assert.equal(c.image, 'ghcr.io/lifeboat-io/lifeboat:v1.2.3');
  assert.ok(c.args.includes('--log-level=debug') && c.args.includes('--metrics-address=:9090'));
  assert.equal(c.args[0], 'server');
  assert.equal(c.ports[0].containerPort, 9090);
  assert.equal(c.livenessProbe.httpGet.path, '/healthz');
  assert.equal(c.readinessProbe.httpGet.path, '/readyz');
  assert.deepEqual(c.resources, {
    requests: { cpu: '500m', memory: '256Mi' },
    limits: { cpu: '2', memory: '3Gi' },
  });
  assert.equal(c.securityContext.runAsNonRoot, true);
  assert.equal(c.securityContext.readOnlyRootFilesystem, true);
  assert.deepEqual(c.securityContext.capabilities, { drop: ['ALL'] });
  assert.deepEqual(c.securityContext.seccompProfile, { type: 'RuntimeDefault' });
  assert.deepEqual(deployment.spec.template.spec.volumes, [{ name: 'tmp', emptyDir: {} }]);
});

test('the node agent, repository Secret and snapshot location when the values ask for them', () => {
  const objects = renderInstall(
    parseInstallValues({
      ...fsValues,
      nodeAgent: { enabled: true },
      repositoryPassword: 'correct horse battery staple',
      snapshotLocation: { provider: 'csi' },
    }),
  ) as Obj[];
  const ds = objects.find((o) => o.kind === 'DaemonSet') as unknown as {
    spec: {
      template: { spec: { volumes: { hostPath?: { path: string } }[]; containers: { args: string[] }[] } };
    };
  };
  assert.equal(ds.spec.template.spec.volumes[0].hostPath?.path, '/var/lib/kubelet/pods');
  assert.equal(ds.spec.template.spec.containers[0].args[0], 'node-agent');
  assert.equal(objects.filter((o) => o.kind === 'ServiceAccount').length, 2);
  const repo = objects.find((o) => o.metadata.name === 'lifeboat-repo-credentials');
  assert.deepEqual(repo?.data, {
    'repository-password': Buffer.from('correct horse battery staple').toString('base64'),
  });
  assert.ok(validateResource('VolumeSnapshotLocation', objects.at(-1)).ok);
});

test('without credentials no Secret and no credential reference; --crds-only renders only CRDs', () => {
  const objects = renderInstall(parseInstallValues(fsValues));
  assert.equal(objects.filter((o) => o.kind === 'Secret').length, 0);
  const bsl = objects.find((o) => o.kind === 'BackupStorageLocation') as unknown as {
    spec: Record<string, unknown>;
  };
  assert.equal(bsl.spec.credential, undefined);
  const crdsOnly = renderInstall(parseInstallValues({ ...fsValues, crdsOnly: true, credentials: 'x' }));
  assert.ok(crdsOnly.every((o) => o.kind === 'CustomResourceDefinition'));
});

test('bad values are usage errors naming the value', () => {
  const cases: [unknown, RegExp][] = [
    [{ backupLocation: { provider: 'fs', bucket: 'b' } }, /values\.backupLocation\.config\.root/],
    [{ backupLocation: { provider: 'fs', bucket: 'a/b', config: { root: '/x' } } }, /backupLocation\.bucket/],
    [{ backupLocation: { provider: 'gcp', bucket: 'b' } }, /backupLocation\.provider/],
    [
      { backupLocation: { provider: 'aws', bucket: 'b', config: { regoin: 'x' } } },
      /backupLocation\.config\.regoin: is not a config key/,
    ],
    [{ namespace: 'Not_A_Namespace' }, /namespace/],
    [
      { serverResources: { limits: { memory: 'lots' } } },
      /^values\.serverResources\.limits\.memory: must be a Kubernetes quantity/,
    ],
    [{ server: { metricPort: 1 } }, /values\.server\.metricPort: is not a setting/],
    [{ version: 'latest' }, /values\.version: must be a version/],
    [{ repositoryPassword: 'short' }, /values\.repositoryPassword: must be at least 16/],
  ];
  for (const [input, message] of cases) {
    assert.throws(
      () => parseInstallValues(input as never),
      (err) => isLifeboatError(err, 'Usage') && message.test(err.message),
      String(message),
    );
  }
});
