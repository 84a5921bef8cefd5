import type { ResourceRef } from '../apiserver/types.ts';
import { aggregatedDiscovery as aggregated } from '../discovery/aggregated.ts';
import {
  apiResourceList,
  legacyApiGroup,
  legacyApiGroupList,
  legacyApiVersions,
} from '../discovery/legacy.ts';
import { openApiDocument, openApiIndex } from '../openapi/openapi.ts';
import type { ResourceRegistry } from '../registry/registry.ts';
import type { KubeObject } from '../registry/types.ts';
import { type IncludeObject, toTable as renderTable, type Table } from '../table/table.ts';

/**
 * The one place the HTTP layer reaches the generated documents: discovery (aggregated v2 and legacy),
 * OpenAPI v3, and Table conversion. Each function states the contract the HTTP layer relies on.
 */

/** What the documents are generated from: the registry every REST handler also reads. */
export type DocumentSource = ResourceRegistry;

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

/** `APIVersions` for `/api`; `serverAddress` is `host:port` as clients reach the server. */
export function legacyCoreVersions(serverAddress: string): unknown {
  return legacyApiVersions(serverAddress);
}

/** `APIGroupList` for `/apis`. */
export function legacyGroupList(source: DocumentSource): unknown {
  return legacyApiGroupList(source);
}

/** `APIGroup` for `/apis/{group}`, or undefined when the group is not served. */
export function legacyGroup(source: DocumentSource, group: string): unknown {
  return legacyApiGroup(source, group);
}

/** `APIResourceList` for `/api/v1` or `/apis/{group}/{version}`, or undefined when not served. */
export function resourceList(source: DocumentSource, group: string, version: string): unknown {
  return apiResourceList(source, group, version);
}

/** `APIGroupDiscoveryList` (aggregated v2) for `/api` (core only) or `/apis` (every other group). */
export function aggregatedDiscovery(source: DocumentSource, core: boolean): unknown {
  return aggregated(source, core ? 'core' : 'apis');
}

/** The `/openapi/v3` index: one entry per served group version, its URL carrying the document's hash. */
export function openapiIndex(source: DocumentSource): unknown {
  return openApiIndex(source);
}

/** The OpenAPI v3 document of one group version (`api/v1`, `apis/apps/v1`) as JSON text, or undefined. */
export function openapiDocument(source: DocumentSource, path: string): string | undefined {
  return openApiDocument(source, path)?.body;
}
