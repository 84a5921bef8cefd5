import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isLifeboatError } from '../core/errors.ts';
import { parseListenAddress, parseServerConfig } from './config.ts';

test('defaults follow Velero’s server flags, durations in milliseconds, frozen', () => {
  const config = parseServerConfig({ kubeconfig: '/k' });
  assert.equal(config.namespace, 'lifeboat');
  assert.equal(config.metricsAddress, ':8085');
  assert.equal(config.defaultBackupTtl, 720 * 3_600_000);
  assert.equal(config.downloadUrlTtl, 600_000);
  assert.equal(config.storeValidationFrequency, 60_000);
  assert.equal(config.leaderElection, true);
  assert.ok(Object.isFrozen(config));
});

test('a short lease shortens the renew deadline and retry period to stay valid', () => {
  const config = parseServerConfig({ kubeconfig: '/k', leaseDuration: '3s' });
  assert.equal(config.leaseDuration, 3000);
  assert.equal(config.leaseRenewDeadline, 2000);
  assert.equal(config.leaseRetryPeriod, 500);
});

test('bad values are usage errors naming the field', () => {
  assert.throws(
    () => parseServerConfig({ defaultBackupTtl: 'forever' }),
    (err) =>
      isLifeboatError(err, 'Usage') && err.field === 'defaultBackupTtl' && /not a duration/.test(err.message),
  );
  assert.throws(
    () => parseServerConfig({ concurrentBackups: '0' }),
    (err) => isLifeboatError(err, 'Usage') && err.field === 'concurrentBackups',
  );
});

test('listen addresses: host:port, :port, port, [v6]:port', () => {
  assert.deepEqual(parseListenAddress(':8085'), { host: undefined, port: 8085 });
  assert.deepEqual(parseListenAddress('127.0.0.1:0'), { host: '127.0.0.1', port: 0 });
  assert.deepEqual(parseListenAddress('9000'), { host: undefined, port: 9000 });
  assert.deepEqual(parseListenAddress('[::1]:8085'), { host: '::1', port: 8085 });
  assert.throws(() => parseListenAddress('localhost'), /not host:port/);
  assert.throws(() => parseListenAddress(':70000'), /out of range/);
});
