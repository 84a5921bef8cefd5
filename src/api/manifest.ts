import { API_VERSION } from './group.ts';
import type { ResourceInputTypes, ResourceKind } from './kinds.ts';
import type { ObjectMeta } from './shared/metadata.ts';

/** A manifest of `kind` ready to send to the API server: apiVersion and kind stamped, spec as given. */
export type Manifest<K extends ResourceKind> = ResourceInputTypes[K] & {
  apiVersion: typeof API_VERSION;
  kind: K;
  metadata: ObjectMeta;
};

/**
 * Builds a manifest of `kind` with `apiVersion: lifeboat.io/v1` and the given metadata and spec, typed by
 * the kind's input schema so a misspelt field is a compile error. It does not validate; pass the result to
 * `validateResource` when the values come from a person.
 */
export function manifest<K extends ResourceKind>(
  kind: K,
  metadata: ObjectMeta,
  spec: ResourceInputTypes[K]['spec'],
): Manifest<K> {
  return { apiVersion: API_VERSION, kind, metadata, spec } as Manifest<K>;
}
