import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { stringify } from 'yaml';
import { runCaptured } from '../test-support.ts';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'lifeboat-values-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

type Item = { kind: string; metadata: { name: string; namespace?: string }; spec?: Record<string, never> };

async function dryRun(...args: string[]): Promise<Item[]> {
  const r = await runCaptured(['install', ...args, '--dry-run', '-o', 'json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout).items as Item[];
}

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

test('the values file sets everything; flags override it; -n overrides its namespace', async () => {
  const credentials = write('creds', '[default]\naws_access_key_id=AKIAFILE\n');
  const values = write(
    'values.yaml',
    stringify({
      namespace: 'from-file',
      version: '0.3.0',
      backupLocation: { provider: 'aws', bucket: 'file-bucket', config: { region: 'eu-west-1' } },
      credentialsFile: credentials,
      nodeAgent: { enabled: true },
      server: { logLevel: 'warn' },
      repositoryPassword: 'a-password-of-enough-length',
    }),
  );
  const fromFile = await dryRun('--values', values);
  assert.ok(fromFile.some((o) => o.kind === 'DaemonSet'));
  const deployment = fromFile.find((o) => o.kind === 'Deployment') as unknown as {
    metadata: { namespace: string };
    spec: { template: { spec: { containers: { image: string; args: string[] }[] } } };
  };
  assert.equal(deployment.metadata.namespace, 'from-file');
  assert.equal(deployment.spec.template.spec.containers[0].image, 'ghcr.io/lifeboat-io/lifeboat:v0.3.0');
  assert.ok(deployment.spec.template.spec.containers[0].args.includes('--log-level=warn'));
  assert.ok(fromFile.some((o) => o.metadata.name === 'lifeboat-repo-credentials'));
  assert.ok(fromFile.some((o) => o.metadata.name === 'cloud-credentials'));

  const overridden = await dryRun(
    '--values',
    values,
    '-n',
    'flagged',
    '--bucket',
    'flag-bucket',
    '--config',
    's3ForcePathStyle=true',
    '--log-level',
    'debug',
    '--image',
    'registry.example/lb:dev',
  );
  const bsl = overridden.find((o) => o.kind === 'BackupStorageLocation') as unknown as {
    metadata: { namespace: string };
    spec: { objectStorage: { bucket: string }; config: Record<string, string> };
  };
  assert.equal(bsl.metadata.namespace, 'flagged');
  assert.equal(bsl.spec.objectStorage.bucket, 'flag-bucket');
  assert.deepEqual(bsl.spec.config, { region: 'eu-west-1', s3ForcePathStyle: 'true' });
  const d2 = overridden.find((o) => o.kind === 'Deployment') as unknown as {
    spec: { template: { spec: { containers: { image: string; args: string[] }[] } } };
  };
  assert.equal(d2.spec.template.spec.containers[0].image, 'registry.example/lb:dev');
  assert.ok(d2.spec.template.spec.containers[0].args.includes('--log-level=debug'));
});

test('a bad values file exits 2 naming the setting', async () => {
  const cases: [string, RegExp][] = [
    [
      stringify({
        backupLocation: { provider: 'fs', bucket: 'b', config: { root: '/x' } },
        serverResources: { limits: { memory: 'much' } },
      }),
      /values\.serverResources\.limits\.memory: must be a Kubernetes quantity/,
    ],
    [
      stringify({ backupLocation: { provider: 'fs', bucket: 'b', config: { root: '/x' } }, nodeAgnet: {} }),
      /values\.nodeAgnet: is not a setting/,
    ],
    ['- a list\n', /must hold a mapping/],
    ['a: [unclosed\n', /is not YAML/],
  ];
  for (const [text, message] of cases) {
    const r = await runCaptured(['install', '--values', write('bad.yaml', text), '--dry-run']);
    assert.equal(r.code, 2, text);
    assert.match(r.stderr, message);
  }
});
