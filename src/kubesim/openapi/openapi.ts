import { createHash } from 'node:crypto';
import type { ResourceRegistry } from '../registry/registry.ts';
import type { ResourceType } from '../registry/types.ts';

/**
 * The OpenAPI v3 that `kubectl apply`, `create -f` and `replace` need (kube-api-surface §d.4, P8): an
 * index listing every served group version, and per group version a document with one PATCH operation
 * per kind, tagged `x-kubernetes-group-version-kind` and carrying the `fieldValidation` parameter, which is
 * how kubectl decides the server validates fields itself. Built-in kinds get no schemas on purpose: with
 * none, kubectl builds strategic merge patches from its compiled-in types. Custom resources get their
 * version's schema, for `kubectl explain` and client-side validation.
 */

/** The kube-apiserver version the documents claim, matching what /version reports. */
export const OPENAPI_SERVER_VERSION = 'v1.32.4';

const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';

export type OpenApiIndex = { paths: Record<string, { serverRelativeURL: string }> };
export type OpenApiDocument = { body: string; hash: string };

type Cache = { generation: number; documents: Map<string, OpenApiDocument | undefined> };
const caches = new WeakMap<ResourceRegistry, Cache>();

function cacheFor(registry: ResourceRegistry): Cache {
  let cache = caches.get(registry);
  if (!cache || cache.generation !== registry.generation) {
    cache = { generation: registry.generation, documents: new Map() };
    caches.set(registry, cache);
  }
  return cache;
}

/** `api/v1` or `apis/<group>/<version>`. */
export function groupVersionPath(group: string, version: string): string {
  return group === '' ? `api/${version}` : `apis/${group}/${version}`;
}

function parsePath(gvPath: string): { group: string; version: string } | undefined {
  const parts = gvPath.replace(/^\/+/, '').split('/');
  if (parts.length === 2 && parts[0] === 'api') return { group: '', version: parts[1] };
  if (parts.length === 3 && parts[0] === 'apis') return { group: parts[1], version: parts[2] };
  return undefined;
}

/** The components.schemas name of a custom resource's schema: `com.example.v1.Widget` for example.com/v1. */
export function definitionName(group: string, version: string, kind: string): string {
  return [...group.split('.').reverse(), version, kind].join('.');
}

const STRING_PARAM = { schema: { type: 'string', uniqueItems: true } };

function queryParameter(name: string, description: string, type = 'string'): Record<string, unknown> {
  return { name, in: 'query', description, schema: { type, uniqueItems: true } };
}

function patchOperation(type: ResourceType, version: string): Record<string, unknown> {
  const parameters: Record<string, unknown>[] = [
    { name: 'name', in: 'path', description: `name of the ${type.kind}`, required: true, ...STRING_PARAM },
  ];
  if (type.namespaced) {
    parameters.push({
      name: 'namespace',
      in: 'path',
      description: 'object name and auth scope',
      required: true,
      ...STRING_PARAM,
    });
  }
  parameters.push(
    queryParameter('dryRun', 'When present, indicates that modifications should not be persisted.'),
    queryParameter(
      'fieldManager',
      'A name associated with the actor or entity that is making these changes.',
    ),
    queryParameter('fieldValidation', 'Ignore, Warn or Strict: how to treat unknown or duplicate fields.'),
    queryParameter('force', 'Force is going to "force" Apply requests.', 'boolean'),
  );
  const content: Record<string, unknown> = {
    'application/json-patch+json': {},
    'application/merge-patch+json': {},
  };
  if (type.strategicMerge) content['application/strategic-merge-patch+json'] = {};
  content['application/apply-patch+yaml'] = {};
  return {
    description: `partially update the specified ${type.kind}`,
    parameters,
    requestBody: { content, required: true },
    responses: {
      '200': { description: 'OK' },
      '201': { description: 'Created' },
      '401': { description: 'Unauthorized' },
    },
    'x-kubernetes-action': 'patch',
    'x-kubernetes-group-version-kind': { group: type.group, version, kind: type.kind },
  };
}

function namedPath(type: ResourceType, version: string): string {
  const prefix = `/${groupVersionPath(type.group, version)}`;
  return type.namespaced
    ? `${prefix}/namespaces/{namespace}/${type.resource}/{name}`
    : `${prefix}/${type.resource}/{name}`;
}

function customResourceSchema(
  type: ResourceType,
  version: string,
  schema: Record<string, unknown>,
): Record<string, unknown> {
  const properties = { ...((schema.properties as Record<string, unknown> | undefined) ?? {}) };
  properties.apiVersion = {
    type: 'string',
    description: 'APIVersion defines the versioned schema of this representation of an object.',
  };
  properties.kind = {
    type: 'string',
    description: 'Kind is a string value representing the REST resource this object represents.',
  };
  properties.metadata = { $ref: `#/components/schemas/${OBJECT_META}` };
  return {
    ...schema,
    type: 'object',
    properties,
    'x-kubernetes-group-version-kind': [{ group: type.group, kind: type.kind, version }],
  };
}

const OBJECT_META_SCHEMA = {
  type: 'object',
  description: 'ObjectMeta is metadata that all persisted resources must have.',
  properties: {
    name: { type: 'string' },
    generateName: { type: 'string' },
    namespace: { type: 'string' },
    uid: { type: 'string' },
    resourceVersion: { type: 'string' },
    generation: { type: 'integer', format: 'int64' },
    creationTimestamp: { type: 'string', format: 'date-time' },
    deletionTimestamp: { type: 'string', format: 'date-time' },
    deletionGracePeriodSeconds: { type: 'integer', format: 'int64' },
    labels: { type: 'object', additionalProperties: { type: 'string' } },
    annotations: { type: 'object', additionalProperties: { type: 'string' } },
    finalizers: { type: 'array', items: { type: 'string' } },
    ownerReferences: {
      type: 'array',
      items: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
    },
    managedFields: { type: 'array', items: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
  },
};

function buildDocument(
  registry: ResourceRegistry,
  group: string,
  version: string,
): OpenApiDocument | undefined {
  const types = registry.servedAt(group, version);
  if (types.length === 0) return undefined;
  const paths: Record<string, unknown> = {};
  const schemas: Record<string, unknown> = {};
  for (const type of types) {
    paths[namedPath(type, version)] = { patch: patchOperation(type, version) };
    const schema = type.versions.find((v) => v.name === version)?.schema;
    if (type.crdName !== undefined && schema) {
      schemas[definitionName(group, version, type.kind)] = customResourceSchema(type, version, schema);
      schemas[OBJECT_META] = OBJECT_META_SCHEMA;
    }
  }
  const body = JSON.stringify({
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: OPENAPI_SERVER_VERSION },
    paths,
    components: { schemas },
  });
  return { body, hash: createHash('sha512').update(body).digest('hex').toUpperCase() };
}

/**
 * The document of one group version (`api/v1`, `apis/apps/v1`) as serialized JSON plus its hash, or
 * `undefined` when nothing is served there. Built on first use and cached until the registry changes.
 */
export function openApiDocument(registry: ResourceRegistry, gvPath: string): OpenApiDocument | undefined {
  const parsed = parsePath(gvPath);
  if (!parsed) return undefined;
  const key = groupVersionPath(parsed.group, parsed.version);
  const cache = cacheFor(registry);
  if (!cache.documents.has(key))
    cache.documents.set(key, buildDocument(registry, parsed.group, parsed.version));
  return cache.documents.get(key);
}

/**
 * `/openapi/v3`: every served group version with a `serverRelativeURL` whose `hash` changes whenever that
 * document does (kubectl caches documents by URL, pitfall P6).
 */
export function openApiIndex(registry: ResourceRegistry): OpenApiIndex {
  const paths: OpenApiIndex['paths'] = {};
  for (const g of registry.groups()) {
    for (const version of g.versions) {
      const gvPath = groupVersionPath(g.name, version);
      const doc = openApiDocument(registry, gvPath);
      if (doc) paths[gvPath] = { serverRelativeURL: `/openapi/v3/${gvPath}?hash=${doc.hash}` };
    }
  }
  return { paths };
}
