/**
 * A kubesim API server in its own process, for benchmarks that measure a client (the Lifeboat server, a bare
 * load generator) without sharing its event loop or heap. Seeds `--namespaces` namespaces with `--per-kind`
 * ConfigMaps and as many Secrets each (~1 KiB of data apiece) through the in-process API, then prints one
 * JSON line `{ url, kubeconfigPath, objects }` on stdout and serves until its stdin closes.
 *
 *   node --import tsx bench/support/seeded-kubesim.ts --namespaces 1000 --per-kind 50
 */
import { parseArgs } from 'node:util';
import { startKubesim } from '../../src/kubesim/index.ts';

const { values } = parseArgs({
  options: {
    namespaces: { type: 'string', default: '0' },
    'per-kind': { type: 'string', default: '0' },
  },
});
const namespaces = Number(values.namespaces);
const perKind = Number(values['per-kind']);

const sim = await startKubesim({ cluster: false, watchHistory: 10_000 });
const api = sim.api;
const nsRef = api.lookup('', 'v1', 'namespaces');
const cmRef = api.lookup('', 'v1', 'configmaps');
const secretRef = api.lookup('', 'v1', 'secrets');
if (!nsRef || !cmRef || !secretRef) throw new Error('kubesim lacks core resources');

/** Varied text so nothing downstream can gain from repetition across objects. */
export function payload(bytes: number, seed: number): string {
  const chunk = `${seed.toString(36)}-abcdefghijklmnopqrstuvwxyz0123456789-`;
  return chunk.repeat(Math.ceil(bytes / chunk.length)).slice(0, bytes);
}

let objects = 0;
for (let n = 0; n < namespaces; n++) {
  const namespace = `ns-${n}`;
  api.create(nsRef, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  for (let i = 0; i < perKind; i++) {
    const seed = n * perKind + i;
    api.createOwned(cmRef, namespace, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `cm-${i}`, labels: { app: `app-${i % 10}` } },
      data: { payload: payload(1000, seed) },
    });
    api.createOwned(secretRef, namespace, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: `secret-${i}`, labels: { app: `app-${i % 10}` } },
      type: 'Opaque',
      data: { payload: Buffer.from(payload(750, seed)).toString('base64') },
    });
    objects += 2;
  }
}

process.stdout.write(`${JSON.stringify({ url: sim.url, kubeconfigPath: sim.kubeconfigPath, objects })}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  void sim.stop().then(() => process.exit(0));
});
