import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { crdManifests } from '../../api/index.ts';
import { connect } from '../../kube/index.ts';
import { type Kubesim, startKubesim } from '../../kubesim/index.ts';
import { runCaptured } from '../test-support.ts';

const SECRET = 'aws_access_key_id=AKIAEXAMPLE\naws_secret_access_key=very-secret-value\n';

describe('lifeboat install', () => {
  let dir: string;
  let secretFile: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'lifeboat-install-'));
    secretFile = join(dir, 'credentials');
    writeFileSync(secretFile, SECRET);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const awsFlags = () => [
    'install',
    '--provider',
    'aws',
    '--bucket',
    'velero',
    '--prefix',
    'prod',
    '--config',
    'region=eu-west-1,s3ForcePathStyle=true,s3Url=http://minio:9000',
    '--secret-file',
    secretFile,
  ];

  test('--dry-run -o yaml prints exactly what it would apply, as documents kubectl can read', async () => {
    const r = await runCaptured([...awsFlags(), '--dry-run', '-o', 'yaml', '-n', 'dr']);
    assert.equal(r.code, 0, r.stderr);
    const docs = parseAllDocuments(r.stdout).map((d) => {
      assert.deepEqual(d.errors, []);
      return d.toJS() as {
        kind: string;
        metadata: { name: string; namespace?: string };
        [k: string]: unknown;
      };
    });
    const kinds = docs.map((d) => d.kind);
    assert.equal(kinds.filter((k) => k === 'CustomResourceDefinition').length, crdManifests().length);
    assert.deepEqual(kinds.slice(-3), ['Secret', 'Deployment', 'BackupStorageLocation']);
    assert.ok(kinds.includes('Namespace') && kinds.includes('ClusterRole'));
    assert.ok(
      !docs.some((d) => d.metadata.name === 'lifeboat-repo-credentials'),
      'no repository password printed unless the values give one',
    );
    assert.match(r.stderr, /lifeboat-repo-credentials/);
    const secret = docs.find((d) => d.kind === 'Secret') as unknown as {
      data: { cloud: string };
      metadata: { namespace: string };
    };
    assert.equal(Buffer.from(secret.data.cloud, 'base64').toString(), SECRET);
    assert.equal(secret.metadata.namespace, 'dr');
    const bsl = docs.find((d) => d.kind === 'BackupStorageLocation') as unknown as {
      spec: Record<string, unknown>;
    };
    assert.deepEqual(bsl.spec.objectStorage, { bucket: 'velero', prefix: 'prod' });
    assert.deepEqual(bsl.spec.config, {
      region: 'eu-west-1',
      s3ForcePathStyle: 'true',
      s3Url: 'http://minio:9000',
    });
  });

  test('--dry-run -o json prints one v1 List of the same objects', async () => {
    const yaml = await runCaptured([...awsFlags(), '--dry-run', '-o', 'yaml']);
    const json = await runCaptured([...awsFlags(), '--dry-run', '-o', 'json']);
    assert.equal(json.code, 0, json.stderr);
    const list = JSON.parse(json.stdout);
    assert.equal(list.kind, 'List');
    assert.deepEqual(
      list.items,
      parseAllDocuments(yaml.stdout).map((d) => d.toJS()),
    );
  });

  test('missing or contradictory flags exit 2 with one line', async () => {
    const cases: [string[], RegExp][] = [
      [
        ['install', '--provider', 'fs'],
        /--provider and --bucket \(or backupLocation in --values\) are required/,
      ],
      [
        ['install', '--provider', 'aws', '--bucket', 'b'],
        /--secret-file \(or credentialsFile in --values\) is required/,
      ],
      [['install', '--provider', 'fs', '--bucket', 'b'], /backupLocation\.config\.root/],
      [
        ['install', '--provider', 'fs', '--bucket', 'b', '--config', 'root=/x', '-o', 'yaml'],
        /needs --dry-run/,
      ],
      [
        ['install', '--provider', 'aws', '--bucket', 'b', '--secret-file', join(dir, 'nope')],
        /--secret-file: cannot read/,
      ],
      [['install', '--config', 'novalue'], /--config: expected key=value/],
    ];
    for (const [args, message] of cases) {
      const r = await runCaptured(args);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
    }
  });

  describe('applied to kubesim', () => {
    let kubesim: Kubesim;
    before(async () => {
      kubesim = await startKubesim({ cluster: false });
    });
    after(() => kubesim.stop());

    test('creates everything, waits for the CRDs, and a second install changes nothing', async () => {
      const args = ['--kubeconfig', kubesim.kubeconfigPath, ...awsFlags()];
      const first = await runCaptured(args);
      assert.equal(first.code, 0, first.stderr);
      assert.match(first.stdout, /^CustomResourceDefinition\/backups\.lifeboat\.io: created$/m);
      assert.match(first.stdout, /^Secret\/cloud-credentials: created$/m);
      assert.match(first.stdout, /^BackupStorageLocation\/default: created$/m);
      assert.doesNotMatch(first.stdout + first.stderr, /very-secret-value|AKIAEXAMPLE/);

      const conn = connect(kubesim.kubeconfigPath);
      const crd = (await conn.objects.read({
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: 'backupstoragelocations.lifeboat.io' },
      })) as { status?: { conditions?: { type: string; status: string }[] } };
      assert.ok(crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True'));
      const secret = (await conn.objects.read({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'cloud-credentials', namespace: 'lifeboat' },
      })) as { data?: Record<string, string> };
      assert.equal(Buffer.from(secret.data?.cloud ?? '', 'base64').toString(), SECRET);

      const second = await runCaptured(args);
      assert.equal(second.code, 0, second.stderr);
      const actions = second.stdout
        .split('\n')
        .filter((l) => l.includes(': '))
        .map((l) => l.split(': ')[1]);
      assert.ok(actions.length >= crdManifests().length + 3);
      assert.deepEqual(new Set(actions), new Set(['unchanged']));

      const changed = await runCaptured([...args.map((a) => (a === 'prod' ? 'staging' : a))]);
      assert.equal(changed.code, 0, changed.stderr);
      assert.match(changed.stdout, /^BackupStorageLocation\/default: configured$/m);
      assert.match(changed.stdout, /^Secret\/cloud-credentials: unchanged$/m);
    });
  });
});
