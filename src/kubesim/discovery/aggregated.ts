import type { ResourceRegistry } from '../registry/registry.ts';
import { subresourcesOf } from '../registry/subresources.ts';
import type { ResourceType } from '../registry/types.ts';

/**
 * Aggregated discovery (`apidiscovery.k8s.io/v2` `APIGroupDiscoveryList`): kubectl 1.32 asks `/api` and
 * `/apis` for it first and, when it gets it, needs no other discovery request (kube-api-surface §0.2).
 */

/** The Content-Type of an aggregated discovery response; kubectl only accepts it with exactly this value. */
export const AGGREGATED_DISCOVERY_CONTENT_TYPE =
  'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';
/** The same for clients that ask for the beta form (client-go before 1.30). */
export const AGGREGATED_DISCOVERY_V2BETA1_CONTENT_TYPE =
  'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList';

export type GroupVersionKind = { group: string; version: string; kind: string };

export type APISubresourceDiscovery = {
  subresource: string;
  responseKind: GroupVersionKind;
  verbs: string[];
};

export type APIResourceDiscovery = {
  resource: string;
  responseKind: GroupVersionKind;
  scope: 'Namespaced' | 'Cluster';
  singularResource: string;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
  subresources?: APISubresourceDiscovery[];
};

export type APIVersionDiscovery = {
  version: string;
  resources: APIResourceDiscovery[];
  freshness: 'Current';
};

export type APIGroupDiscovery = {
  metadata: { name?: string; creationTimestamp: null };
  versions: APIVersionDiscovery[];
};

export type APIGroupDiscoveryList = {
  kind: 'APIGroupDiscoveryList';
  apiVersion: string;
  metadata: Record<string, never>;
  items: APIGroupDiscovery[];
};

/**
 * Built-in kinds leave group and version empty in responseKind (meaning "this group version"); custom
 * resources spell them out, as the apiextensions discovery controller does.
 */
function responseKind(type: ResourceType, version: string, kind: string): GroupVersionKind {
  return type.crdName === undefined ? { group: '', version: '', kind } : { group: type.group, version, kind };
}

function resourceEntry(type: ResourceType, version: string): APIResourceDiscovery {
  const entry: APIResourceDiscovery = {
    resource: type.resource,
    responseKind: responseKind(type, version, type.kind),
    scope: type.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: type.singular,
    verbs: [...type.verbs],
  };
  if (type.shortNames.length > 0) entry.shortNames = [...type.shortNames];
  if (type.categories.length > 0) entry.categories = [...type.categories];
  const subresources = subresourcesOf(type).map((s) => ({
    subresource: s.name,
    responseKind:
      s.group !== undefined && s.version !== undefined
        ? { group: s.group, version: s.version, kind: s.kind }
        : responseKind(type, version, s.kind),
    verbs: [...s.verbs],
  }));
  if (subresources.length > 0) entry.subresources = subresources;
  return entry;
}

/**
 * The aggregated discovery document for `/api` (`core`: the legacy group only) or `/apis` (every other
 * group), groups in discovery order and versions preferred first, every version marked `Current`.
 */
export function aggregatedDiscovery(
  registry: ResourceRegistry,
  scope: 'core' | 'apis',
  apiVersion: 'v2' | 'v2beta1' = 'v2',
): APIGroupDiscoveryList {
  const items = registry
    .groups()
    .filter((g) => (scope === 'core' ? g.name === '' : g.name !== ''))
    .map((g) => {
      const metadata: APIGroupDiscovery['metadata'] =
        g.name === '' ? { creationTimestamp: null } : { name: g.name, creationTimestamp: null };
      return {
        metadata,
        versions: g.versions.map((version) => ({
          version,
          resources: registry.servedAt(g.name, version).map((t) => resourceEntry(t, version)),
          freshness: 'Current' as const,
        })),
      };
    });
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: `apidiscovery.k8s.io/${apiVersion}`,
    metadata: {},
    items,
  };
}
