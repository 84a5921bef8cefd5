import type { ApiResourceInfo, ResourceCatalog } from './types.ts';

/** One resource of one group version as discovery (either form) reports it. */
export type DiscoveredResource = {
  resource: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  shortNames: readonly string[];
  verbs: readonly string[];
  categories: readonly string[];
  subresources: readonly string[];
};

/** One API group: its versions, preferred first, with their top-level resources. */
export type DiscoveredGroup = {
  name: string;
  versions: { version: string; resources: DiscoveredResource[] }[];
};

/**
 * When a name fits resources of several groups, the core group and then these win, in this order, as kubectl's
 * RESTMapper prefers built-in groups over aggregated and custom ones (`events` is core, not events.k8s.io).
 */
export const WELL_KNOWN_GROUPS: readonly string[] = [
  '',
  'apps',
  'batch',
  'autoscaling',
  'policy',
  'networking.k8s.io',
  'rbac.authorization.k8s.io',
  'storage.k8s.io',
  'apiextensions.k8s.io',
  'admissionregistration.k8s.io',
  'apiregistration.k8s.io',
  'coordination.k8s.io',
  'discovery.k8s.io',
  'scheduling.k8s.io',
  'node.k8s.io',
  'certificates.k8s.io',
  'authentication.k8s.io',
  'authorization.k8s.io',
  'flowcontrol.apiserver.k8s.io',
  'resource.k8s.io',
  'events.k8s.io',
];

/** The catalog `discoverResources` returns: the port's `ResourceCatalog` plus what callers of this module want. */
export interface DiscoveredCatalog extends ResourceCatalog {
  /** Every resource at every served version, in discovery order. */
  all(): readonly ApiResourceInfo[];
  /** The resource of an object's `apiVersion` and `kind` at exactly that version. */
  forApiVersionKind(apiVersion: string, kind: string): ApiResourceInfo | undefined;
  /** Group versions discovery could not read (an aggregated API down, say), with why. */
  readonly failures: readonly string[];
}

type Candidate = { info: ApiResourceInfo; rank: number };

/** Builds the catalog from discovered groups, in discovery order. */
export function buildCatalog(
  groups: readonly DiscoveredGroup[],
  failures: readonly string[] = [],
): DiscoveredCatalog {
  const all: ApiResourceInfo[] = [];
  const preferred: ApiResourceInfo[] = [];
  const versions = new Map<string, ApiResourceInfo[]>();
  const byApiVersionKind = new Map<string, ApiResourceInfo>();
  const groupRank = new Map<string, number>();
  for (const [i, g] of WELL_KNOWN_GROUPS.entries()) groupRank.set(g, i);
  let next = WELL_KNOWN_GROUPS.length;
  for (const group of groups) {
    if (!groupRank.has(group.name)) groupRank.set(group.name, next++);
    const preferredVersion = group.versions[0]?.version ?? '';
    for (const v of group.versions) {
      for (const r of v.resources) {
        const info = toInfo(group.name, v.version, preferredVersion, r);
        all.push(info);
        const list = versions.get(info.groupResource);
        // A resource absent from the preferred version is still listed, at the first version that serves it.
        if (list) list.push(info);
        else {
          versions.set(info.groupResource, [info]);
          preferred.push(info);
        }
        byApiVersionKind.set(`${info.groupVersion}|${info.kind}`, info);
      }
    }
  }

  const rankOf = (info: ApiResourceInfo): number => groupRank.get(info.group) ?? next;
  // kubectl's order: a plural or singular name as typed, then short names, then kinds.
  const byName = (name: string): ApiResourceInfo | undefined => {
    const lower = name.toLowerCase();
    const tiers: Candidate[][] = [[], [], []];
    for (const info of preferred) {
      let tier = -1;
      if (info.resource === lower || info.singular === lower) tier = 0;
      else if (info.shortNames.includes(lower)) tier = 1;
      else if (info.kind.toLowerCase() === lower) tier = 2;
      if (tier >= 0) tiers[tier].push({ info, rank: rankOf(info) });
    }
    return best(tiers[0]) ?? best(tiers[1]) ?? best(tiers[2]);
  };

  return {
    failures,
    all: () => all,
    preferred: () => preferred,
    versionsOf: (groupResource) => versions.get(groupResource.toLowerCase()) ?? [],
    forKind: (group, kind) => {
      const lower = kind.toLowerCase();
      return preferred.find((i) => i.group === group && i.kind.toLowerCase() === lower);
    },
    forApiVersionKind: (apiVersion, kind) => byApiVersionKind.get(`${apiVersion}|${kind}`),
    resolve: (name) => resolveName(name.trim(), byName, versions),
  };
}

/**
 * `deploy`, `Deployment`, `deployments.apps`, `deployment.v1.apps`: the bare name first (resource names have
 * no dots), then `resource.group`, then `resource.version.group`.
 */
function resolveName(
  name: string,
  byName: (name: string) => ApiResourceInfo | undefined,
  versions: ReadonlyMap<string, ApiResourceInfo[]>,
): ApiResourceInfo | undefined {
  if (name === '') return undefined;
  const dot = name.indexOf('.');
  if (dot < 0) return byName(name);
  const head = name.slice(0, dot).toLowerCase();
  const rest = name.slice(dot + 1).toLowerCase();
  const inGroup = (group: string, version?: string): ApiResourceInfo | undefined => {
    for (const list of versions.values()) {
      const first = list[0];
      if (first.group !== group) continue;
      const matches =
        first.resource === head ||
        first.singular === head ||
        first.kind.toLowerCase() === head ||
        first.shortNames.includes(head);
      if (!matches) continue;
      return version === undefined ? first : list.find((i) => i.version === version);
    }
    return undefined;
  };
  const found = inGroup(rest);
  if (found) return found;
  const dot2 = rest.indexOf('.');
  if (dot2 > 0) return inGroup(rest.slice(dot2 + 1), rest.slice(0, dot2));
  return undefined;
}

function best(candidates: Candidate[]): ApiResourceInfo | undefined {
  let chosen: Candidate | undefined;
  for (const c of candidates) if (!chosen || c.rank < chosen.rank) chosen = c;
  return chosen?.info;
}

function toInfo(
  group: string,
  version: string,
  preferredVersion: string,
  r: DiscoveredResource,
): ApiResourceInfo {
  return {
    group,
    version,
    groupVersion: group === '' ? version : `${group}/${version}`,
    resource: r.resource,
    singular: r.singular || r.kind.toLowerCase(),
    kind: r.kind,
    namespaced: r.namespaced,
    shortNames: r.shortNames,
    verbs: r.verbs,
    categories: r.categories,
    preferredVersion,
    groupResource: group === '' ? r.resource : `${r.resource}.${group}`,
    subresources: r.subresources,
  };
}
