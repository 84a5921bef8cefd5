import type { ResourceRef } from '../apiserver/types.ts';
import { apiVersionOf, type KubeObject, type ResourceType } from '../registry/types.ts';
import { type IncludeObject, toTable as renderTable, type Table } from '../table/table.ts';

/**
 * The one place the HTTP layer reaches the generated documents: discovery (aggregated v2 and legacy),
 * OpenAPI v3, and Table conversion. Each function states the contract the HTTP layer relies on.
 */

/** What the documents are generated from. */
export interface DocumentSource {
  all(): ResourceType[];
}

export type { IncludeObject };

/** `meta.k8s.io/v1 Table` for objects of one type, read at the version the request named. */
export function toTable(
  ref: ResourceRef,
  objects: KubeObject[],
  options: { includeObject: IncludeObject; now: Date; withColumns?: boolean },
): Table {
  return renderTable(ref.type, ref.version, objects, {
    includeObject: options.includeObject,
    now: options.now,
    noHeaders: options.withColumns === false,
  });
}

type GroupVersions = { group: string; versions: string[] };

function groupsOf(source: DocumentSource): GroupVersions[] {
  const map = new Map<string, Set<string>>();
  for (const t of source.all()) {
    for (const v of t.versions) {
      if (!v.served) continue;
      let set = map.get(t.group);
      if (!set) {
        set = new Set();
        map.set(t.group, set);
      }
      set.add(v.name);
    }
  }
  return [...map].map(([group, set]) => ({ group, versions: [...set] }));
}

function servedAt(source: DocumentSource, group: string, version: string): ResourceType[] {
  return source
    .all()
    .filter((t) => t.group === group && t.versions.some((v) => v.name === version && v.served))
    .sort((a, b) => (a.resource < b.resource ? -1 : a.resource > b.resource ? 1 : 0));
}

/** `APIVersions` for `/api`. */
export function legacyCoreVersions(_source: DocumentSource): unknown {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }],
  };
}

function apiGroup(g: GroupVersions): Record<string, unknown> {
  const versions = g.versions.map((v) => ({ groupVersion: `${g.group}/${v}`, version: v }));
  return { name: g.group, versions, preferredVersion: versions[0] };
}

/** `APIGroupList` for `/apis`. */
export function legacyGroupList(source: DocumentSource): unknown {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: groupsOf(source)
      .filter((g) => g.group !== '')
      .map(apiGroup),
  };
}

/** `APIGroup` for `/apis/{group}`, or undefined when the group is not served. */
export function legacyGroup(source: DocumentSource, group: string): unknown {
  const g = groupsOf(source).find((x) => x.group === group && group !== '');
  return g ? { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(g) } : undefined;
}

/** `APIResourceList` for `/api/v1` or `/apis/{group}/{version}`, or undefined when not served. */
export function resourceList(source: DocumentSource, group: string, version: string): unknown {
  const types = servedAt(source, group, version);
  if (types.length === 0) return undefined;
  const resources: unknown[] = [];
  for (const t of types) {
    resources.push({
      name: t.resource,
      singularName: t.singular,
      namespaced: t.namespaced,
      kind: t.kind,
      verbs: t.verbs,
      ...(t.shortNames.length ? { shortNames: t.shortNames } : {}),
      ...(t.categories.length ? { categories: t.categories } : {}),
    });
    if (t.subresources.status) {
      resources.push({
        name: `${t.resource}/status`,
        singularName: '',
        namespaced: t.namespaced,
        kind: t.kind,
        verbs: ['get', 'patch', 'update'],
      });
    }
    if (t.subresources.scale) {
      resources.push({
        name: `${t.resource}/scale`,
        singularName: '',
        namespaced: t.namespaced,
        group: 'autoscaling',
        version: 'v1',
        kind: 'Scale',
        verbs: ['get', 'patch', 'update'],
      });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: apiVersionOf(group, version), resources };
}

/** `APIGroupDiscoveryList` (aggregated v2) for `/api` (core only) or `/apis` (every other group). */
export function aggregatedDiscovery(source: DocumentSource, core: boolean): unknown {
  const items = groupsOf(source)
    .filter((g) => (g.group === '') === core)
    .map((g) => ({
      metadata: { name: g.group },
      versions: g.versions.map((v) => ({
        version: v,
        freshness: 'Current',
        resources: servedAt(source, g.group, v).map((t) => ({
          resource: t.resource,
          responseKind: { group: t.group, version: v, kind: t.kind },
          scope: t.namespaced ? 'Namespaced' : 'Cluster',
          singularResource: t.singular,
          verbs: t.verbs,
          ...(t.shortNames.length ? { shortNames: t.shortNames } : {}),
          ...(t.categories.length ? { categories: t.categories } : {}),
          subresources: [
            ...(t.subresources.status
              ? [
                  {
                    subresource: 'status',
                    responseKind: { group: t.group, version: v, kind: t.kind },
                    verbs: ['get', 'patch', 'update'],
                  },
                ]
              : []),
            ...(t.subresources.scale
              ? [
                  {
                    subresource: 'scale',
                    responseKind: { group: 'autoscaling', version: 'v1', kind: 'Scale' },
                    verbs: ['get', 'patch', 'update'],
                  },
                ]
              : []),
          ],
        })),
      })),
    }));
  return { kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2', metadata: {}, items };
}

function gvPath(group: string, version: string): string {
  return group === '' ? `api/${version}` : `apis/${group}/${version}`;
}

/** The `/openapi/v3` index: one entry per served group version, its URL carrying a content hash. */
export function openapiIndex(source: DocumentSource): unknown {
  const paths: Record<string, unknown> = {};
  for (const g of groupsOf(source)) {
    for (const v of g.versions) {
      const path = gvPath(g.group, v);
      const doc = JSON.stringify(openapiDocument(source, path));
      paths[path] = { serverRelativeURL: `/openapi/v3/${path}?hash=${hash(doc)}` };
    }
  }
  return { paths };
}

function hash(text: string): string {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return (h >>> 0).toString(16).toUpperCase().padStart(8, '0');
}

/** The OpenAPI v3 document of one group version (`api/v1`, `apis/apps/v1`), or undefined. */
export function openapiDocument(source: DocumentSource, path: string): unknown {
  const parts = path.split('/');
  const [group, version] = parts[0] === 'api' ? ['', parts[1]] : [parts[1], parts[2]];
  if (version === undefined) return undefined;
  const types = servedAt(source, group, version);
  if (types.length === 0) return undefined;
  const paths: Record<string, unknown> = {};
  for (const t of types) {
    const prefix = `/${gvPath(group, version)}${t.namespaced ? '/namespaces/{namespace}' : ''}/${t.resource}/{name}`;
    paths[prefix] = {
      patch: {
        'x-kubernetes-action': 'patch',
        'x-kubernetes-group-version-kind': { group: t.group, version, kind: t.kind },
        parameters: ['fieldValidation', 'fieldManager', 'dryRun', 'force'].map((name) => ({
          name,
          in: 'query',
          schema: { type: name === 'force' ? 'boolean' : 'string' },
        })),
        requestBody: {
          content: {
            'application/json-patch+json': {},
            'application/merge-patch+json': {},
            'application/apply-patch+yaml': {},
          },
        },
        responses: { '200': { description: 'OK' } },
      },
    };
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.32.4' },
    paths,
    components: { schemas: {} },
  };
}
