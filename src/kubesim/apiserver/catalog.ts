import type { ResourceType } from '../registry/types.ts';
import type { ResourceRef } from './types.ts';

/**
 * What the API server needs from the resource registry: resolving request paths to types, finding types by
 * kind, and adding or removing the types a CustomResourceDefinition defines. `ResourceRegistry` satisfies it.
 */
export interface ResourceCatalog {
  lookup(group: string, version: string, resource: string): ResourceRef | undefined;
  find(group: string, resource: string): ResourceType | undefined;
  byKind(group: string, kind: string): ResourceType | undefined;
  all(): ResourceType[];
  add(type: ResourceType): void;
  remove(group: string, resource: string): void;
}
