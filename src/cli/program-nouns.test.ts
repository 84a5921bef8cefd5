import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildProgram, nounOf } from './program.ts';

test('the noun is found after global options with values', () => {
  assert.equal(nounOf(['--kubeconfig', 'backup', 'repo', 'snapshots']), 'repo');
  assert.equal(nounOf(['-n', 'x', 'backup', 'get']), 'backup');
  assert.equal(nounOf(['server', '--no-leader-elect']), 'server');
  assert.equal(nounOf(['--help']), undefined);
  assert.equal(nounOf(['bakup', 'get']), undefined, 'a typo registers every noun, so commander can suggest');
});

test('a command line naming one noun builds only that noun; none builds them all', async () => {
  const names = async (argv: string[]) => (await buildProgram(argv)).commands.map((c) => c.name()).sort();
  assert.deepEqual(await names(['repo', 'snapshots']), ['repo', 'version']);
  assert.deepEqual(await names(['--help']), [
    'backup',
    'backup-location',
    'debug',
    'dev',
    'install',
    'node-agent',
    'repo',
    'restore',
    'schedule',
    'server',
    'uninstall',
    'upgrade',
    'version',
  ]);
});

test('repo registers only the verb named after its options; help and typos register every verb in order', async () => {
  const verbs = async (argv: string[]) =>
    (await buildProgram(argv)).commands.find((c) => c.name() === 'repo')?.commands.map((c) => c.name());
  assert.deepEqual(await verbs(['repo', '-r', 'backup', '--password-file', 'x', 'backup', '/data']), [
    'backup',
  ]);
  assert.deepEqual(await verbs(['repo', '--json', 'snapshots']), ['snapshots']);
  assert.deepEqual(await verbs(['repo', 'dump', 'latest', '/f']), ['ls', 'find', 'diff', 'dump']);
  const all = [
    'init',
    'backup',
    'snapshots',
    'restore',
    'ls',
    'find',
    'diff',
    'dump',
    'forget',
    'prune',
    'check',
    'stats',
    'key',
    'unlock',
  ];
  assert.deepEqual(await verbs(['repo', '--help']), all);
  assert.deepEqual(await verbs(['repo', 'bakup']), all, 'a typo lets commander suggest the verb');
});
