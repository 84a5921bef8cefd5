import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { type Kubesim, startKubesim } from '../index.ts';

/** The HTTP surface driven with plain requests: routes, content types, status codes, watch streams, faults. */

// biome-ignore lint/suspicious/noExplicitAny: replies are inspected field by field in the assertions
type Json = any;
type Reply = {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: Json;
};

async function call(
  sim: Kubesim,
  method: string,
  path: string,
  options: { body?: unknown; raw?: string | Buffer; type?: string; accept?: string } = {},
): Promise<Reply> {
  const headers: Record<string, string> = {};
  if (options.accept) headers.accept = options.accept;
  let body: string | Buffer | undefined;
  if (options.raw !== undefined) body = options.raw;
  else if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined) headers['content-type'] = options.type ?? 'application/json';
  const res = await fetch(`${sim.url}${path}`, { method, headers, body });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: Object.fromEntries(res.headers), text, json };
}

/** Reads a watch stream line by line until `until` says stop or the server ends it. */
function watchLines(
  sim: Kubesim,
  path: string,
  until: (lines: Json[]) => boolean = () => false,
  accept = 'application/json',
): Promise<{ lines: Json[]; ended: boolean }> {
  return new Promise((resolve, reject) => {
    const lines: Json[] = [];
    let buffer = '';
    const req = request(`${sim.url}${path}`, { headers: { accept } }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let nl = buffer.indexOf('\n');
        while (nl >= 0) {
          lines.push(JSON.parse(buffer.slice(0, nl)));
          buffer = buffer.slice(nl + 1);
          nl = buffer.indexOf('\n');
        }
        if (until(lines)) {
          req.destroy();
          resolve({ lines, ended: false });
        }
      });
      res.on('end', () => resolve({ lines, ended: true }));
      res.on('error', () => resolve({ lines, ended: true }));
    });
    req.on('error', (err) => {
      if (lines.length > 0 || (err as NodeJS.ErrnoException).code === 'ECONNRESET')
        resolve({ lines, ended: true });
      else reject(err);
    });
    req.end();
  });
}

describe('kubesim HTTP surface', () => {
  let sim: Kubesim;
  before(async () => {
    sim = await startKubesim({ cluster: false, watchHistory: 50, bookmarkIntervalMs: 50 });
    await call(sim, 'POST', '/api/v1/namespaces', { body: { metadata: { name: 'h' } } });
  });
  after(async () => {
    await sim.stop();
  });

  test('version, health, openapi and discovery in both forms', async () => {
    const version = await call(sim, 'GET', '/version?timeout=5s');
    assert.equal(version.json.major, '1');
    assert.equal(version.json.minor, '32');
    assert.equal((await call(sim, 'GET', '/readyz')).text, 'ok');
    const aggregated = await call(sim, 'GET', '/apis', {
      accept:
        'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json',
    });
    assert.equal(
      aggregated.headers['content-type'],
      'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList',
    );
    assert.equal(aggregated.json.kind, 'APIGroupDiscoveryList');
    assert.ok(aggregated.json.items.some((g: { metadata: { name: string } }) => g.metadata.name === 'apps'));
    const legacy = await call(sim, 'GET', '/apis', { accept: 'application/json' });
    assert.equal(legacy.json.kind, 'APIGroupList');
    const core = await call(sim, 'GET', '/api/v1');
    assert.equal(core.json.kind, 'APIResourceList');
    const names = core.json.resources.map((r: { name: string }) => r.name);
    assert.ok(names.indexOf('pods') < names.indexOf('pods/status'), 'main resource before its subresources');
    const index = await call(sim, 'GET', '/openapi/v3');
    assert.match(index.json.paths['apis/apps/v1'].serverRelativeURL, /^\/openapi\/v3\/apis\/apps\/v1\?hash=/);
    assert.equal((await call(sim, 'GET', '/openapi/v2')).status, 404);
  });

  test('errors are Status objects with the right codes', async () => {
    const unknown = await call(sim, 'GET', '/apis/nope.example.com/v1/things');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.json.kind, 'Status');
    assert.equal(unknown.json.message, 'the server could not find the requested resource');
    const malformed = await call(sim, 'POST', '/api/v1/namespaces/h/configmaps', { raw: '{"metadata":' });
    assert.equal(malformed.status, 400);
    assert.match(malformed.json.message, /not valid JSON/);
    const yaml = await call(sim, 'POST', '/api/v1/namespaces/h/configmaps', {
      raw: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-yaml\ndata:\n  k: v\n',
      type: 'application/yaml',
    });
    assert.equal(yaml.status, 201);
    assert.equal(yaml.json.data.k, 'v');
    const huge = await call(sim, 'POST', '/api/v1/namespaces/h/configmaps', {
      body: { metadata: { name: 'huge' }, data: { k: 'x'.repeat(3 * 1024 * 1024) } },
    });
    assert.equal(huge.status, 413);
    assert.equal(huge.json.kind, 'Status');
    const media = await call(sim, 'POST', '/api/v1/namespaces/h/configmaps', { raw: 'x', type: 'text/csv' });
    assert.equal(media.status, 415);
    const badName = await call(sim, 'POST', '/api/v1/namespaces/h/configmaps', {
      body: { metadata: { name: 'Not_Valid' } },
    });
    assert.equal(badName.status, 422);
    assert.equal(badName.json.reason, 'Invalid');
    const mismatch = await call(sim, 'POST', '/api/v1/namespaces/h/configmaps', {
      body: { metadata: { name: 'm', namespace: 'other' } },
    });
    assert.equal(mismatch.status, 400);
    const clusterScopedInNamespace = await call(sim, 'GET', '/api/v1/namespaces/h/nodes');
    assert.equal(clusterScopedInNamespace.status, 404);
    const post = await call(sim, 'POST', '/api/v1/namespaces/h/configmaps/from-yaml', { body: {} });
    assert.equal(post.status, 405);
  });

  test('lists page with continue and answer Tables; a single GET answers a Table too', async () => {
    for (let i = 0; i < 5; i++) {
      await call(sim, 'POST', '/api/v1/namespaces/h/secrets', {
        body: { metadata: { name: `s${i}` }, type: 'Opaque' },
      });
    }
    const first = await call(sim, 'GET', '/api/v1/namespaces/h/secrets?limit=2');
    assert.equal(first.json.kind, 'SecretList');
    assert.equal(first.json.items.length, 2);
    assert.equal(first.json.metadata.remainingItemCount, 3);
    const second = await call(
      sim,
      'GET',
      `/api/v1/namespaces/h/secrets?limit=2&continue=${first.json.metadata.continue}`,
    );
    assert.deepEqual(
      second.json.items.map((s: { metadata: { name: string } }) => s.metadata.name),
      ['s2', 's3'],
    );
    const tableAccept =
      'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';
    const table = await call(sim, 'GET', '/api/v1/namespaces/h/secrets?limit=500', { accept: tableAccept });
    assert.equal(table.json.kind, 'Table');
    assert.equal(table.json.rows.length, 5);
    assert.equal(table.json.rows[0].object.kind, 'PartialObjectMetadata');
    assert.ok(table.json.metadata.resourceVersion);
    const one = await call(sim, 'GET', '/api/v1/namespaces/h/secrets/s0', { accept: tableAccept });
    assert.equal(one.json.kind, 'Table');
    assert.equal(one.json.rows[0].cells[0], 's0');
    const full = await call(sim, 'GET', '/api/v1/namespaces/h/secrets?includeObject=Object', {
      accept: tableAccept,
    });
    assert.equal(full.json.rows[0].object.kind, 'Secret');
  });

  test('watch: initial ADDED, live events, Table rows, bookmarks', async () => {
    const stream = watchLines(
      sim,
      '/api/v1/namespaces/h/configmaps?watch=true&allowWatchBookmarks=true&fieldSelector=metadata.name%3Dlive',
      (lines) => lines.some((l) => l.type === 'BOOKMARK') && lines.some((l) => l.type === 'DELETED'),
    );
    await new Promise((r) => setTimeout(r, 30));
    await call(sim, 'POST', '/api/v1/namespaces/h/configmaps', { body: { metadata: { name: 'live' } } });
    await call(sim, 'DELETE', '/api/v1/namespaces/h/configmaps/live');
    const { lines } = await stream;
    const events = lines
      .filter((l) => l.type !== 'BOOKMARK')
      .map((l) => `${l.type} ${l.object.metadata.name}`);
    assert.deepEqual(events, ['ADDED live', 'DELETED live']);
    const bookmark = lines.find((l) => l.type === 'BOOKMARK');
    assert.equal(bookmark.object.kind, 'ConfigMap');
    assert.match(bookmark.object.metadata.resourceVersion, /^\d+$/);

    const tables = await watchLines(
      sim,
      '/api/v1/namespaces/h/secrets?watch=1',
      (l) => l.length >= 2,
      'application/json;as=Table;v=v1;g=meta.k8s.io,application/json',
    );
    assert.equal(tables.lines[0].object.kind, 'Table');
    assert.equal(tables.lines[0].object.rows.length, 1);
    assert.ok(tables.lines[0].object.columnDefinitions.length > 0);
  });

  test('watch from a compacted resourceVersion gets ERROR 410 and the stream ends; timeoutSeconds ends it', async () => {
    for (let i = 0; i < 60; i++) {
      await call(sim, 'POST', '/api/v1/namespaces/h/configmaps', {
        body: { metadata: { name: `churn-${i}` } },
      });
    }
    const old = await watchLines(sim, '/api/v1/namespaces/h/configmaps?watch=true&resourceVersion=2');
    assert.equal(old.ended, true);
    assert.equal(old.lines.length, 1);
    assert.equal(old.lines[0].type, 'ERROR');
    assert.equal(old.lines[0].object.code, 410);
    assert.equal(old.lines[0].object.reason, 'Expired');
    const list = await call(sim, 'GET', '/api/v1/namespaces/h/configmaps?limit=1');
    const started = Date.now();
    const timed = await watchLines(
      sim,
      `/api/v1/namespaces/h/configmaps?watch=true&resourceVersion=${list.json.metadata.resourceVersion}&timeoutSeconds=1`,
    );
    assert.equal(timed.ended, true);
    assert.ok(Date.now() - started >= 900);
  });

  test('subresources: status, scale, finalize; deletecollection; access reviews', async () => {
    const dep = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'd' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'd' } },
        template: { metadata: { labels: { app: 'd' } }, spec: { containers: [{ name: 'c', image: 'i' }] } },
      },
    };
    assert.equal(
      (await call(sim, 'POST', '/apis/apps/v1/namespaces/h/deployments', { body: dep })).status,
      201,
    );
    const scale = await call(sim, 'PATCH', '/apis/apps/v1/namespaces/h/deployments/d/scale', {
      body: { spec: { replicas: 4 } },
      type: 'application/merge-patch+json',
    });
    assert.equal(scale.json.kind, 'Scale');
    assert.equal(scale.json.spec.replicas, 4);
    const status = await call(sim, 'PATCH', '/apis/apps/v1/namespaces/h/deployments/d/status', {
      body: { status: { replicas: 4 } },
      type: 'application/merge-patch+json',
    });
    assert.equal(status.json.status.replicas, 4);
    const smpOnStatus = await call(sim, 'GET', '/apis/apps/v1/namespaces/h/deployments/d/status');
    assert.equal(smpOnStatus.json.spec.replicas, 4);

    await call(sim, 'POST', '/api/v1/namespaces', { body: { metadata: { name: 'fin' } } });
    const deleting = await call(sim, 'DELETE', '/api/v1/namespaces/fin');
    assert.equal(deleting.json.status.phase, 'Terminating');
    const finalized = await call(sim, 'PUT', '/api/v1/namespaces/fin/finalize', {
      body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'fin' }, spec: { finalizers: [] } },
    });
    assert.equal(finalized.status, 200);
    assert.equal((await call(sim, 'GET', '/api/v1/namespaces/fin')).status, 404);

    const removed = await call(sim, 'DELETE', '/api/v1/namespaces/h/secrets?labelSelector=', { body: {} });
    assert.equal(removed.json.kind, 'SecretList');
    assert.equal(removed.json.items.length, 5);
    assert.equal((await call(sim, 'GET', '/api/v1/namespaces/h/secrets')).json.items.length, 0);

    const review = await call(sim, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
      body: { spec: { resourceAttributes: { verb: 'get', resource: 'pods' } } },
    });
    assert.equal(review.status, 201);
    assert.equal(review.json.status.allowed, true);
    const log = await call(sim, 'GET', '/api/v1/namespaces/h/pods/nope/log');
    assert.equal(log.status, 404);
    await call(sim, 'POST', '/api/v1/namespaces/h/pods', {
      body: {
        metadata: { name: 'bound' },
        spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'i' }] },
      },
    });
    const podLog = await call(sim, 'GET', '/api/v1/namespaces/h/pods/bound/log');
    assert.equal(podLog.status, 501, 'no container runtime without the cluster');
    const deleted = await call(sim, 'DELETE', '/api/v1/namespaces/h/pods/bound');
    assert.equal(deleted.json.kind, 'Pod');
    assert.equal(
      (await call(sim, 'GET', '/api/v1/namespaces/h/pods/bound')).status,
      404,
      'without kubelets a bound pod is deleted at once',
    );
  });

  test('faults: errors with Retry-After, counted and retired, latency, dropped watches', async () => {
    const rule = sim.faults.add({
      resource: 'configmaps',
      verb: 'list',
      error: 429,
      retryAfterSeconds: 7,
      times: 2,
    });
    const a = await call(sim, 'GET', '/api/v1/namespaces/h/configmaps');
    assert.equal(a.status, 429);
    assert.equal(a.headers['retry-after'], '7');
    assert.equal(a.json.reason, 'TooManyRequests');
    assert.equal((await call(sim, 'GET', '/api/v1/namespaces/h/configmaps')).status, 429);
    assert.equal((await call(sim, 'GET', '/api/v1/namespaces/h/configmaps')).status, 200);
    assert.equal(rule.hits, 2);
    assert.equal(
      (await call(sim, 'GET', '/api/v1/namespaces/h/secrets')).status,
      200,
      'other resources are untouched',
    );

    const unavailable = sim.faults.add({ resource: '*', verb: 'create', error: 503 });
    assert.equal(
      (await call(sim, 'POST', '/api/v1/namespaces/h/configmaps', { body: { metadata: { name: 'x503' } } }))
        .status,
      503,
    );
    unavailable.remove();
    const slow = sim.faults.add({ resource: 'configmaps', verb: 'get', latencyMs: 150 });
    await call(sim, 'POST', '/api/v1/namespaces/h/configmaps', { body: { metadata: { name: 'slow' } } });
    const t0 = Date.now();
    assert.equal((await call(sim, 'GET', '/api/v1/namespaces/h/configmaps/slow')).status, 200);
    assert.ok(Date.now() - t0 >= 140);
    slow.remove();
    const never = sim.faults.add({ resource: 'configmaps', verb: 'get', error: 500, probability: 0 });
    assert.equal((await call(sim, 'GET', '/api/v1/namespaces/h/configmaps/slow')).status, 200);
    assert.equal(never.hits, 0);
    never.remove();

    const watching = watchLines(
      sim,
      '/api/v1/namespaces/h/configmaps?watch=true&fieldSelector=metadata.name%3Dslow',
    );
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(sim.faults.dropWatches('configmaps'), 1);
    const dropped = await watching;
    assert.equal(dropped.ended, true);
    assert.equal(dropped.lines[0].type, 'ADDED');
    sim.faults.add({ resource: 'configmaps', verb: 'watch', dropWatchAfterMs: 20, times: 1 });
    const short = await watchLines(
      sim,
      '/api/v1/namespaces/h/configmaps?watch=true&fieldSelector=metadata.name%3Dslow',
    );
    assert.equal(short.ended, true);
  });
});

test('two instances run side by side and stop cleanly', async () => {
  const [a, b] = await Promise.all([startKubesim({ cluster: false }), startKubesim({ cluster: false })]);
  assert.notEqual(a.url, b.url);
  await call(a, 'POST', '/api/v1/namespaces', { body: { metadata: { name: 'only-in-a' } } });
  assert.equal((await call(b, 'GET', '/api/v1/namespaces/only-in-a')).status, 404);
  const watching = watchLines(b, '/api/v1/namespaces?watch=true');
  await new Promise((r) => setTimeout(r, 30));
  await Promise.all([a.stop(), b.stop()]);
  const w = await watching;
  assert.equal(w.ended, true, 'stop() ends open watches');
  await assert.rejects(fetch(`${a.url}/version`));
});
