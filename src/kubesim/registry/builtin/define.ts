import type { FieldExtractors, ResourceType, ResourceVersionInfo, TableConverter } from '../types.ts';

/** Verb sets as built-in resources list them in discovery (sorted, as the installer emits them). */
export const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
export const NO_DELETECOLLECTION_VERBS = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];
export const CREATE_ONLY_VERBS = ['create'];
/** Custom resources list their verbs in this fixed, unsorted order. */
export const CUSTOM_RESOURCE_VERBS = [
  'delete',
  'deletecollection',
  'get',
  'list',
  'patch',
  'create',
  'update',
  'watch',
];

export type BuiltinSpec = {
  group: string;
  /** Defaults to a single served storage version `v1`. */
  versions?: ResourceVersionInfo[];
  resource: string;
  kind: string;
  singular?: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  verbs?: string[];
  subresources?: ResourceType['subresources'];
  tracksGeneration?: boolean;
  allowUnconditionalUpdate?: boolean;
  returnDeletedObject?: boolean;
  strategicMerge?: boolean;
  table?: TableConverter;
  fieldSelectors?: FieldExtractors;
};

/** A built-in resource type with the usual defaults filled in (singular, listKind, verbs, v1). */
export function builtin(spec: BuiltinSpec): ResourceType {
  const type: ResourceType = {
    group: spec.group,
    versions: spec.versions ?? [{ name: 'v1', served: true, storage: true }],
    resource: spec.resource,
    singular: spec.singular ?? spec.kind.toLowerCase(),
    kind: spec.kind,
    listKind: `${spec.kind}List`,
    namespaced: spec.namespaced,
    shortNames: spec.shortNames ?? [],
    categories: spec.categories ?? [],
    verbs: spec.verbs ?? ALL_VERBS,
    subresources: spec.subresources ?? {},
    tracksGeneration: spec.tracksGeneration ?? false,
    allowUnconditionalUpdate: spec.allowUnconditionalUpdate ?? true,
    strategicMerge: spec.strategicMerge ?? true,
  };
  if (spec.returnDeletedObject) type.returnDeletedObject = true;
  if (spec.table) type.table = spec.table;
  if (spec.fieldSelectors) type.fieldSelectors = spec.fieldSelectors;
  return type;
}
