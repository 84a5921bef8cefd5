import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { startTestCluster, type TestCluster } from '../cluster/testing.ts';
import { csiVolumeDir } from '../csi/paths.ts';
import type { KubeObject } from '../registry/types.ts';
import { createContainerRuntime } from '../runtime/runtime.ts';
import type { ContainerRuntime } from '../runtime/types.ts';

type ContainerStatus = {
  name: string;
  restartCount: number;
  state: Record<string, { exitCode?: number; reason?: string }>;
  lastState: Record<string, { exitCode?: number; reason?: string }>;
};
type PodStatus = {
  phase?: string;
  containerStatuses?: ContainerStatus[];
  initContainerStatuses?: ContainerStatus[];
};
const statusOf = (pod: KubeObject | undefined): PodStatus => (pod?.status ?? {}) as PodStatus;

const pod = (name: string, spec: Record<string, unknown>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default' },
  spec: { terminationGracePeriodSeconds: 1, ...spec },
});

describe('kubelet with the real container runtime', () => {
  let c: TestCluster;
  let runtime: ContainerRuntime;
  const runtimeDir = mkdtempSync(join(tmpdir(), 'kubesim-runtime-'));
  before(async () => {
    runtime = await createContainerRuntime({ dataDir: runtimeDir });
    c = await startTestCluster({ nodes: 1, runtime });
  });
  after(async () => {
    await c.stop();
    await runtime.close();
    rmSync(runtimeDir, { recursive: true, force: true });
  });

  test('a container whose process exits ends the pod Failed with its exit code (restartPolicy Never)', async () => {
    c.api.create(
      c.ref('', 'pods'),
      'default',
      pod('fails', {
        restartPolicy: 'Never',
        containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', 'echo bye; exit 3'] }],
      }),
    );
    const done = await c.waitFor('the pod to fail', () => {
      const p = c.get('', 'pods', 'default', 'fails');
      return statusOf(p).phase === 'Failed' ? p : undefined;
    });
    const state = statusOf(done).containerStatuses![0].state.terminated!;
    assert.deepEqual([state.exitCode, state.reason], [3, 'Error']);
    const uid = done.metadata.uid!;
    assert.deepEqual(
      runtime.logs(uid, 'main')?.map((l) => l.line),
      ['bye'],
    );
  });

  test('restartPolicy Always restarts an exiting container and counts restarts', async () => {
    c.api.create(
      c.ref('', 'pods'),
      'default',
      pod('loops', { containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', 'exit 1'] }] }),
    );
    const looping = await c.waitFor('two restarts', () => {
      const p = c.get('', 'pods', 'default', 'loops');
      const cs = statusOf(p).containerStatuses?.[0];
      return cs && cs.restartCount >= 2 ? cs : undefined;
    });
    assert.equal(looping.lastState.terminated?.exitCode, 1);
    assert.equal(statusOf(c.get('', 'pods', 'default', 'loops')).phase, 'Running');
    c.api.delete(c.ref('', 'pods'), 'default', 'loops');
    await c.waitFor('the pod to go', () => c.get('', 'pods', 'default', 'loops') === undefined);
  });

  test('init containers run in order before the main container, which sees their files and the pod env', async () => {
    c.api.create(c.ref('', 'secrets'), 'default', {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'app', namespace: 'default' },
      data: { greeting: Buffer.from('hello').toString('base64') },
    });
    c.api.create(c.ref('', 'persistentvolumeclaims'), 'default', {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'work', namespace: 'default' },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
    });
    c.api.create(
      c.ref('', 'pods'),
      'default',
      pod('staged', {
        initContainers: [
          {
            name: 'first',
            image: 'busybox',
            command: ['sh', '-c', 'echo one > /work/steps'],
            volumeMounts: [{ name: 'work', mountPath: '/work' }],
          },
          {
            name: 'second',
            image: 'busybox',
            command: ['sh', '-c', 'echo "$GREETING" >> /work/steps'],
            env: [{ name: 'GREETING', valueFrom: { secretKeyRef: { name: 'app', key: 'greeting' } } }],
            volumeMounts: [{ name: 'work', mountPath: '/work' }],
          },
        ],
        containers: [
          { name: 'main', image: 'nginx:1.27', volumeMounts: [{ name: 'work', mountPath: '/work' }] },
        ],
        volumes: [{ name: 'work', persistentVolumeClaim: { claimName: 'work' } }],
      }),
    );
    const running = await c.waitFor('the pod to run', () => {
      const p = c.get('', 'pods', 'default', 'staged');
      return statusOf(p).phase === 'Running' ? p : undefined;
    });
    const inits = statusOf(running).initContainerStatuses!;
    assert.deepEqual(
      inits.map((s) => [s.name, s.state.terminated?.exitCode]),
      [
        ['first', 0],
        ['second', 0],
      ],
    );
    const pvc = c.get('', 'persistentvolumeclaims', 'default', 'work')!;
    const pv = c.get('', 'persistentvolumes', undefined, (pvc.spec as { volumeName: string }).volumeName)!;
    const backing = csiVolumeDir(c.dataDir, (pv.spec as { csi: { volumeHandle: string } }).csi.volumeHandle);
    assert.equal(readFileSync(join(backing, 'steps'), 'utf8'), 'one\nhello\n');
    let out = '';
    const stdout = new Writable({
      write(chunk, _e, done) {
        out += chunk;
        done();
      },
    });
    const result = await runtime.exec({
      podUid: running.metadata.uid!,
      container: 'main',
      command: ['cat', '/work/steps'],
      stdout,
    });
    assert.equal(result.exitCode, 0);
    assert.equal(out, 'one\nhello\n');
  });

  test('a Job whose container runs for real succeeds with its exit code', async () => {
    c.api.create(c.ref('batch', 'jobs'), 'default', {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'real', namespace: 'default' },
      spec: {
        backoffLimit: 0,
        template: {
          spec: {
            restartPolicy: 'Never',
            containers: [{ name: 'work', image: 'busybox', command: ['sh', '-c', 'echo done'] }],
          },
        },
      },
    });
    await c.waitFor('the job to complete', () => {
      const j = c.get('batch', 'jobs', 'default', 'real');
      return (j?.status as { succeeded?: number } | undefined)?.succeeded === 1;
    });
  });
});
