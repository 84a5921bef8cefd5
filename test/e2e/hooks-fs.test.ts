/**
 * Hooks with real volume data, through the server: a pod whose claim is backed up by file system (node agents
 * on kubesim), a pre hook that writes a marker into the volume, and a post hook that writes another file. The
 * backup carries the marker and not the post hook's file (pre ran before the volume was read, post after).
 * Restored into another namespace, a post-restore exec hook reads the marker from the restored volume, and its
 * output is in the restore log.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { pino } from 'pino';
import { createPodWithClaim, ensureNamespace } from '../../src/agent/testing.ts';
import { runBackup, validateBackup } from '../../src/backup/index.ts';
import type { BackupEngine, RestoreEngine } from '../../src/controllers/engines.ts';
import { createPodExec, type PodExec } from '../../src/kube/exec.ts';
import { allContainersRunning } from '../../src/kube/exec-fixture.ts';
import { lifeboatResource } from '../../src/kube/lifeboat-client.ts';
import type { ApiResourceInfo } from '../../src/kube/types.ts';
import { restoreHookServices } from '../../src/restore/hooks/index.ts';
import { runRestore, validateRestore } from '../../src/restore/index.ts';
import { type RunningServer, startServer } from '../../src/server/index.ts';
import { restoreKeys } from '../../src/storage/layout.ts';
import { backupVolumeServices, restoreVolumeServices } from '../../src/volumes/engine-services.ts';
import {
  fsStorage,
  type LifeboatEnv,
  SERVER_NAMESPACE,
  silentServerConfig,
  startLifeboatEnv,
} from '../support/lifeboat-env.ts';
import { type NodeAgents, startNodeAgents } from '../support/node-agents.ts';

const storage = fsStorage();
let env: LifeboatEnv;
let server: RunningServer;
let agents: NodeAgents;
let exec: PodExec;
let pods: ApiResourceInfo;

before(async () => {
  env = await startLifeboatEnv({ storage, cluster: true, server: false });
  const catalog = await env.catalog();
  pods = catalog.resolve('pods')!;
  exec = createPodExec(env.conn);
  const options = { namespace: SERVER_NAMESPACE, exec, pollIntervalMs: 100 };
  const backupEngine: BackupEngine = {
    validateBackup,
    runBackup: (backup, deps) => runBackup(backup, { ...deps, volumes: backupVolumeServices(deps, options) }),
  };
  const restoreEngine: RestoreEngine = {
    validateRestore,
    runRestore: (restore, deps) =>
      runRestore(restore, {
        ...deps,
        volumes: {
          ...restoreVolumeServices(deps, options),
          ...restoreHookServices({ exec, client: deps.client, catalog: deps.catalog, clock: deps.clock }),
        },
      }),
  };
  server = await startServer(silentServerConfig(env.kubeconfigPath), {
    logger: pino({ level: 'silent' }),
    backupEngine,
    restoreEngine,
  });
  agents = await startNodeAgents(env.kubesim, {
    kubeconfig: env.kubeconfigPath,
    namespace: SERVER_NAMESPACE,
  });
});

after(async () => {
  await agents?.stop();
  await server?.stop();
  await env?.stop();
  storage.cleanup();
});

async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 90_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

type Status = {
  phase?: string;
  errors?: number;
  hookStatus?: { hooksAttempted?: number; hooksFailed?: number };
};

async function finished(kind: 'Backup' | 'Restore', name: string): Promise<Status> {
  return eventually(`${kind} ${name} to finish`, async () => {
    const o = await env.client.get(lifeboatResource(kind), SERVER_NAMESPACE, name);
    const status = (o?.status ?? {}) as Status;
    return ['Completed', 'PartiallyFailed', 'Failed', 'FailedValidation'].includes(status.phase ?? '')
      ? status
      : undefined;
  });
}

async function run(namespace: string, pod: string, script: string): Promise<string> {
  const r = await exec.exec({ namespace, pod, container: 'app', command: ['sh', '-c', script] });
  assert.equal(r.exitCode, 0, r.stderr);
  return r.stdout;
}

test('the pre hook’s marker is in the backed-up volume data, the post hook’s file is not; a restore hook reads it back', async () => {
  const { client } = env;
  await ensureNamespace(client, 'ledger');
  await createPodWithClaim(client, 'ledger', 'db');
  await client.patch(pods, 'ledger', 'db', 'merge', {
    metadata: {
      annotations: {
        'backup.lifeboat.io/backup-volumes': 'data',
        'pre.hook.backup.lifeboat.io/command': '["sh","-c","date +%s%N > /data/marker; sync"]',
        'post.hook.backup.lifeboat.io/command': '["sh","-c","test -f /data/marker && touch /data/post-ran"]',
      },
    },
  });
  await eventually('pod ledger/db running', async () => {
    const p = await client.get(pods, 'ledger', 'db');
    return p && allContainersRunning(p) ? p : undefined;
  });
  await run('ledger', 'db', 'echo payload > /data/payload.txt');

  await client.create(lifeboatResource('Backup'), {
    apiVersion: 'lifeboat.io/v1',
    kind: 'Backup',
    metadata: { name: 'ledger-hooks', namespace: SERVER_NAMESPACE },
    spec: { includedNamespaces: ['ledger'], snapshotVolumes: false },
  });
  const backup = await finished('Backup', 'ledger-hooks');
  assert.equal(backup.phase, 'Completed', JSON.stringify(backup));
  assert.deepEqual(backup.hookStatus, { hooksAttempted: 2, hooksFailed: 0 });
  const marker = (await run('ledger', 'db', 'cat /data/marker')).trim();
  assert.match(marker, /^\d+$/);
  assert.equal(await run('ledger', 'db', 'test -f /data/post-ran && echo yes'), 'yes\n');

  await client.create(lifeboatResource('Restore'), {
    apiVersion: 'lifeboat.io/v1',
    kind: 'Restore',
    metadata: { name: 'ledger-copy', namespace: SERVER_NAMESPACE },
    spec: {
      backupName: 'ledger-hooks',
      namespaceMapping: { ledger: 'ledger-copy' },
      hooks: {
        resources: [
          {
            name: 'read-marker',
            includedNamespaces: ['ledger-copy'],
            postHooks: [
              {
                exec: {
                  command: ['sh', '-c', 'cat /data/marker; ls /data'],
                  onError: 'Fail',
                  waitTimeout: '60s',
                },
              },
            ],
          },
        ],
      },
    },
  });
  const restore = await finished('Restore', 'ledger-copy');
  assert.equal(restore.phase, 'Completed', JSON.stringify(restore));
  assert.deepEqual(restore.hookStatus, { hooksAttempted: 1, hooksFailed: 0 });

  // The restored volume holds the marker the pre hook wrote, and not the file the post hook wrote after.
  assert.equal((await run('ledger-copy', 'db', 'cat /data/marker')).trim(), marker);
  assert.equal(await run('ledger-copy', 'db', 'cat /data/payload.txt'), 'payload\n');
  assert.equal(
    await run('ledger-copy', 'db', 'test -e /data/post-ran && echo present || echo absent'),
    'absent\n',
  );

  const store = await env.store();
  const chunks: Buffer[] = [];
  for await (const chunk of await store.get(restoreKeys('ledger-copy').log))
    chunks.push(Buffer.from(chunk as Uint8Array));
  const lines = gunzipSync(Buffer.concat(chunks))
    .toString()
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { msg: string; stdout?: string; exitCode?: number });
  const hookLine = lines.find((l) => l.msg === 'post-restore hook finished');
  assert.equal(hookLine?.exitCode, 0);
  assert.match(hookLine?.stdout ?? '', new RegExp(`^${marker}\\n`));
  assert.doesNotMatch(hookLine?.stdout ?? '', /post-ran/);
});

test('a failing Fail hook: the backup is PartiallyFailed, describe names the pod, the hook and its stderr, the log has it too', async () => {
  const { client } = env;
  await ensureNamespace(client, 'brittle');
  await createPodWithClaim(client, 'brittle', 'db');
  await client.patch(pods, 'brittle', 'db', 'merge', {
    metadata: {
      annotations: {
        'backup.lifeboat.io/backup-volumes': 'data',
        'pre.hook.backup.lifeboat.io/command': '["sh","-c","echo database refuses to freeze >&2; exit 3"]',
        'pre.hook.backup.lifeboat.io/on-error': 'Fail',
        'post.hook.backup.lifeboat.io/command': '["sh","-c","touch /data/post-ran"]',
      },
    },
  });
  await eventually('pod brittle/db running', async () => {
    const p = await client.get(pods, 'brittle', 'db');
    return p && allContainersRunning(p) ? p : undefined;
  });

  const created = await env.cli('backup', 'create', 'brittle-hooks', '--include-namespaces', 'brittle');
  assert.equal(created.code, 0, created.stderr);
  const status = await finished('Backup', 'brittle-hooks');
  assert.equal(status.phase, 'PartiallyFailed', JSON.stringify(status));
  assert.deepEqual(status.hookStatus, { hooksAttempted: 1, hooksFailed: 1 });
  assert.equal(await run('brittle', 'db', 'test -e /data/post-ran && echo ran || echo skipped'), 'skipped\n');

  const described = await env.cli('backup', 'describe', 'brittle-hooks', '--details');
  assert.equal(described.code, 0, described.stderr);
  assert.match(described.stdout, /pod brittle\/db: pre hook "<from-annotation>" failed/);
  assert.match(described.stdout, /stderr: database refuses to freeze/);

  const logs = await env.cli('backup', 'logs', 'brittle-hooks');
  assert.equal(logs.code, 0, logs.stderr);
  assert.match(logs.stdout, /database refuses to freeze/);
});
