/**
 * kubesim API server benchmark (not part of `npm test`).
 *
 *   node --expose-gc --import tsx bench/kubesim.ts       # or: npm run bench:kubesim (no exact post-seed GC)
 *   node --expose-gc --import tsx bench/kubesim.ts --objects 50000 --creates 10000 --watchers 10
 *
 * Seeds ConfigMaps and Secrets of 1 KiB across 1,000 namespaces (200,000 objects by default) through the
 * in-process API of a bare API server (no simulated cluster), then drives its HTTP server from a separate
 * load-generator process (so the two share the machine's cores as a real client and server would): paged list
 * throughput (limit 500, every object of both kinds), create throughput at concurrency 32, and watch fan-out
 * latency (50 watchers, from the moment a write is sent to the moment each watcher has its event). Prints the
 * server process's RSS after seeding and its peak, the server's CPU per object in each phase, and, for scale,
 * the same create load against a bare node:http server (the machine's ceiling for that request pattern at that
 * moment: on a shared machine, neighbours' load moves every figure). Targets on a 2-core machine: list ≥
 * 50,000 objects/s, create ≥ 5,000 objects/s, ≤ 1.5 GiB.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect, type Socket } from 'node:net';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { startKubesim } from '../src/kubesim/index.ts';

const MiB = 1024 * 1024;

type LoadResult = {
  list: { objects: number; pages: number; seconds: number };
  create: { objects: number; seconds: number; errors: number; clientCpuUs: number };
  watch: { watchers: number; writes: number; samples: number; p50: number; p99: number; max: number };
  /** The create load against a bare node:http server, for the machine's ceiling at the time. */
  baseline: { objects: number; seconds: number; errors: number; clientCpuUs: number };
};

function payload(bytes: number, seed: number): string {
  // Varied content so nothing downstream can cheat on repetition.
  const chunk = `${seed.toString(36)}-abcdefghijklmnopqrstuvwxyz0123456789-`;
  return chunk.repeat(Math.ceil(bytes / chunk.length)).slice(0, bytes);
}

// ---------------------------------------------------------------------------------------------- server side

async function server(args: {
  objects: number;
  namespaces: number;
  creates: number;
  watchers: number;
}): Promise<void> {
  // The API server alone: the simulated cluster's controllers would add their own load to what is measured.
  const sim = await startKubesim({ cluster: false, watchHistory: 100_000 });
  const api = sim.api;
  const nsRef = api.lookup('', 'v1', 'namespaces')!;
  const cmRef = api.lookup('', 'v1', 'configmaps')!;
  const secretRef = api.lookup('', 'v1', 'secrets')!;
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 100);
  sampler.unref();

  const seedStart = performance.now();
  for (let n = 0; n < args.namespaces; n++) {
    api.create(nsRef, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: `ns-${n}` } });
  }
  const perKind = Math.floor(args.objects / 2);
  for (let i = 0; i < perKind; i++) {
    const namespace = `ns-${i % args.namespaces}`;
    api.createOwned(cmRef, namespace, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `cm-${i}`, labels: { app: `app-${i % 50}`, tier: i % 2 ? 'web' : 'db' } },
      data: { payload: payload(1024, i) },
    });
    api.createOwned(secretRef, namespace, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: `secret-${i}`, labels: { app: `app-${i % 50}` } },
      type: 'Opaque',
      data: { payload: Buffer.from(payload(768, i)).toString('base64') },
    });
  }
  const seedSeconds = (performance.now() - seedStart) / 1000;
  (globalThis as { gc?: () => void }).gc?.();
  const seededRss = process.memoryUsage().rss;
  peak = Math.max(peak, seededRss);
  const heap = process.memoryUsage().heapUsed;
  console.log(
    `seeded ${2 * perKind} objects (1 KiB ConfigMaps + Secrets) in ${args.namespaces} namespaces in ${seedSeconds.toFixed(1)} s (${Math.round((2 * perKind) / seedSeconds)} objects/s in-process)`,
  );
  console.log(
    `memory after seeding: RSS ${(seededRss / MiB).toFixed(0)} MiB, heap used ${(heap / MiB).toFixed(0)} MiB`,
  );

  const baseline = await startBaseline();
  const result = await runLoadGenerator(sim.url, baseline.url, args);
  await baseline.close();
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  const { list, create, watch } = result;
  const cpu = (phase: string, n: number): string => {
    const ms = phaseCpu.get(phase);
    return ms === undefined ? '' : `; server CPU ${((ms * 1000) / n).toFixed(1)} µs/object`;
  };
  console.log(
    `paged list (limit 500): ${list.objects} objects in ${list.pages} pages, ${list.seconds.toFixed(2)} s → ${Math.round(list.objects / list.seconds)} objects/s${cpu('list', list.objects)}`,
  );
  console.log(
    `create, concurrency 32: ${create.objects} objects in ${create.seconds.toFixed(2)} s → ${Math.round(create.objects / create.seconds)} objects/s (${create.errors} errors)${cpu('create', create.objects)}, load generator CPU ${create.clientCpuUs.toFixed(1)} µs/object`,
  );
  console.log(
    `watch fan-out: ${watch.watchers} watchers × ${watch.writes} writes = ${watch.samples} deliveries; write→delivery p50 ${watch.p50.toFixed(2)} ms, p99 ${watch.p99.toFixed(2)} ms, max ${watch.max.toFixed(2)} ms`,
  );
  const b = result.baseline;
  console.log(
    `baseline, the same creates against a bare node:http server that parses and re-serializes each body: ${Math.round(b.objects / b.seconds)} objects/s${cpu('baseline', b.objects)} (the machine's ceiling for this load right now; load average ${loadavg()[0].toFixed(1)})`,
  );
  console.log(`peak RSS of the server process: ${(peak / MiB).toFixed(0)} MiB`);
  const ok =
    list.objects / list.seconds >= 50_000 && create.objects / create.seconds >= 5_000 && peak <= 1536 * MiB;
  console.log(`targets (list ≥ 50k/s, create ≥ 5k/s, RSS ≤ 1.5 GiB): ${ok ? 'met' : 'NOT met'}`);
  await sim.stop();
}

/** Server CPU time (user + system, ms) spent in each phase the load generator announces. */
const phaseCpu = new Map<string, number>();

/** A node:http server doing the least a create can: read the body, parse it, stamp it, serialize it, answer 201. */
async function startBaseline(): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer({ keepAlive: true }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const obj = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { metadata: Record<string, unknown> };
      obj.metadata.uid = randomUUID();
      obj.metadata.resourceVersion = '1';
      const json = JSON.stringify(obj);
      res.writeHead(201, [
        'Content-Type',
        'application/json',
        'Content-Length',
        String(Buffer.byteLength(json)),
      ]);
      res.end(json);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function runLoadGenerator(
  url: string,
  baselineUrl: string,
  args: { objects: number; creates: number; watchers: number },
): Promise<LoadResult> {
  let current: { phase: string; cpu: NodeJS.CpuUsage } | undefined;
  const mark = (phase: string): void => {
    const cpu = process.cpuUsage();
    if (current) {
      const d = process.cpuUsage(current.cpu);
      phaseCpu.set(current.phase, (d.user + d.system) / 1000);
    }
    current = { phase, cpu };
  };
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        new URL(import.meta.url).pathname,
        '--load',
        url,
        '--baseline',
        baselineUrl,
        '--objects',
        String(args.objects),
        '--creates',
        String(args.creates),
        '--watchers',
        String(args.watchers),
      ],
      { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
    );
    let result: LoadResult | undefined;
    child.on('message', (m: { mark?: string; result?: LoadResult }) => {
      if (m.mark) mark(m.mark);
      if (m.result) result = m.result;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0 || !result) reject(new Error(`load generator exited ${code}`));
      else resolve(result);
    });
  });
}

// ---------------------------------------------------------------------------------------------- client side

type Reply = { status: number; body: string };

/** node:http client request (used where its cost does not matter: warm-up, the watch writer). */
function send(agent: Agent, url: string, method: string, body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = body
      ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }
      : {};
    const req = request(url, { method, agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * A keep-alive HTTP/1.1 connection with one request in flight, reading Content-Length framed replies. Node's
 * http client costs the load generator more CPU per request than the server spends answering; on a 2-core
 * machine that would measure the client, so the throughput phases use this.
 */
class RawConnection {
  readonly #socket: Socket;
  #chunks: Buffer[] = [];
  #size = 0;
  #waiting: ((reply: { status: number; body: Buffer }) => void) | undefined;

  constructor(host: string, port: number) {
    this.#socket = connect({ host, port, noDelay: true });
    this.#socket.on('data', (chunk: Buffer) => {
      this.#chunks.push(chunk);
      this.#size += chunk.length;
      this.#tryReply();
    });
    this.#socket.on('error', () => {});
  }

  /** One request's bytes, ready to send. */
  static encode(method: string, path: string, body?: Buffer): Buffer {
    const head =
      `${method} ${path} HTTP/1.1\r\nHost: kubesim\r\nAccept: application/json\r\n` +
      (body ? `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n` : '') +
      '\r\n';
    return body ? Buffer.concat([Buffer.from(head), body]) : Buffer.from(head);
  }

  request(method: string, path: string, body?: Buffer): Promise<{ status: number; body: Buffer }> {
    return this.send(RawConnection.encode(method, path, body));
  }

  send(bytes: Buffer): Promise<{ status: number; body: Buffer }> {
    return new Promise((resolve) => {
      this.#waiting = resolve;
      this.#socket.write(bytes);
    });
  }

  #need = -1;
  #head = '';
  #headLength = 0;

  #tryReply(): void {
    if (this.#need < 0) {
      const data = this.#chunks.length === 1 ? this.#chunks[0] : Buffer.concat(this.#chunks);
      this.#chunks = [data];
      const headEnd = data.indexOf('\r\n\r\n');
      if (headEnd < 0) return;
      this.#head = data.subarray(0, headEnd).toString('latin1');
      this.#headLength = headEnd + 4;
      this.#need = this.#headLength + Number(/content-length: *(\d+)/i.exec(this.#head)?.[1] ?? 0);
    }
    // Bodies arrive in many chunks (a 500-item page is ~650 KB); join them once, when all are here.
    if (this.#size < this.#need) return;
    const data = this.#chunks.length === 1 ? this.#chunks[0] : Buffer.concat(this.#chunks);
    const body = data.subarray(this.#headLength, this.#need);
    const rest = data.subarray(this.#need);
    this.#chunks = rest.length ? [rest] : [];
    this.#size = rest.length;
    this.#need = -1;
    const resolve = this.#waiting;
    this.#waiting = undefined;
    resolve?.({ status: Number(this.#head.slice(9, 12)), body });
  }

  close(): void {
    this.#socket.destroy();
  }
}

const ITEM_START = Buffer.from('{"apiVersion":"v1","kind":"');

/** Items in a list reply, counted without building them (the server writes each item apiVersion-first). */
function countItems(body: Buffer, from: number): number {
  let n = 0;
  for (let i = body.indexOf(ITEM_START, from); i >= 0; i = body.indexOf(ITEM_START, i + ITEM_START.length))
    n++;
  return n;
}

async function pagedList(url: string): Promise<LoadResult['list']> {
  const { hostname, port } = new URL(url);
  const conn = new RawConnection(hostname, Number(port));
  let objects = 0;
  let pages = 0;
  const start = performance.now();
  for (const path of ['/api/v1/configmaps', '/api/v1/secrets']) {
    let token: string | undefined;
    let first = true;
    do {
      const q = `?limit=500${token ? `&continue=${encodeURIComponent(token)}` : ''}`;
      const reply = await conn.request('GET', `${path}${q}`);
      if (reply.status !== 200)
        throw new Error(`list ${path}: ${reply.status} ${reply.body.toString().slice(0, 200)}`);
      const itemsAt = reply.body.indexOf(',"items":[');
      const metaAt = reply.body.indexOf('"metadata":');
      const metadata = JSON.parse(reply.body.subarray(metaAt + 11, itemsAt).toString()) as {
        continue?: string;
      };
      const count = countItems(reply.body, itemsAt);
      if (first) {
        // Once per kind, check the cheap count against a full parse of the page.
        const parsed = JSON.parse(reply.body.toString()) as { items: unknown[] };
        if (parsed.items.length !== count)
          throw new Error(`item count ${count} ≠ parsed ${parsed.items.length}`);
        first = false;
      }
      objects += count;
      pages++;
      token = metadata.continue;
    } while (token);
  }
  conn.close();
  return { objects, pages, seconds: (performance.now() - start) / 1000 };
}

async function createMany(url: string, count: number, concurrency: number): Promise<LoadResult['create']> {
  const { hostname, port } = new URL(url);
  // Every request is serialized before the clock starts, so the load generator spends its CPU on the wire.
  const payloadText = payload(1024, 7);
  const requests = Array.from({ length: count }, (_, i) => {
    const body = Buffer.from(
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: `new-${i}`, labels: { bench: 'create' } },
        data: { payload: payloadText },
      }),
    );
    return RawConnection.encode('POST', `/api/v1/namespaces/ns-${i % 1000}/configmaps`, body);
  });
  let next = 0;
  let errors = 0;
  const worker = async (): Promise<void> => {
    const conn = new RawConnection(hostname, Number(port));
    while (next < count) {
      const reply = await conn.send(requests[next++]);
      if (reply.status !== 201) errors++;
    }
    conn.close();
  };
  const start = performance.now();
  const cpu = process.cpuUsage();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const used = process.cpuUsage(cpu);
  return {
    objects: count,
    seconds: (performance.now() - start) / 1000,
    errors,
    clientCpuUs: (used.user + used.system) / count,
  };
}

async function watchFanOut(url: string, watchers: number, writes: number): Promise<LoadResult['watch']> {
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  const watchAgent = new Agent({ keepAlive: true, maxSockets: watchers + 1 });
  const list = JSON.parse(
    (await send(watchAgent, `${url}/api/v1/namespaces/ns-0/configmaps?limit=1`, 'GET')).body,
  ) as {
    metadata: { resourceVersion: string };
  };
  const rv = list.metadata.resourceVersion;
  const requests = await Promise.all(
    Array.from(
      { length: watchers },
      () =>
        new Promise<ReturnType<typeof request>>((resolve, reject) => {
          const req = request(
            `${url}/api/v1/namespaces/ns-0/configmaps?watch=true&resourceVersion=${rv}&labelSelector=bench%3Dwatch`,
            { agent: watchAgent },
            (res) => {
              let buffer = '';
              res.setEncoding('utf8');
              res.on('data', (chunk: string) => {
                const now = performance.now();
                buffer += chunk;
                let nl = buffer.indexOf('\n');
                while (nl >= 0) {
                  const event = JSON.parse(buffer.slice(0, nl)) as { object: { metadata: { name: string } } };
                  const t = sentAt.get(event.object.metadata.name);
                  if (t !== undefined) latencies.push(now - t);
                  buffer = buffer.slice(nl + 1);
                  nl = buffer.indexOf('\n');
                }
              });
              res.on('error', () => {});
              resolve(req);
            },
          );
          req.on('error', reject);
          req.end();
        }),
    ),
  );
  const writer = new Agent({ keepAlive: true, maxSockets: 1 });
  for (let i = 0; i < writes; i++) {
    const name = `watched-${i}`;
    const body = JSON.stringify({
      metadata: { name, labels: { bench: 'watch' } },
      data: { payload: payload(1024, i) },
    });
    sentAt.set(name, performance.now());
    await send(writer, `${url}/api/v1/namespaces/ns-0/configmaps`, 'POST', body);
    await new Promise((r) => setTimeout(r, 5));
  }
  const deadline = Date.now() + 10_000;
  while (latencies.length < watchers * writes && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 20));
  for (const req of requests) req.destroy();
  watchAgent.destroy();
  writer.destroy();
  latencies.sort((a, b) => a - b);
  const pct = (p: number): number =>
    latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? Number.NaN;
  return {
    watchers,
    writes,
    samples: latencies.length,
    p50: pct(0.5),
    p99: pct(0.99),
    max: latencies.at(-1) ?? Number.NaN,
  };
}

async function loadGenerator(
  url: string,
  baselineUrl: string,
  args: { creates: number; watchers: number },
): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: 32 });
  // Warm both sides' code paths before measuring.
  await send(agent, `${url}/api/v1/configmaps?limit=500`, 'GET');
  const announce = (mark: string): Promise<void> =>
    new Promise((resolve) => process.send?.({ mark }, () => resolve()) ?? resolve());
  await announce('list');
  const list = await pagedList(url);
  await announce('create');
  const create = await createMany(url, args.creates, 32);
  await announce('watch');
  const watch = await watchFanOut(url, args.watchers, 200);
  await announce('baseline');
  const baseline = await createMany(baselineUrl, args.creates, 32);
  await announce('done');
  agent.destroy();
  const result: LoadResult = { list, create, watch, baseline };
  await new Promise<void>((resolve) => process.send?.({ result }, () => resolve()));
  process.disconnect?.();
}

// ---------------------------------------------------------------------------------------------- entry

const { values } = parseArgs({
  options: {
    load: { type: 'string' },
    baseline: { type: 'string' },
    objects: { type: 'string', default: '200000' },
    namespaces: { type: 'string', default: '1000' },
    creates: { type: 'string', default: '20000' },
    watchers: { type: 'string', default: '50' },
  },
});
const numbers = {
  objects: Number(values.objects),
  namespaces: Number(values.namespaces),
  creates: Number(values.creates),
  watchers: Number(values.watchers),
};
if (values.load) await loadGenerator(values.load, values.baseline ?? values.load, numbers);
else await server(numbers);
