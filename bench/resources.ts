/**
 * Backup and restore of API objects at scale (issue 3's figures), each tool in its own process:
 *
 *   node --import tsx bench/resources.ts                       # 1,000 namespaces × (50 ConfigMaps + 50 Secrets)
 *   node --import tsx bench/resources.ts --namespaces 100      # a smaller run
 *
 * (a) a bare paged list (limit 500) of every ConfigMap and Secret through Lifeboat's Kubernetes client: the floor
 *     for a backup, which must at least read them all;
 * (b) `lifeboat server` backing them up (a Backup of the whole cluster into an fs location), wall time from the
 *     Backup's creation to its Completed status, and the server process's peak RSS;
 * (c) bare creation of the same namespaces and objects into an empty kubesim at concurrency 32: the floor for a
 *     restore, which must at least create them all;
 * (d) `lifeboat server` restoring that backup into another empty kubesim (a migration: the location is shared,
 *     and the second cluster knows the backup only from storage), wall time and peak RSS.
 * Targets: (b) ≤ 1.5 × (a), (d) ≤ 1.5 × (c), peak RSS ≤ 400 MiB in both. kubesim runs in a separate process
 * throughout, so its own work is not in the Lifeboat server's memory figure, though it shares the two cores.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { connect, createDynamicClient, discoverResources, LifeboatClient } from '../src/kube/index.ts';
import type { DynamicClient, KubeObject } from '../src/kube/types.ts';
import { buildCli } from './support/build.ts';
import { type Child, startChild } from './support/processes.ts';

const MiB = 1024 * 1024;
const { values } = parseArgs({
  options: {
    namespaces: { type: 'string', default: '1000' },
    'per-kind': { type: 'string', default: '50' },
    /** `backup` or `restore`: run (a)+(b) or (a)+(b)+(c)+(d) minus (c) — for profiling one side. */
    only: { type: 'string' },
  },
});
const namespaces = Number(values.namespaces);
const perKind = Number(values['per-kind']);
const total = namespaces * perKind * 2;
const work = mkdtempSync(join(tmpdir(), 'lifeboat-bench-resources-'));
const storageRoot = join(work, 'storage');
const tsx = ['--import', 'tsx'];
let cli: string[] = [];

type Sim = Child<{ url: string; kubeconfigPath: string; objects: number }>;

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

function load(): string {
  return loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
}

async function startSim(seed: boolean): Promise<Sim> {
  return startChild([
    ...tsx,
    'bench/support/seeded-kubesim.ts',
    ...(seed ? ['--namespaces', `${namespaces}`, '--per-kind', `${perKind}`] : []),
  ]);
}

async function run(args: string[]): Promise<void> {
  const child = await startChild([...cli, ...args], { waitForJsonLine: false });
  const code = await new Promise<number | null>((resolve) => {
    if (child.process.exitCode !== null) resolve(child.process.exitCode);
    else child.process.once('exit', resolve);
  });
  if (code !== 0) throw new Error(`lifeboat ${args.join(' ')} exited ${code}`);
}

async function install(kubeconfig: string): Promise<void> {
  await run([
    'install',
    '--kubeconfig',
    kubeconfig,
    '--provider',
    'fs',
    '--bucket',
    'backups',
    '--config',
    `root=${storageRoot}`,
    '--no-secret',
  ]);
}

/** Starts `lifeboat server` and waits until /readyz answers 200, so start-up is not part of any figure. */
async function startServer(kubeconfig: string): Promise<Child<undefined>> {
  const port = await freePort();
  // BENCH_CPU_PROF=<dir>: a V8 CPU profile of each server run lands there (for finding where the time goes).
  const profile = process.env.BENCH_CPU_PROF
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`]
    : [];
  const server = await startChild<undefined>(
    [
      ...profile,
      ...cli,
      'server',
      '--kubeconfig',
      kubeconfig,
      '--no-leader-elect',
      '--metrics-address',
      `127.0.0.1:${port}`,
      '--log-level',
      // BENCH_SERVER_LOG_LEVEL=info|debug: the server's log on stderr (for finding where fixed costs go).
      process.env.BENCH_SERVER_LOG_LEVEL ?? 'warn',
    ],
    { waitForJsonLine: false },
  );
  for (;;) {
    if (server.process.exitCode !== null)
      throw new Error(`lifeboat server exited ${server.process.exitCode}`);
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) return server;
    await new Promise((r) => setTimeout(r, 100));
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

const FINAL = (phase: string | undefined): phase is string =>
  !!phase && !['New', 'InProgress', 'WaitingForPluginOperations', 'Finalizing'].includes(phase);

/**
 * Watches the resource until its phase is final; returns the phase, when the watch delivered it (a poll
 * would add up to its interval to the figure), and the server's peak RSS (the kernel's high-water mark).
 */
async function waitFinished(
  lifeboat: LifeboatClient,
  kind: 'Backup' | 'Restore',
  name: string,
  server: Child<undefined>,
): Promise<{ phase: string; at: number; peak: number }> {
  const resource = lifeboat.resource(kind);
  for (;;) {
    const current = (await lifeboat.client.get(resource, 'lifeboat', name)) as
      | { status?: { phase?: string }; metadata?: { resourceVersion?: string } }
      | undefined;
    const phase = current?.status?.phase;
    if (FINAL(phase)) return { phase, at: performance.now(), peak: server.peakRss() };
    const stop = new AbortController();
    let seen: { phase: string; at: number } | undefined;
    await lifeboat.client
      .watch(
        resource,
        {
          namespace: 'lifeboat',
          fieldSelector: `metadata.name=${name}`,
          resourceVersion: current?.metadata?.resourceVersion ?? '0',
          timeoutSeconds: 60,
        },
        (_type, object) => {
          const p = (object as { status?: { phase?: string } }).status?.phase;
          if (!seen && FINAL(p)) {
            seen = { phase: p, at: performance.now() };
            stop.abort();
          }
        },
        stop.signal,
      )
      .catch(() => undefined); // a lost watch: read again and watch anew
    if (seen) return { ...seen, peak: server.peakRss() };
  }
}

/** CPU seconds of this process (the bare client of (a) and (c)). */
function ownCpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/** CPU per object of one step: the Lifeboat process (or the bare client) and kubesim, in µs. */
function cpuLine(client: number, sim: number): string {
  const us = (s: number): string => `${Math.round((s * 1e6) / total)} µs`;
  return `CPU ${client.toFixed(2)} s (${us(client)}/object), kubesim ${sim.toFixed(2)} s (${us(sim)}/object)`;
}

async function bareList(client: DynamicClient, kubeconfig: string): Promise<number> {
  const catalog = await discoverResources(connect(kubeconfig));
  let count = 0;
  const started = performance.now();
  for (const name of ['configmaps', 'secrets']) {
    const resource = catalog.resolve(name)!;
    for await (const page of client.listPages(resource, { limit: 500 })) count += page.items.length;
  }
  const elapsed = performance.now() - started;
  if (count < total) throw new Error(`listed ${count} objects, expected at least ${total}`);
  return elapsed;
}

async function bareCreate(kubeconfig: string): Promise<number> {
  const conn = connect(kubeconfig);
  const client = createDynamicClient(conn);
  const catalog = await discoverResources(conn);
  const [ns, cm, secret] = ['namespaces', 'configmaps', 'secrets'].map((n) => catalog.resolve(n)!);
  const started = performance.now();
  for (let n = 0; n < namespaces; n++) {
    await client.create(ns, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: `ns-${n}` } });
  }
  let next = 0;
  const jobs = namespaces * perKind * 2;
  const worker = async (): Promise<void> => {
    for (let j = next++; j < jobs; j = next++) {
      const n = Math.floor(j / (perKind * 2));
      const i = Math.floor((j % (perKind * 2)) / 2);
      const namespace = `ns-${n}`;
      const seed = n * perKind + i;
      const text = `${seed.toString(36)}-abcdefghijklmnopqrstuvwxyz0123456789-`.repeat(30);
      const object: KubeObject =
        j % 2 === 0
          ? {
              apiVersion: 'v1',
              kind: 'ConfigMap',
              metadata: { name: `cm-${i}`, namespace, labels: { app: `app-${i % 10}` } },
              data: { payload: text.slice(0, 1000) },
            }
          : {
              apiVersion: 'v1',
              kind: 'Secret',
              metadata: { name: `secret-${i}`, namespace, labels: { app: `app-${i % 10}` } },
              type: 'Opaque',
              data: { payload: Buffer.from(text.slice(0, 750)).toString('base64') },
            };
      await client.create(j % 2 === 0 ? cm : secret, object);
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));
  return performance.now() - started;
}

async function measureBareCreate(): Promise<number> {
  const bare = await startSim(false);
  const cpu = ownCpuSeconds();
  const simCpu = bare.cpuSeconds();
  const createMs = await bareCreate(bare.ready.kubeconfigPath);
  console.log(
    `(c) bare create, concurrency 32: ${seconds(createMs)} (${Math.round((total + namespaces) / (createMs / 1000))} objects/s); ${cpuLine(ownCpuSeconds() - cpu, bare.cpuSeconds() - simCpu)}  [load ${load()}]`,
  );
  await bare.stop();
  return createMs;
}

async function main(): Promise<void> {
  cli = [buildCli(work)];
  console.log(
    `# ${total} objects (${namespaces} namespaces × ${perKind} ConfigMaps + ${perKind} Secrets); 2 cores; load ${load()}`,
  );

  // (a) and (b) on the seeded cluster.
  const source = await startSim(true);
  const sourceClient = createDynamicClient(connect(source.ready.kubeconfigPath));
  let cpu = ownCpuSeconds();
  let simCpu = source.cpuSeconds();
  const listMs = await bareList(sourceClient, source.ready.kubeconfigPath);
  console.log(
    `(a) bare paged list: ${seconds(listMs)} (${Math.round(total / (listMs / 1000))} objects/s); ${cpuLine(ownCpuSeconds() - cpu, source.cpuSeconds() - simCpu)}  [load ${load()}]`,
  );

  await install(source.ready.kubeconfigPath);
  let server = await startServer(source.ready.kubeconfigPath);
  const sourceLifeboat = new LifeboatClient(sourceClient);
  cpu = server.cpuSeconds();
  simCpu = source.cpuSeconds();
  const backupStarted = performance.now();
  await sourceLifeboat.create('Backup', {
    apiVersion: 'lifeboat.io/v1',
    kind: 'Backup',
    metadata: { name: 'everything', namespace: 'lifeboat' },
    spec: { includedNamespaces: ['ns-*'] },
  } as never);
  const backup = await waitFinished(sourceLifeboat, 'Backup', 'everything', server);
  const backupMs = backup.at - backupStarted;
  console.log(
    `(b) lifeboat backup: ${seconds(backupMs)} = ${(backupMs / listMs).toFixed(2)} × (a), phase ${backup.phase}, server peak RSS ${Math.round(backup.peak / MiB)} MiB; ${cpuLine(server.cpuSeconds() - cpu, source.cpuSeconds() - simCpu)}  [load ${load()}]`,
  );
  await server.stop();
  await source.stop();
  if (values.only === 'backup') return;

  // (c) on an empty cluster.
  let createMs = Number.NaN;
  if (values.only !== 'restore') createMs = await measureBareCreate();

  // (d) into another empty cluster that shares the location.
  const target = await startSim(false);
  await install(target.ready.kubeconfigPath);
  server = await startServer(target.ready.kubeconfigPath);
  const targetLifeboat = new LifeboatClient(createDynamicClient(connect(target.ready.kubeconfigPath)));
  cpu = server.cpuSeconds();
  simCpu = target.cpuSeconds();
  const restoreStarted = performance.now();
  await targetLifeboat.create('Restore', {
    apiVersion: 'lifeboat.io/v1',
    kind: 'Restore',
    metadata: { name: 'everything', namespace: 'lifeboat' },
    spec: { backupName: 'everything' },
  } as never);
  const restore = await waitFinished(targetLifeboat, 'Restore', 'everything', server);
  const restoreMs = restore.at - restoreStarted;
  console.log(
    `(d) lifeboat restore: ${seconds(restoreMs)} = ${(restoreMs / createMs).toFixed(2)} × (c), phase ${restore.phase}, server peak RSS ${Math.round(restore.peak / MiB)} MiB; ${cpuLine(server.cpuSeconds() - cpu, target.cpuSeconds() - simCpu)}  [load ${load()}]`,
  );
  await server.stop();
  await target.stop();

  const met =
    backupMs <= 1.5 * listMs &&
    restoreMs <= 1.5 * createMs &&
    backup.peak <= 400 * MiB &&
    restore.peak <= 400 * MiB;
  console.log(
    `targets (backup ≤ 1.5 × list, restore ≤ 1.5 × create, peak RSS ≤ 400 MiB): ${met ? 'met' : 'NOT met'}`,
  );
}

try {
  await main();
} finally {
  rmSync(work, { recursive: true, force: true });
}
