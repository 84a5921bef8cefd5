/**
 * The server killed mid-backup: `lifeboat server` runs as a child process, a backup is started with the
 * CLI and slowed down by kubesim's fault injection, and the child gets SIGKILL while the backup runs. The
 * next server must fail the abandoned backup with a reason, and the bucket must hold nothing that looks like
 * a complete backup (no `velero-backup.json`).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backupKeys } from '../../src/storage/index.ts';
import { fsStorage, startLifeboatEnv } from '../support/lifeboat-env.ts';

test('a server killed mid-backup: Failed after restart, nothing in storage that looks complete', async () => {
  const storage = fsStorage();
  const env = await startLifeboatEnv({ storage, server: false });
  try {
    const catalog = await env.catalog();
    await env.client.create(catalog.resolve('namespaces')!, {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'app' },
    });
    for (let i = 0; i < 20; i++)
      await env.client.create(catalog.resolve('configmaps')!, {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { namespace: 'app', name: `cm-${i}` },
        data: { index: String(i) },
      });
    const child = await env.startServerChild();
    // Every list of ConfigMaps takes 20 s: the backup is certainly still running when the server dies.
    const slow = env.kubesim.faults.add({ resource: 'configmaps', verb: 'list', latencyMs: 20_000 });

    const created = await env.cli('backup', 'create', 'doomed', '--include-namespaces', 'app');
    assert.equal(created.code, 0, created.stderr);
    await env.waitPhase('Backup', 'doomed', ['InProgress'], 20_000);
    for (let i = 0; i < 100 && slow.hits === 0; i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok(slow.hits > 0, 'the backup is listing ConfigMaps');
    await child.kill();
    assert.equal(child.process.signalCode, 'SIGKILL');
    slow.remove();
    env.kubesim.faults.clear();

    assert.equal((await env.getLifeboat('Backup', 'doomed'))?.status?.phase, 'InProgress');
    const store = await env.store();
    const keys = backupKeys('doomed');
    assert.equal(await store.exists(keys.metadata), false, 'no metadata object for an interrupted backup');

    await env.startServer();
    const status = await env.waitPhase('Backup', 'doomed', ['Failed'], 20_000);
    assert.match(status.failureReason ?? '', /server|InProgress|restart|terminat/i, JSON.stringify(status));
    const described = await env.cli('backup', 'describe', 'doomed');
    assert.match(described.stdout, /^Phase:\s+Failed/m);
    // Still nothing complete, and the backup list in storage does not offer it.
    assert.equal(await store.exists(keys.metadata), false);
    const left: string[] = [];
    for await (const object of store.list(keys.dir)) left.push(object.key);
    assert.ok(!left.some((k) => k.endsWith('velero-backup.json')), left.join(', '));

    // The next backup of the same namespace runs to completion on the new server.
    const again = await env.cli('backup', 'create', 'after-crash', '--include-namespaces', 'app', '--wait');
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.equal(await store.exists(backupKeys('after-crash').metadata), true);
    await store.close?.();
  } finally {
    await env.stop();
    storage.cleanup();
  }
});
