import assert from 'node:assert/strict';
import { ManualClock } from '../../core/clock.ts';
import type { KubeObject, ResourceType } from '../registry/types.ts';
import { SYSTEM_NAMESPACES } from './admission/namespaces.ts';
import type { ResourceCatalog } from './catalog.ts';
import { createObjectService } from './object-service.ts';
import { ApiError, type ResourceRef } from './types.ts';

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

/**
 * An object service over the test catalogue, bootstrapped like a fresh cluster, with a manual clock and pinned
 * name generation, and the references the object service's tests use most.
 */
export function setupService(options: { watchHistory?: number } = {}) {
  const clock = new ManualClock('2026-03-01T10:00:00.250Z');
  const catalog = new TestCatalog();
  const api = createObjectService({
    registry: catalog,
    clock,
    watchHistory: options.watchHistory,
    random: () => 0,
  });
  api.bootstrap(SYSTEM_NAMESPACES);
  const ref = (group: string, resource: string, version = 'v1'): ResourceRef => {
    const r = api.lookup(group, version, resource);
    assert.ok(r, `${resource} is served`);
    return r;
  };
  return {
    api,
    clock,
    catalog,
    cm: ref('', 'configmaps'),
    ns: ref('', 'namespaces'),
    pods: ref('', 'pods'),
    svc: ref('', 'services'),
    deploy: ref('apps', 'deployments'),
    crds: ref('apiextensions.k8s.io', 'customresourcedefinitions'),
    ref,
  };
}

/** The HTTP code of the ApiError `fn` throws; 0 when it throws nothing (other errors propagate). */
export function errorCode(fn: () => unknown): number {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) return err.code;
    throw err;
  }
  return 0;
}

/** The ApiError `fn` throws; fails the test when it throws none. */
export function apiErrorOf(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  assert.fail('expected an ApiError');
}

export function configMap(name: string, extra: Partial<KubeObject> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, ...extra.metadata },
    data: { a: '1' },
    ...extra,
  };
}

/** A one-container Deployment whose stored status a status subresource must keep out of main-resource writes. */
export function deployment(name: string, replicas = 1): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'i:1' }] } },
    },
    status: { replicas: 99 },
  };
}
