/**
 * The restore engine alone, in this process (bench/resources.ts measures the whole server instead):
 *
 *   node --expose-gc --import tsx bench/restore-engine.ts [--namespaces 1000] [--per-kind 50] [--bytes 1024]
 *
 * Run from the repository root. For figures without tsx in the restoring process (as the built server runs),
 * bundle first: npx esbuild bench/restore-engine.ts --bundle --platform=node --format=esm
 *   --outfile=/tmp/measure.mjs --banner:js="import {createRequire} from 'node:module';const require=createRequire(import.meta.url);"
 * and run node --expose-gc /tmp/measure.mjs (the kubesim children still run through tsx).
 *
 * Writes a backup of `namespaces × per-kind` ConfigMaps plus as many Secrets (~1 KiB each, format 1.1.0 with
 * the preferred-version copies) to an fs location, then, each against a fresh bare kubesim in its own process:
 * (c) bare creation of the same objects at concurrency 32 through the dynamic client — the floor — and
 * (d) `runRestore` of the backup, with this process's peak RSS sampled every 50 ms. Target: d ≤ 1.5 × c,
 * peak RSS ≤ 400 MiB.
 */

import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { createGzip } from 'node:zlib';
import { pino } from 'pino';
import { pack } from 'tar-stream';
import { parseResource } from '../src/api/validation/validate.ts';
import { systemClock } from '../src/core/clock.ts';
import { connect } from '../src/kube/client.ts';
import { discoverResources } from '../src/kube/discovery.ts';
import { createDynamicClient } from '../src/kube/dynamic-client.ts';
import { transportFor } from '../src/kube/transport.ts';
import type { KubeObject } from '../src/kube/types.ts';
import { runRestore } from '../src/restore/engine.ts';
import { forEachBounded } from '../src/restore/pool.ts';
import { createFsObjectStore } from '../src/storage/fs.ts';
import { backupKeys } from '../src/storage/layout.ts';
import { itemPath } from '../src/storage/tarball-paths.ts';
import { type Child, startChild } from './support/processes.ts';

const MiB = 1024 * 1024;
const { values } = parseArgs({
  options: {
    namespaces: { type: 'string', default: '1000' },
    'per-kind': { type: 'string', default: '50' },
    bytes: { type: 'string', default: '1024' },
    phase: { type: 'string', default: 'all' },
    root: { type: 'string' },
  },
});
const namespaces = Number(values.namespaces);
const perKind = Number(values['per-kind']);
const bytes = Number(values.bytes);

function payload(seed: number): string {
  const chunk = `${seed.toString(36)}-abcdefghijklmnopqrstuvwxyz0123456789-`;
  return chunk.repeat(Math.ceil(bytes / chunk.length)).slice(0, bytes);
}

function* objects(): Generator<{ groupResource: string; object: KubeObject }> {
  let seed = 0;
  for (let n = 0; n < namespaces; n++) {
    const namespace = `ns-${n}`;
    yield {
      groupResource: 'namespaces',
      object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
    };
    for (let i = 0; i < perKind; i++) {
      yield {
        groupResource: 'configmaps',
        object: {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { namespace, name: `cm-${i}` },
          data: { v: payload(seed++) },
        },
      };
      yield {
        groupResource: 'secrets',
        object: {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { namespace, name: `s-${i}` },
          data: { v: Buffer.from(payload(seed++)).toString('base64').slice(0, bytes) },
        },
      };
    }
  }
}

async function writeTarball(path: string): Promise<void> {
  const tar = pack();
  const done = pipeline(tar, createGzip(), createWriteStream(path));
  const entry = (name: string, body: string) =>
    new Promise<void>((resolve, reject) =>
      tar.entry({ name, mode: 0o755 }, body, (e) => (e ? reject(e) : resolve())),
    );
  await entry('metadata/version', '1.1.0\n');
  for (const { groupResource, object } of objects()) {
    const body = JSON.stringify({
      ...object,
      metadata: { ...object.metadata, uid: 'x', resourceVersion: '1' },
    });
    const base = { groupResource, namespace: object.metadata?.namespace, name: object.metadata?.name ?? '' };
    await entry(itemPath(base), body);
    await entry(itemPath({ ...base, version: 'v1', preferred: true }), body);
  }
  tar.finalize();
  await done;
}

/** An empty kubesim in its own process, so its work is not in this process's memory figure. */
async function startSim(): Promise<{ sim: Child<{ kubeconfigPath: string }>; kubeconfig: string }> {
  const sim = await startChild<{ kubeconfigPath: string }>([
    '--import',
    'tsx',
    'bench/support/seeded-kubesim.ts',
  ]);
  return { sim, kubeconfig: sim.ready.kubeconfigPath };
}

async function stopSim(started: { sim: Child<unknown> }): Promise<void> {
  await started.sim.stop();
}

function sampleRss(): { stop(): number } {
  let peak = process.memoryUsage.rss();
  let heap = 0;
  let external = 0;
  const timer = setInterval(() => {
    const rss = process.memoryUsage.rss();
    if (rss > peak) {
      peak = rss;
      const m = process.memoryUsage();
      heap = m.heapTotal;
      external = m.external;
    }
  }, 50);
  process.on('exit', () => {
    if (process.env.RESTORE_MEASURE_VERBOSE)
      console.error(
        `at peak: heapTotal ${(heap / MiB).toFixed(0)} MiB, external ${(external / MiB).toFixed(0)} MiB`,
      );
  });
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, process.memoryUsage.rss());
    },
  };
}

async function restorePhase(root: string): Promise<void> {
  const store = createFsObjectStore({ root, durable: false });
  const sim = await startSim();
  const conn = connect(sim.kubeconfig);
  const catalog = await discoverResources(conn);
  const client = createDynamicClient(conn);
  gc?.();
  const before = process.memoryUsage.rss();
  const rss = sampleRss();
  const t = performance.now();
  const restore = parseResource('Restore', {
    apiVersion: 'lifeboat.io/v1',
    kind: 'Restore',
    metadata: { name: 'measure', namespace: 'lifeboat' },
    spec: { backupName: 'big' },
  });
  const { status } = await runRestore(restore, {
    catalog,
    client,
    store,
    serverNamespace: 'lifeboat',
    logger: pino({ level: 'silent' }),
    clock: systemClock,
    concurrency: 32,
    onProgress: verbose
      ? (p) => {
          const m = process.memoryUsage();
          console.error(
            `${p.itemsRestored}/${p.totalItems} rss ${(m.rss / MiB).toFixed(0)} heapUsed ${(m.heapUsed / MiB).toFixed(0)} heapTotal ${(m.heapTotal / MiB).toFixed(0)} external ${(m.external / MiB).toFixed(0)}`,
          );
        }
      : undefined,
    progressIntervalMs: 5000,
  });
  const seconds = (performance.now() - t) / 1000;
  const peak = rss.stop();
  transportFor(conn.config).close();
  await stopSim(sim);
  const summary = `phase ${status.phase}, ${status.progress?.itemsRestored} items, errors ${status.errors}, warnings ${status.warnings}${status.failureReason ? `, ${status.failureReason}` : ''}`;
  process.stdout.write(`${JSON.stringify({ seconds, peak, before, status: summary })}\n`);
}

const gc = (globalThis as { gc?: () => void }).gc;
const verbose = Boolean(process.env.RESTORE_MEASURE_VERBOSE);
if (values.phase === 'write') {
  const root = values.root ?? '';
  const { mkdirSync } = await import('node:fs');
  mkdirSync(join(root, 'backups', 'big'), { recursive: true });
  await writeTarball(join(root, backupKeys('big').contents));
  await createFsObjectStore({ root, durable: false }).put(
    backupKeys('big').metadata,
    JSON.stringify({ kind: 'Backup', status: { phase: 'Completed' } }),
  );
  process.exit(0);
}
if (values.phase === 'restore') {
  await restorePhase(values.root ?? '');
  process.exit(0);
}
const dir = mkdtempSync(join(tmpdir(), 'restore-measure-'));
try {
  const store = createFsObjectStore({ root: dir, durable: false });
  const keys = backupKeys('big');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(join(dir, 'backups', 'big'), { recursive: true });
  let t = performance.now();
  await writeTarball(join(dir, keys.contents));
  await store.put(keys.metadata, JSON.stringify({ kind: 'Backup', status: { phase: 'Completed' } }));
  const total = namespaces * perKind * 2;
  console.log(
    `backup of ${total} objects (+${namespaces} namespaces) written in ${((performance.now() - t) / 1000).toFixed(1)} s`,
  );

  // (c) bare concurrent creation
  const sim = await startSim();
  const conn = connect(sim.kubeconfig);
  const catalog = await discoverResources(conn);
  const client = createDynamicClient(conn);
  const nsRes = catalog.resolve('namespaces')!;
  const byResource = { configmaps: catalog.resolve('configmaps')!, secrets: catalog.resolve('secrets')! };
  t = performance.now();
  const all = [...objects()];
  await forEachBounded(
    all.filter((o) => o.groupResource === 'namespaces'),
    32,
    async (o) => {
      await client.create(nsRes, o.object);
    },
  );
  await forEachBounded(
    all.filter((o) => o.groupResource !== 'namespaces'),
    32,
    async (o) => {
      await client.create(byResource[o.groupResource as 'configmaps'], o.object);
    },
  );
  const bare = (performance.now() - t) / 1000;
  all.length = 0;
  console.log(
    `(c) bare creation at concurrency 32: ${bare.toFixed(1)} s (${Math.round((total + namespaces) / bare)} objects/s)`,
  );
  transportFor(conn.config).close();
  await stopSim(sim);

  // (d) restore, in a fresh process so its RSS is the restore's alone
  const child = spawn(
    process.execPath,
    [
      '--expose-gc',
      ...(import.meta.url.endsWith('.ts') ? ['--import', 'tsx'] : []),
      new URL(import.meta.url).pathname,
      '--phase',
      'restore',
      '--root',
      dir,
      ...process.argv.slice(2),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  await new Promise((r) => child.on('exit', r));
  const measured = JSON.parse(out.trim().split('\n').pop() ?? '{}') as {
    seconds: number;
    peak: number;
    before: number;
    status: string;
  };
  console.log(`(d) restore: ${measured.seconds.toFixed(1)} s, ${measured.status}`);
  console.log(
    `    RSS of the restoring process: before ${(measured.before / MiB).toFixed(0)} MiB, peak ${(measured.peak / MiB).toFixed(0)} MiB`,
  );
  console.log(`    ratio restore / bare creation = ${(measured.seconds / bare).toFixed(2)} (target ≤ 1.5)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
