/**
 * The shapes of the Kubernetes port that the engines and controllers program against. Implementations live
 * beside this file (over @kubernetes/client-node); engines receive these interfaces, never the library.
 */

/** Any API object as JSON. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    generateName?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    generation?: number;
    creationTimestamp?: string;
    deletionTimestamp?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: Array<{
      apiVersion: string;
      kind: string;
      name: string;
      uid: string;
      controller?: boolean;
      blockOwnerDeletion?: boolean;
    }>;
    finalizers?: string[];
    managedFields?: unknown[];
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

/** One resource as discovery describes it, at one version of its group. */
export interface ApiResourceInfo {
  /** '' for the core group. */
  group: string;
  version: string;
  /** `v1` or `apps/v1`. */
  groupVersion: string;
  /** The plural, lower case: `deployments`. */
  resource: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  shortNames: readonly string[];
  verbs: readonly string[];
  categories: readonly string[];
  /** The group's preferred version on this server. */
  preferredVersion: string;
  /** `deployments.apps`, or `pods` for the core group: the name used in tarball paths and filters. */
  groupResource: string;
  /** The subresources served (`status`, `scale`, …), when discovery said; absent from hand-built infos. */
  subresources?: readonly string[];
}

/** The server's resources, read once by `discoverResources`. */
export interface ResourceCatalog {
  /** Top-level resources (no subresources) at their group's preferred version, in discovery order. */
  preferred(): readonly ApiResourceInfo[];
  /** Every served version of a group's resource, preferred first. */
  versionsOf(groupResource: string): readonly ApiResourceInfo[];
  /**
   * A resource named as a user names it: plural, singular, kind or short name, optionally qualified by group
   * (`deployments.apps`, `deploy`, `Deployment`, `deployment.apps`); case-insensitive. Undefined when unknown.
   */
  resolve(name: string): ApiResourceInfo | undefined;
  /** The resource of a kind in a group (`apps`, `Deployment`), at the preferred version. */
  forKind(group: string, kind: string): ApiResourceInfo | undefined;
}

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Page size; the implementation picks a sensible default (500) when unset. */
  limit?: number;
  /**
   * The caller keeps items as the listed bytes (`listedItemJson`) and reads of each item only `apiVersion`,
   * `kind` and `metadata.{name, namespace, labels, deletionTimestamp}`: an implementation that can find the
   * bytes may then hand out items that hold only those (marked, see `isMetadataDigest`), which spares decoding
   * the bodies. Implementations without the bytes ignore it and return whole items.
   */
  metadataDigest?: boolean;
}

export interface ListPage {
  items: KubeObject[];
  /** The list's resourceVersion. */
  resourceVersion: string;
  /** Set when more pages follow. */
  continue?: string;
}

export type PatchType = 'merge' | 'json' | 'strategic' | 'apply';

export interface WriteOptions {
  dryRun?: boolean;
  fieldManager?: string;
  /** For `apply` patches. */
  force?: boolean;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';

/**
 * Generic access to any resource, by its discovery info. Errors are `LifeboatError`s with the code taken from
 * the API Status (`NotFound`, `AlreadyExists`, `Conflict`, `Invalid`, `PermissionDenied`, `Gone`, …); transient
 * ones (429, 5xx, connection resets) are retried inside with backoff before they surface.
 */
export interface DynamicClient {
  /** Every object, page by page (`limit`/`continue`); restarts the list on a 410 for an expired token. */
  listPages(resource: ApiResourceInfo, options?: ListOptions): AsyncIterable<ListPage>;
  get(
    resource: ApiResourceInfo,
    namespace: string | undefined,
    name: string,
  ): Promise<KubeObject | undefined>;
  create(resource: ApiResourceInfo, object: KubeObject, options?: WriteOptions): Promise<KubeObject>;
  update(resource: ApiResourceInfo, object: KubeObject, options?: WriteOptions): Promise<KubeObject>;
  updateStatus(resource: ApiResourceInfo, object: KubeObject, options?: WriteOptions): Promise<KubeObject>;
  patch(
    resource: ApiResourceInfo,
    namespace: string | undefined,
    name: string,
    type: PatchType,
    patch: unknown,
    options?: WriteOptions & { subresource?: 'status' },
  ): Promise<KubeObject>;
  delete(resource: ApiResourceInfo, namespace: string | undefined, name: string): Promise<void>;
  /**
   * Watches from `resourceVersion`; `onEvent` is called in order. Resolves when the server ends the watch
   * (timeout); rejects with code `Gone` on a 410, so the caller relists. `signal` stops it.
   */
  watch(
    resource: ApiResourceInfo,
    options: ListOptions & {
      resourceVersion: string;
      allowBookmarks?: boolean;
      /** Asks the server to end the watch after this long (default: a random 5–10 minutes, as kubectl). */
      timeoutSeconds?: number;
    },
    onEvent: (type: WatchEventType, object: KubeObject) => void,
    signal: AbortSignal,
  ): Promise<void>;
}
