/**
 * What kubesim knows about one served resource. Every other part of kubesim (REST handlers, discovery,
 * OpenAPI, Table output, controllers) reads this one description, so adding a kind is one entry.
 */
export type KubeObject = {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
};

export type ObjectMeta = {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  managedFields?: unknown[];
  [field: string]: unknown;
};

export type OwnerReference = {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
};

export type ScaleSubresource = {
  /** JSON paths as in a CRD: `.spec.replicas`. */
  specReplicasPath: string;
  statusReplicasPath: string;
  labelSelectorPath?: string;
};

export type TableColumn = {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format?: string;
  description?: string;
  /** 0 shows always; 1 only with `-o wide`. */
  priority: number;
};

/** A condition attached to a Table row (a finished pod's row says `Completed`). */
export type TableRowCondition = { type: string; status: string; reason?: string; message?: string };

/** Column definitions and a cell builder for `kubectl get` tables; `now` is injected for ages. */
export type TableConverter = {
  columns: TableColumn[];
  cells(obj: KubeObject, now: Date): unknown[];
  /** Row conditions, for the kinds whose real printer sets them. */
  conditions?(obj: KubeObject): TableRowCondition[] | undefined;
};

/** Field selector support beyond metadata.name/namespace: field path → value extractor. */
export type FieldExtractors = Record<string, (obj: KubeObject) => string | undefined>;

export type ResourceVersionInfo = {
  name: string;
  served: boolean;
  storage: boolean;
  /** For custom resources: the version's openAPIV3Schema (structural). */
  schema?: Record<string, unknown>;
  /** For custom resources: additionalPrinterColumns of that version. */
  printerColumns?: {
    name: string;
    type: string;
    jsonPath: string;
    format?: string;
    description?: string;
    priority?: number;
  }[];
};

export type ResourceType = {
  /** '' for the core group. */
  group: string;
  /** Served versions; the first served one is the preferred version. Exactly one has storage: true. */
  versions: ResourceVersionInfo[];
  /** Plural, lower case: `deployments`. */
  resource: string;
  singular: string;
  kind: string;
  listKind: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  verbs: string[];
  subresources: {
    status?: boolean;
    scale?: ScaleSubresource;
    /** Other subresource names served by dedicated handlers: `log`, `exec`, `attach`, `portforward`, `finalize`, `binding`, `eviction`, `token`. */
    other?: string[];
  };
  /** Whether spec changes bump metadata.generation (kinds with spec/status; all custom resources). */
  tracksGeneration: boolean;
  /** Whether PUT without metadata.resourceVersion is allowed (most built-ins yes; custom resources no). */
  allowUnconditionalUpdate: boolean;
  /** Whether DELETE answers with the object rather than a Status (pods, services, …). */
  returnDeletedObject?: boolean;
  /** Whether strategic merge patch is accepted (built-ins only; custom resources answer 415). */
  strategicMerge: boolean;
  table?: TableConverter;
  fieldSelectors?: FieldExtractors;
  /** Set for resources defined by a CustomResourceDefinition: its metadata.name. */
  crdName?: string;
};

/** The group-qualified resource as Kubernetes writes it in messages: `deployments.apps`, or `pods` for the core group. */
export function groupResource(type: Pick<ResourceType, 'group' | 'resource'>): string {
  return type.group === '' ? type.resource : `${type.resource}.${type.group}`;
}

export function preferredVersion(type: ResourceType): string {
  const served = type.versions.find((v) => v.served);
  if (!served) throw new Error(`${groupResource(type)} has no served version`);
  return served.name;
}

export function storageVersion(type: ResourceType): string {
  const stored = type.versions.find((v) => v.storage);
  if (!stored) throw new Error(`${groupResource(type)} has no storage version`);
  return stored.name;
}

export function apiVersionOf(group: string, version: string): string {
  return group === '' ? version : `${group}/${version}`;
}
