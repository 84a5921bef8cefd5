/**
 * How much the dynamic client's paged list costs over raw HTTP: kubesim (API server only, same process) seeded
 * with N 1-KiB ConfigMaps in 100 namespaces; then, alternating, (a) raw keep-alive http.get of every page,
 * JSON-parsed (a client must parse to find the continue token), and (b) `DynamicClient.listPages`.
 *
 * Both again with the caller serializing every item before asking for more, where the client's read-ahead of
 * the next page shows.
 *
 *   node --expose-gc --import tsx bench/kube-list.ts [objects=100000] [rounds=3]
 */
import * as http from 'node:http';
import { connect } from '../src/kube/client.ts';
import { discoverResources } from '../src/kube/discovery.ts';
import { createDynamicClient } from '../src/kube/dynamic-client.ts';
import { transportFor } from '../src/kube/transport.ts';
import { startKubesim } from '../src/kubesim/index.ts';

const objects = Number(process.argv[2] ?? 100_000);
const rounds = Number(process.argv[3] ?? 3);
const sim = await startKubesim({ cluster: false });
const nsRef = sim.api.lookup('', 'v1', 'namespaces')!;
const cmRef = sim.api.lookup('', 'v1', 'configmaps')!;
for (let n = 0; n < 100; n++) {
  sim.api.create(nsRef, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: `ns-${n}` } });
}
const payload = 'abcdefghijklmnopqrstuvwxyz0123456789'.repeat(29).slice(0, 1024);
for (let i = 0; i < objects; i++) {
  sim.api.createOwned(cmRef, `ns-${i % 100}`, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: `cm-${i}`, labels: { app: `app-${i % 50}` } },
    data: { payload },
  });
}
const conn = connect(sim.kubeconfigPath);
const client = createDynamicClient(conn);
const configmaps = (await discoverResources(conn)).resolve('configmaps')!;
const agent = new http.Agent({ keepAlive: true });

/** What a backup does with each item before it asks for more: serialize it (the tar entry's body). */
let sink = 0;
function work(items: unknown[]): void {
  for (const item of items) sink += JSON.stringify(item).length;
}

async function raw(withWork = false): Promise<number> {
  let count = 0;
  let token = '';
  do {
    const url = `${sim.url}/api/v1/configmaps?limit=500${token ? `&continue=${encodeURIComponent(token)}` : ''}`;
    const body = await new Promise<string>((resolve, reject) => {
      http
        .get(url, { agent, headers: { Accept: 'application/json' } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
          res.on('error', reject);
        })
        .on('error', reject);
    });
    const page = JSON.parse(body) as { items: unknown[]; metadata: { continue?: string } };
    count += page.items.length;
    if (withWork) work(page.items);
    token = page.metadata.continue ?? '';
  } while (token);
  return count;
}

async function viaClient(withWork = false): Promise<number> {
  let count = 0;
  for await (const page of client.listPages(configmaps)) {
    count += page.items.length;
    if (withWork) work(page.items);
  }
  return count;
}

const gc = (globalThis as { gc?: () => void }).gc;
const times: Record<'raw' | 'client' | 'rawWork' | 'clientWork', number[]> = {
  raw: [],
  client: [],
  rawWork: [],
  clientWork: [],
};
for (let r = 0; r < rounds; r++) {
  for (const [name, fn] of [
    ['raw', () => raw()],
    ['client', () => viaClient()],
    ['rawWork', () => raw(true)],
    ['clientWork', () => viaClient(true)],
  ] as const) {
    gc?.();
    const start = performance.now();
    const n = await fn();
    times[name].push(performance.now() - start);
    if (n !== objects) throw new Error(`${name} listed ${n} of ${objects}`);
  }
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const line = (label: string, a: number[], b: number[]): string =>
  `${label}: raw HTTP ${median(a).toFixed(0)} ms, DynamicClient.listPages ${median(b).toFixed(0)} ms (×${(median(b) / median(a)).toFixed(2)})`;
console.log(
  `${objects} 1-KiB ConfigMaps, pages of 500, medians of ${rounds} (serialized ${sink} bytes in all)`,
);
console.log(line('  list only', times.raw, times.client));
console.log(line('  list + serialize each item', times.rawWork, times.clientWork));
agent.destroy();
transportFor(conn.config).close();
await sim.stop();
