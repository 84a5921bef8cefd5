/**
 * CSI snapshots taken in one backup (issue 5's figure): N PVCs on kubesim's hostpath driver, a
 * VolumeSnapshotClass whose simulated provider latency is L ms per snapshot, and `CsiSnapshotter.snapshot`
 * called for every PVC at once (concurrency 64, Lifeboat's default). Prints the total wall time beside one
 * snapshot's and the ratio; target: total < 3 × one snapshot's latency.
 *
 *   node --import tsx bench/csi-snapshots.ts                          # 200 PVCs, 2000 ms latency
 *   node --import tsx bench/csi-snapshots.ts --pvcs 900 --latency 5000
 *
 * kubesim runs in this process (its API server over HTTP on 127.0.0.1), so the figure includes its work.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { systemClock } from '../src/core/clock.ts';
import { connect, createDynamicClient, discoverResources, transportFor } from '../src/kube/index.ts';
import { startKubesim } from '../src/kubesim/index.ts';
import { CsiSnapshotter } from '../src/volumes/csi/index.ts';
import {
  boundClaim,
  claim,
  immediateStorageClass,
  lifeboatSnapshotClass,
  resource,
  testBackup,
} from '../src/volumes/csi/test-support.ts';

const { values } = parseArgs({
  options: {
    pvcs: { type: 'string', default: '200' },
    latency: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '64' },
  },
});
const pvcs = Number(values.pvcs);
const latencyMs = Number(values.latency);
const concurrency = Number(values.concurrency);

const dataDir = mkdtempSync(join(tmpdir(), 'bench-csi-'));
const sim = await startKubesim({ dataDir, nodes: 1 });
const conn = connect(sim.kubeconfigPath);
try {
  const client = createDynamicClient(conn);
  const catalog = await discoverResources(conn);
  await client.create(resource(catalog, 'storageclasses'), immediateStorageClass('fast'));
  await client.create(
    resource(catalog, 'volumesnapshotclasses'),
    lifeboatSnapshotClass('bench-snap', latencyMs),
  );
  await client.create(resource(catalog, 'namespaces'), {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'bench' },
  });
  const snapshotter = new CsiSnapshotter({
    client,
    catalog,
    logger: pino({ level: 'silent' }),
    clock: systemClock,
    namespace: 'lifeboat',
    concurrency,
  });
  const make = async (i: number) => {
    await client.create(resource(catalog, 'persistentvolumeclaims'), claim('bench', `v${i}`, 'fast'));
    return boundClaim(client, catalog, 'bench', `v${i}`, 120_000);
  };
  const one = await make(-1);
  let t = performance.now();
  await snapshotter.snapshot(testBackup('single'), one.pvc, one.pv);
  const single = performance.now() - t;
  const claims = await Promise.all(Array.from({ length: pvcs }, (_, i) => make(i)));
  t = performance.now();
  await Promise.all(claims.map(({ pvc, pv }) => snapshotter.snapshot(testBackup('many'), pvc, pv)));
  const total = performance.now() - t;
  console.log(
    `provider latency per snapshot: ${latencyMs} ms; concurrency ${concurrency}; load ${loadavg()[0]?.toFixed(1)}`,
  );
  console.log(`one snapshot through Lifeboat: ${single.toFixed(0)} ms`);
  console.log(
    `${pvcs} snapshots in one backup: ${total.toFixed(0)} ms = ${(total / latencyMs).toFixed(2)} × the latency (target < 3)`,
  );
  console.log(
    `reproduce: node --import tsx bench/csi-snapshots.ts --pvcs ${pvcs} --latency ${latencyMs} --concurrency ${concurrency}`,
  );
} finally {
  transportFor(conn.config).close();
  await sim.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
