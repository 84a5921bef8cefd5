import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { lifeboatResource } from '../../../kube/index.ts';
import { startKubesim } from '../../../kubesim/index.ts';
import { type CliEnv, startCliEnv } from '../../test-support.ts';

describe('lifeboat backup-location against kubesim', () => {
  let env: CliEnv;
  before(async () => {
    env = await startCliEnv(await startKubesim({ cluster: false }));
  });
  after(() => env.stop());

  const spec = async (name: string) =>
    (
      (await env.client.get(lifeboatResource('BackupStorageLocation'), 'lifeboat', name)) as
        | { spec: Record<string, unknown> }
        | undefined
    )?.spec;

  test('install made the default location; get lists it', async () => {
    const r = await env.run('backup-location', 'get');
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /^NAME\s+PROVIDER\s+BUCKET\/PREFIX\s+PHASE\s+LAST VALIDATED\s+ACCESS MODE\s+DEFAULT$/m,
    );
    assert.match(r.stdout, /^default\s+fs\s+backups\s+Unknown\s+<n\/a>\s+ReadWrite\s+true$/m);
  });

  test('create, set --default moves the default, delete removes it', async () => {
    const created = await env.run(
      'backup-location',
      'create',
      'offsite',
      '--provider',
      'aws',
      '--bucket',
      'dr',
      '--prefix',
      'cluster-a',
      '--config',
      'region=eu-west-1,s3ForcePathStyle=true',
      '--credential',
      'offsite-creds=cloud',
      '--access-mode',
      'ReadOnly',
    );
    assert.equal(created.code, 0, created.stderr);
    assert.deepEqual(await spec('offsite'), {
      provider: 'aws',
      objectStorage: { bucket: 'dr', prefix: 'cluster-a' },
      config: { region: 'eu-west-1', s3ForcePathStyle: 'true' },
      credential: { name: 'offsite-creds', key: 'cloud' },
      accessMode: 'ReadOnly',
    });
    const set = await env.run('backup-location', 'set', 'offsite', '--default');
    assert.equal(set.code, 0, set.stderr);
    assert.equal((await spec('offsite'))?.default, true);
    assert.equal((await spec('default'))?.default, false, 'only one default location');
    const onlyDefault = await env.run('backup-location', 'get', '--default', '-o', 'yaml');
    assert.match(onlyDefault.stdout, /name: offsite/);
    assert.doesNotMatch(onlyDefault.stdout, /name: default\n/);

    const deleted = await env.run('backup-location', 'delete', 'offsite', '--confirm');
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.equal(await spec('offsite'), undefined);
  });

  test('bad flags exit 2 naming the field or flag', async () => {
    const cases: [string[], RegExp][] = [
      [['backup-location', 'create', 'x', '--provider', 'aws'], /spec\.objectStorage\.bucket.*\(--bucket\)/],
      [
        ['backup-location', 'create', 'x', '--provider', 'aws', '--bucket', 'b', '--credential', 'nokey'],
        /--credential: expected/,
      ],
      [
        [
          'backup-location',
          'create',
          'x',
          '--provider',
          'aws',
          '--bucket',
          'b',
          '--validation-frequency',
          '1 day',
        ],
        /spec\.validationFrequency.*\(--validation-frequency\)/,
      ],
      [['backup-location', 'set', 'default'], /nothing to set/],
    ];
    for (const [args, message] of cases) {
      const r = await env.run(...args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
    }
  });
});
