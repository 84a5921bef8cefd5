import { errorMessage } from '../core/errors.ts';
import { ApiCaller, type ApiCallerOptions } from './api-caller.ts';
import {
  buildCatalog,
  type DiscoveredCatalog,
  type DiscoveredGroup,
  type DiscoveredResource,
} from './catalog.ts';
import type { KubeConnection } from './client.ts';
import { groupVersionPath } from './paths.ts';
import { transportFor } from './transport.ts';

/** What kubectl 1.32 asks for: aggregated discovery v2, else the legacy documents. */
const AGGREGATED_ACCEPT =
  'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';
const LEGACY_CONCURRENCY = 8;

export type DiscoveryOptions = ApiCallerOptions & {
  signal?: AbortSignal;
  /** Skip aggregated discovery and read the legacy documents (tests; servers with a broken aggregated form). */
  legacyOnly?: boolean;
};

/**
 * Reads the server's resources once: aggregated discovery (`/api` and `/apis` answer everything in two
 * requests) when the server offers it, else legacy discovery (`/api`, `/apis`, then each group version).
 * Group versions that cannot be read (an aggregated API that is down) are left out and listed in `failures`
 * rather than failing the whole discovery, as kubectl and Velero do.
 */
export async function discoverResources(
  conn: KubeConnection,
  options: DiscoveryOptions = {},
): Promise<DiscoveredCatalog> {
  const caller = new ApiCaller(transportFor(conn.config), options);
  if (!options.legacyOnly) {
    const [core, named] = await Promise.all([
      aggregated(caller, '/api', options.signal),
      aggregated(caller, '/apis', options.signal),
    ]);
    if (core && named) {
      const failures: string[] = [];
      const groups = [...core, ...named].map((g) => fromAggregated(g, failures));
      return buildCatalog(
        groups.filter((g) => g.versions.length > 0),
        failures,
      );
    }
  }
  return legacy(caller, options.signal);
}

// ---- aggregated (apidiscovery.k8s.io/v2) ----

type AggregatedResource = {
  resource: string;
  responseKind?: { group?: string; version?: string; kind?: string };
  scope?: 'Namespaced' | 'Cluster';
  singularResource?: string;
  verbs?: string[];
  shortNames?: string[];
  categories?: string[];
  subresources?: { subresource: string }[];
};
type AggregatedGroup = {
  metadata?: { name?: string };
  versions?: { version: string; resources?: AggregatedResource[]; freshness?: string }[];
};

async function aggregated(
  caller: ApiCaller,
  path: string,
  signal: AbortSignal | undefined,
): Promise<AggregatedGroup[] | undefined> {
  const res = await caller.call({ method: 'GET', path, accept: AGGREGATED_ACCEPT, signal });
  const type = String(res.headers['content-type'] ?? '');
  if (!type.includes('as=APIGroupDiscoveryList')) return undefined;
  const list = JSON.parse(res.body.toString('utf8')) as { items?: AggregatedGroup[] };
  return list.items ?? [];
}

function fromAggregated(g: AggregatedGroup, failures: string[]): DiscoveredGroup {
  const name = g.metadata?.name ?? '';
  const versions: DiscoveredGroup['versions'] = [];
  for (const v of g.versions ?? []) {
    if (v.freshness === 'Stale') {
      failures.push(`${name === '' ? v.version : `${name}/${v.version}`}: discovery is stale`);
      continue;
    }
    versions.push({
      version: v.version,
      resources: (v.resources ?? []).map(
        (r): DiscoveredResource => ({
          resource: r.resource,
          singular: r.singularResource ?? '',
          kind: r.responseKind?.kind ?? '',
          namespaced: r.scope === 'Namespaced',
          shortNames: r.shortNames ?? [],
          verbs: r.verbs ?? [],
          categories: r.categories ?? [],
          subresources: (r.subresources ?? []).map((s) => s.subresource),
        }),
      ),
    });
  }
  return { name, versions };
}

// ---- legacy (APIVersions, APIGroupList, APIResourceList) ----

type LegacyResource = {
  name: string;
  singularName?: string;
  namespaced: boolean;
  kind: string;
  verbs?: string[];
  shortNames?: string[];
  categories?: string[];
};

async function legacy(caller: ApiCaller, signal: AbortSignal | undefined): Promise<DiscoveredCatalog> {
  const [core, named] = await Promise.all([
    caller.json<{ versions?: string[] }>({ method: 'GET', path: '/api', signal }),
    caller.json<{
      groups?: { name: string; versions: { version: string }[]; preferredVersion?: { version: string } }[];
    }>({ method: 'GET', path: '/apis', signal }),
  ]);
  const plan: { name: string; versions: string[] }[] = [{ name: '', versions: core.versions ?? ['v1'] }];
  for (const g of named.groups ?? []) {
    const preferred = g.preferredVersion?.version ?? g.versions[0]?.version;
    const rest = g.versions.map((v) => v.version).filter((v) => v !== preferred);
    plan.push({ name: g.name, versions: preferred ? [preferred, ...rest] : rest });
  }
  const jobs = plan.flatMap((g) => g.versions.map((version) => ({ group: g.name, version })));
  const lists = await mapBounded(jobs, LEGACY_CONCURRENCY, async (job) => {
    try {
      const list = await caller.json<{ resources?: LegacyResource[] }>({
        method: 'GET',
        path: groupVersionPath(job.group, job.version),
        signal,
      });
      return { resources: list.resources ?? [] };
    } catch (err) {
      if (signal?.aborted) throw err;
      return { error: errorMessage(err) };
    }
  });
  const failures: string[] = [];
  const groups: DiscoveredGroup[] = [];
  let i = 0;
  for (const g of plan) {
    const versions: DiscoveredGroup['versions'] = [];
    for (const version of g.versions) {
      const got = lists[i++];
      if ('error' in got) {
        failures.push(`${g.name === '' ? version : `${g.name}/${version}`}: ${got.error}`);
        continue;
      }
      versions.push({ version, resources: fromLegacy(got.resources) });
    }
    if (versions.length > 0) groups.push({ name: g.name, versions });
  }
  return buildCatalog(groups, failures);
}

function fromLegacy(resources: LegacyResource[]): DiscoveredResource[] {
  const subresources = new Map<string, string[]>();
  for (const r of resources) {
    const slash = r.name.indexOf('/');
    if (slash < 0) continue;
    const parent = r.name.slice(0, slash);
    const list = subresources.get(parent) ?? [];
    list.push(r.name.slice(slash + 1));
    subresources.set(parent, list);
  }
  return resources
    .filter((r) => !r.name.includes('/'))
    .map((r) => ({
      resource: r.name,
      singular: r.singularName ?? '',
      kind: r.kind,
      namespaced: r.namespaced,
      shortNames: r.shortNames ?? [],
      verbs: r.verbs ?? [],
      categories: r.categories ?? [],
      subresources: subresources.get(r.name) ?? [],
    }));
}

async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
