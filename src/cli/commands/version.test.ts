import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fsStorage, type LifeboatEnv, startLifeboatEnv } from '../../../test/support/lifeboat-env.ts';
import { LIFEBOAT_VERSION } from '../../core/version.ts';
import { runCaptured } from '../test-support.ts';
import { skewWarning } from './version-server.ts';

const storage = fsStorage();
let env: LifeboatEnv;
before(async () => {
  env = await startLifeboatEnv({ storage, server: false });
});
after(async () => {
  await env.stop();
  storage.cleanup();
});

test('--client-only prints the client version and contacts nothing', async () => {
  const r = await runCaptured(['--kubeconfig', '/nonexistent', 'version', '--client-only']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`Version: ${LIFEBOAT_VERSION.replaceAll('.', '\\.')}`));
  assert.doesNotMatch(r.stdout, /Server:/);
});

test('without a server: a clear message after the timeout; with one: its version', async () => {
  const silent = await env.cli('version', '--timeout', '1');
  assert.equal(silent.code, 0, silent.stderr);
  assert.match(
    silent.stdout,
    /no Lifeboat server processed a ServerStatusRequest in namespace lifeboat within 1s/,
  );

  await env.startServer();
  const r = await env.cli('version');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`Server:\\n\\tVersion: ${LIFEBOAT_VERSION.replaceAll('.', '\\.')}`));
  assert.equal(r.stderr, '', 'no skew warning against the same version');
});

test('skew: major or minor differences warn, patch differences do not', () => {
  assert.equal(skewWarning('1.4.0', '1.4.7'), undefined);
  assert.match(skewWarning('1.4.0', '1.5.0') ?? '', /differ in major or minor/);
  assert.match(skewWarning('2.0.0', 'v1.9.9') ?? '', /differ/);
});
