import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { kubeconfigFor, writeKubeconfig } from './kubeconfig.ts';

test('the kubeconfig points client-node at plain http with TLS verification off and namespace default', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubeconfig-'));
  try {
    const path = join(dir, 'kubeconfig');
    writeKubeconfig(path, 'http://127.0.0.1:12345');
    assert.equal(statSync(path).mode & 0o777, 0o600, 'it carries a token: owner only');
    const kc = new KubeConfig();
    kc.loadFromFile(path);
    assert.equal(kc.getCurrentContext(), 'kubesim');
    assert.equal(kc.getCurrentCluster()?.server, 'http://127.0.0.1:12345');
    assert.equal(kc.getCurrentCluster()?.skipTLSVerify, true);
    assert.equal(kc.getContextObject('kubesim')?.namespace, 'default');
    assert.match(kc.getCurrentUser()?.token ?? '', /^kubesim-[0-9a-f]{24}$/);
    assert.match(readFileSync(path, 'utf8'), /insecure-skip-tls-verify: true/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.notEqual(kubeconfigFor('http://x'), kubeconfigFor('http://x'), 'a fresh token each time');
});
