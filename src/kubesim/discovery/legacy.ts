import type { ResourceRegistry } from '../registry/registry.ts';
import { subresourcesOf } from '../registry/subresources.ts';
import { apiVersionOf, type ResourceType, storageVersion } from '../registry/types.ts';
import { storageVersionHash } from './storage-version-hash.ts';

/**
 * Legacy discovery: `APIVersions` at `/api`, `APIGroupList` at `/apis`, `APIGroup` at `/apis/{g}` and
 * `APIResourceList` at `/api/v1` and `/apis/{g}/{v}`. client-node uses only the last (to map kinds to
 * resources); kubectl falls back to all of them when a server has no aggregated discovery.
 */

export type GroupVersionForDiscovery = { groupVersion: string; version: string };

export type APIGroup = {
  name: string;
  versions: GroupVersionForDiscovery[];
  preferredVersion: GroupVersionForDiscovery;
};

export type APIResource = {
  name: string;
  singularName: string;
  namespaced: boolean;
  group?: string;
  version?: string;
  kind: string;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
  storageVersionHash?: string;
};

export type APIResourceList = {
  kind: 'APIResourceList';
  apiVersion?: 'v1';
  groupVersion: string;
  resources: APIResource[];
};

/** `/api`: the legacy group's versions and the address clients should use. */
export function legacyApiVersions(serverAddress: string): {
  kind: 'APIVersions';
  versions: string[];
  serverAddressByClientCIDRs: { clientCIDR: string; serverAddress: string }[];
} {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function groupEntry(name: string, versions: string[]): APIGroup {
  const entries = versions.map((version) => ({ groupVersion: apiVersionOf(name, version), version }));
  return { name, versions: entries, preferredVersion: entries[0] };
}

/** `/apis`: every named group in discovery order. */
export function legacyApiGroupList(registry: ResourceRegistry): {
  kind: 'APIGroupList';
  apiVersion: 'v1';
  groups: APIGroup[];
} {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: registry
      .groups()
      .filter((g) => g.name !== '')
      .map((g) => groupEntry(g.name, g.versions)),
  };
}

/** `/apis/{name}`, or `undefined` when no such group is served. */
export function legacyApiGroup(
  registry: ResourceRegistry,
  name: string,
): ({ kind: 'APIGroup'; apiVersion: 'v1' } & APIGroup) | undefined {
  if (name === '') return undefined;
  const group = registry.groups().find((g) => g.name === name);
  if (!group) return undefined;
  return { kind: 'APIGroup', apiVersion: 'v1', ...groupEntry(group.name, group.versions) };
}

function mainEntry(type: ResourceType): APIResource {
  const entry: APIResource = {
    name: type.resource,
    singularName: type.singular,
    namespaced: type.namespaced,
    kind: type.kind,
    verbs: [...type.verbs],
  };
  if (type.shortNames.length > 0) entry.shortNames = [...type.shortNames];
  if (type.categories.length > 0) entry.categories = [...type.categories];
  entry.storageVersionHash = storageVersionHash(type.group, storageVersion(type), type.kind);
  return entry;
}

/**
 * `APIResourceList` of one group version, or `undefined` when nothing is served there. Each resource
 * comes before its subresources (client-node takes the first entry of a kind, pitfall P9); subresources
 * have an empty singularName and, when their kind lives elsewhere (`x/scale`, `pods/eviction`), group
 * and version.
 */
export function apiResourceList(
  registry: ResourceRegistry,
  group: string,
  version: string,
): APIResourceList | undefined {
  const types = registry.servedAt(group, version);
  if (types.length === 0) return undefined;
  const resources: APIResource[] = [];
  for (const type of types) {
    resources.push(mainEntry(type));
    for (const sub of subresourcesOf(type)) {
      const entry: APIResource = {
        name: `${type.resource}/${sub.name}`,
        singularName: '',
        namespaced: type.namespaced,
        kind: sub.kind,
        verbs: [...sub.verbs],
      };
      if (sub.group !== undefined) entry.group = sub.group;
      if (sub.version !== undefined) entry.version = sub.version;
      resources.push(entry);
    }
  }
  const list: APIResourceList = {
    kind: 'APIResourceList',
    groupVersion: apiVersionOf(group, version),
    resources,
  };
  // The real server leaves apiVersion out of the core group's list only.
  return group === ''
    ? list
    : { kind: list.kind, apiVersion: 'v1', groupVersion: list.groupVersion, resources };
}
