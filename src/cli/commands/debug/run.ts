import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { Command } from 'commander';
import tar from 'tar-stream';
import { stringify } from 'yaml';
import { LIFEBOAT_VERSION } from '../../../core/version.ts';
import { ApiCaller } from '../../../kube/api-caller.ts';
import { connect, type KubeConnection } from '../../../kube/client.ts';
import { discoverResources } from '../../../kube/discovery.ts';
import { createDynamicClient } from '../../../kube/dynamic-client.ts';
import { transportFor } from '../../../kube/transport.ts';
import type { ApiResourceInfo, DynamicClient, KubeObject, ResourceCatalog } from '../../../kube/types.ts';
import { type GlobalOptions, kubeconfigPath, serverNamespace } from '../../kube/session.ts';
import type { CliRuntime } from '../../runtime.ts';
import { queryServerVersion } from '../version-server.ts';
import { redactObject, redactText, secretValues } from './redact.ts';

/** One file of the bundle, already redacted. */
export type BundleFile = { path: string; text: string };

export interface CollectOptions {
  namespace: string;
  clock: CliRuntime['clock'];
  /** How long to wait for the server's version (default 5 s). */
  versionTimeoutMs?: number;
  /** Lines of each container's log (default 10,000). */
  tailLines?: number;
}

/**
 * Everything a support bundle holds, as redacted text files: versions, every lifeboat.io object, the
 * namespace's workloads, pods and Secrets (keys only), events in the namespace or about Lifeboat objects,
 * the storage locations' status, discovery, and the logs of the pods in the namespace.
 */
export async function collectBundle(conn: KubeConnection, options: CollectOptions): Promise<BundleFile[]> {
  const client = createDynamicClient(conn);
  const catalog = await discoverResources(conn);
  const ns = options.namespace;
  const secrets = await listAll(client, catalog.resolve('secrets'), ns);
  const known = secretValues(secrets as { data?: Record<string, string> }[]);
  const files: BundleFile[] = [];
  const add = (path: string, text: string) => files.push({ path, text: redactText(text, known) });
  const addObjects = (path: string, objects: readonly KubeObject[]) =>
    add(path, objects.map((o) => stringify(redactObject(stripManaged(o)))).join('---\n'));

  const server = await queryServerVersion(conn, ns, {
    timeoutMs: options.versionTimeoutMs ?? 5000,
    clock: options.clock,
  }).catch((err: Error) => `error: ${err.message}`);
  add(
    'versions.txt',
    `client: ${LIFEBOAT_VERSION} (Node.js ${process.version})\nserver: ${server ?? 'no answer to a ServerStatusRequest'}\nAPI server: ${conn.server}\n`,
  );

  const lifeboat: KubeObject[] = [];
  for (const resource of catalog.preferred().filter((r) => r.group === 'lifeboat.io')) {
    const objects = await listAll(client, resource);
    lifeboat.push(...objects);
    if (objects.length > 0) addObjects(`resources/${resource.resource}.yaml`, objects);
  }
  const locations = lifeboat.filter((o) => o.kind === 'BackupStorageLocation');
  add(
    'storage-locations.txt',
    locations
      .map((l) => {
        const s = (l as { status?: { phase?: string; message?: string; lastValidationTime?: string } })
          .status;
        return `${l.metadata?.namespace}/${l.metadata?.name}: ${s?.phase ?? 'unknown'} ${s?.lastValidationTime ?? ''} ${s?.message ?? ''}`.trim();
      })
      .join('\n'),
  );

  for (const name of ['deployments.apps', 'daemonsets.apps', 'pods', 'configmaps', 'serviceaccounts'])
    addObjects(`namespace/${name}.yaml`, await listAll(client, catalog.resolve(name), ns));
  addObjects('namespace/secrets.yaml', secrets);

  const events = (await listAll(client, catalog.resolve('events'))).filter((e) => {
    const involved = (e as { involvedObject?: { apiVersion?: string; namespace?: string } }).involvedObject;
    return e.metadata?.namespace === ns || involved?.apiVersion?.startsWith('lifeboat.io/') === true;
  });
  addObjects('events.yaml', events);

  add('discovery.yaml', stringify(discoverySummary(catalog)));

  const pods = await listAll(client, catalog.resolve('pods'), ns);
  const caller = new ApiCaller(transportFor(conn.config), { retry: { attempts: 1 } });
  for (const pod of pods) {
    const containers = ((pod as { spec?: { containers?: { name: string }[] } }).spec?.containers ?? []).map(
      (c) => c.name,
    );
    for (const container of containers) {
      const path = `/api/v1/namespaces/${ns}/pods/${pod.metadata?.name}/log?container=${encodeURIComponent(container)}&tailLines=${options.tailLines ?? 10_000}`;
      const text = await caller
        .call({ method: 'GET', path, accept: 'text/plain', idleTimeoutMs: 30_000 })
        .then((res) => res.body.toString('utf8'))
        .catch((err: Error) => `(log not available: ${err.message})\n`);
      add(`logs/${pod.metadata?.name}/${container}.log`, text);
    }
  }
  return files;
}

function stripManaged(object: KubeObject): KubeObject {
  const { managedFields: _, ...metadata } = (object.metadata ?? {}) as Record<string, unknown>;
  return { ...object, metadata } as KubeObject;
}

function discoverySummary(catalog: ResourceCatalog): Record<string, string[]> {
  const groups: Record<string, string[]> = {};
  for (const r of catalog.preferred()) {
    const entry = r.groupVersion;
    groups[entry] ??= [];
    groups[entry].push(
      `${r.resource} (${r.kind}${r.namespaced ? ', namespaced' : ''}) [${r.verbs.join(',')}]`,
    );
  }
  return groups;
}

async function listAll(
  client: DynamicClient,
  resource: ApiResourceInfo | undefined,
  namespace?: string,
): Promise<KubeObject[]> {
  if (!resource) return [];
  const items: KubeObject[] = [];
  try {
    for await (const page of client.listPages(resource, namespace ? { namespace } : {}))
      for (const item of page.items)
        items.push({ apiVersion: resource.groupVersion, kind: resource.kind, ...item } as KubeObject);
  } catch {
    // A kind this account may not list, or one that went away: the bundle says what it could read.
  }
  return items;
}

/** Writes the files as one tar.gz. */
export async function writeBundle(path: string, files: readonly BundleFile[], now: Date): Promise<void> {
  const pack = tar.pack();
  const root = `lifeboat-debug-${now.toISOString().replace(/[:.]/g, '-')}`;
  const done = pipeline(pack, createGzip(), createWriteStream(path, { mode: 0o600 }));
  for (const file of files) pack.entry({ name: `${root}/${file.path}`, mtime: now, mode: 0o644 }, file.text);
  pack.finalize();
  await done;
}

export async function runDebug(
  flags: { output: string },
  command: Command,
  runtime: CliRuntime,
): Promise<void> {
  const globals = command.optsWithGlobals() as GlobalOptions;
  const namespace = serverNamespace(globals, runtime);
  const conn = connect(kubeconfigPath(globals, runtime), globals.kubeContext);
  const files = await collectBundle(conn, { namespace, clock: runtime.clock });
  await writeBundle(flags.output, files, runtime.clock.now());
  runtime.stdout.write(
    `Wrote ${flags.output} (${files.length} files; Secret values and credentials redacted).\n`,
  );
}
