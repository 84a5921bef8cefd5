import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crdManifests, validateResource } from '../api/index.ts';
import { isLifeboatError } from '../core/errors.ts';
import { parseInstallValues, renderInstall } from './index.ts';

const fsValues = {
  backupLocation: { provider: 'fs' as const, bucket: 'backups', config: { root: '/srv/lifeboat' } },
};

test('the install set: CRDs first, then namespace, Secret and the default location', () => {
  const objects = renderInstall(
    parseInstallValues({ ...fsValues, namespace: 'dr', credentials: 'key=s3cr3t\n' }),
  );
  const kinds = objects.map((o) => o.kind);
  const crds = crdManifests().length;
  assert.deepEqual(kinds.slice(0, crds), Array(crds).fill('CustomResourceDefinition'));
  assert.deepEqual(kinds.slice(crds), ['Namespace', 'Secret', 'BackupStorageLocation']);
  const [ns, secret, bsl] = objects.slice(crds) as unknown as Record<string, never>[];
  assert.equal((ns as unknown as { metadata: { name: string } }).metadata.name, 'dr');
  assert.deepEqual(secret, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: 'cloud-credentials',
      namespace: 'dr',
      labels: { 'app.kubernetes.io/part-of': 'lifeboat' },
    },
    type: 'Opaque',
    data: { cloud: Buffer.from('key=s3cr3t\n').toString('base64') },
  });
  const location = validateResource('BackupStorageLocation', bsl);
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
    [{ backupLocation: { provider: 'fs', bucket: 'b' } }, /backupLocation\.config\.root/],
    [{ backupLocation: { provider: 'fs', bucket: 'a/b', config: { root: '/x' } } }, /backupLocation\.bucket/],
    [{ backupLocation: { provider: 'gcp', bucket: 'b' } }, /backupLocation\.provider/],
    [
      { backupLocation: { provider: 'aws', bucket: 'b', config: { regoin: 'x' } } },
      /backupLocation\.config\.regoin: is not a config key/,
    ],
    [{ namespace: 'Not_A_Namespace' }, /namespace/],
  ];
  for (const [input, message] of cases) {
    assert.throws(
      () => parseInstallValues(input as never),
      (err) => isLifeboatError(err, 'Usage') && message.test(err.message),
      String(message),
    );
  }
});
