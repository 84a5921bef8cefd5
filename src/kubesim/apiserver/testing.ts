import type { ResourceType } from '../registry/types.ts';
import type { ResourceCatalog } from './catalog.ts';
import type { ResourceRef } from './types.ts';

/**
 * A small hand-written set of resource types for the API server's own tests, so they pin the server's
 * semantics independently of the full built-in catalogue.
 */
const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

function type(
  partial: Partial<ResourceType> & Pick<ResourceType, 'group' | 'resource' | 'kind'>,
): ResourceType {
  return {
    versions: [{ name: 'v1', served: true, storage: true }],
    singular: partial.kind.toLowerCase(),
    listKind: `${partial.kind}List`,
    namespaced: true,
    shortNames: [],
    categories: [],
    verbs: VERBS,
    subresources: {},
    tracksGeneration: false,
    allowUnconditionalUpdate: true,
    strategicMerge: true,
    ...partial,
  };
}

export function testResourceTypes(): ResourceType[] {
  return [
    type({
      group: '',
      resource: 'namespaces',
      kind: 'Namespace',
      namespaced: false,
      shortNames: ['ns'],
      subresources: { status: true, other: ['finalize'] },
      verbs: VERBS.filter((v) => v !== 'deletecollection'),
      fieldSelectors: { 'status.phase': (o) => (o.status as { phase?: string } | undefined)?.phase },
    }),
    type({ group: '', resource: 'configmaps', kind: 'ConfigMap', shortNames: ['cm'] }),
    type({
      group: '',
      resource: 'secrets',
      kind: 'Secret',
      fieldSelectors: { type: (o) => o.type as string | undefined },
    }),
    type({
      group: '',
      resource: 'pods',
      kind: 'Pod',
      shortNames: ['po'],
      categories: ['all'],
      subresources: { status: true, other: ['log', 'exec', 'attach', 'binding', 'eviction'] },
      returnDeletedObject: true,
      fieldSelectors: {
        'status.phase': (o) => (o.status as { phase?: string } | undefined)?.phase,
        'spec.nodeName': (o) => (o.spec as { nodeName?: string } | undefined)?.nodeName,
      },
    }),
    type({
      group: '',
      resource: 'services',
      kind: 'Service',
      shortNames: ['svc'],
      subresources: { status: true },
      returnDeletedObject: true,
    }),
    type({
      group: 'apps',
      resource: 'deployments',
      kind: 'Deployment',
      shortNames: ['deploy'],
      categories: ['all'],
      tracksGeneration: true,
      subresources: {
        status: true,
        scale: {
          specReplicasPath: '.spec.replicas',
          statusReplicasPath: '.status.replicas',
          labelSelectorPath: '.spec.selector',
        },
      },
    }),
    type({
      group: 'autoscaling',
      resource: 'horizontalpodautoscalers',
      kind: 'HorizontalPodAutoscaler',
      versions: [
        { name: 'v2', served: true, storage: true },
        { name: 'v1', served: true, storage: false },
      ],
      tracksGeneration: true,
      subresources: { status: true },
    }),
    type({
      group: 'apiextensions.k8s.io',
      resource: 'customresourcedefinitions',
      kind: 'CustomResourceDefinition',
      namespaced: false,
      shortNames: ['crd', 'crds'],
      subresources: { status: true },
      tracksGeneration: true,
      strategicMerge: true,
    }),
  ];
}

/** A map-backed catalogue with the registry's lookup rules (served versions only). */
export class TestCatalog implements ResourceCatalog {
  readonly types = new Map<string, ResourceType>();
  constructor(types: ResourceType[] = testResourceTypes()) {
    for (const t of types) this.add(t);
  }
  lookup(group: string, version: string, resource: string): ResourceRef | undefined {
    const type = this.types.get(`${group}/${resource}`);
    return type?.versions.some((v) => v.name === version && v.served) ? { type, version } : undefined;
  }
  find(group: string, resource: string): ResourceType | undefined {
    return this.types.get(`${group}/${resource}`);
  }
  byKind(group: string, kind: string): ResourceType | undefined {
    return this.all().find((t) => t.group === group && t.kind === kind);
  }
  all(): ResourceType[] {
    return [...this.types.values()];
  }
  add(type: ResourceType): void {
    this.types.set(`${type.group}/${type.resource}`, type);
  }
  remove(group: string, resource: string): void {
    this.types.delete(`${group}/${resource}`);
  }
}
