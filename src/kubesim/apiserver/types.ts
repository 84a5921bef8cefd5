import type { KubeObject, ResourceType } from '../registry/types.ts';

/**
 * The in-process face of kubesim's API server. The HTTP layer is a thin adapter over it, and the simulated
 * controllers (kubelet, workload controllers, garbage collector, CSI driver) use it directly, so every write,
 * from a client or from a controller, goes through the same validation, defaulting, resourceVersion and watch
 * semantics as on a real API server. Failures throw `ApiError` carrying the Kubernetes `Status` to send.
 */

export type Status = {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, unknown>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: {
    name?: string;
    group?: string;
    kind?: string;
    uid?: string;
    causes?: { reason?: string; message?: string; field?: string }[];
    retryAfterSeconds?: number;
  };
  code?: number;
};

export class ApiError extends Error {
  readonly status: Status;
  constructor(status: Status) {
    super(status.message ?? status.reason ?? 'error');
    this.name = 'ApiError';
    this.status = status;
  }
  get code(): number {
    return this.status.code ?? 500;
  }
}

/** A resource as addressed by a request: the type plus the version the caller speaks. */
export type ResourceRef = { type: ResourceType; version: string };

export type WriteOptions = {
  dryRun?: boolean;
  fieldManager?: string;
  /** Strict | Warn | Ignore, as the `fieldValidation` query parameter. */
  fieldValidation?: 'Strict' | 'Warn' | 'Ignore';
  /**
   * Set when the write comes through a subresource: `status` (only .status changes) or, for namespaces,
   * `finalize` (only spec.finalizers changes).
   */
  subresource?: 'status' | 'finalize';
  /** Collects warnings for the client (`Warning` headers), e.g. unknown fields under fieldValidation=Warn. */
  warnings?: string[];
};

export type ListOptions = {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: 'NotOlderThan' | 'Exact';
};

export type ListResult = {
  items: KubeObject[];
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
};

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

export type DeleteOptions = {
  dryRun?: boolean;
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
  preconditions?: { uid?: string; resourceVersion?: string };
};

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export type WatchEvent = { type: WatchEventType; object: KubeObject | Status };

export type WatchOptions = {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Unset or '0': synthetic ADDED for current objects first. N: replay history after N, or ERROR 410. */
  resourceVersion?: string;
  allowWatchBookmarks?: boolean;
  /**
   * WatchList (`sendInitialEvents=true`): ADDED for the current state whatever the resourceVersion, then (with
   * bookmarks allowed) a BOOKMARK annotated `k8s.io/initial-events-end: "true"`, then live events.
   */
  sendInitialEvents?: boolean;
};

export type Watcher = { stop(): void };

export interface ObjectService {
  /** Resolves a served resource by group, version and plural (or `undefined`). */
  lookup(group: string, version: string, resource: string): ResourceRef | undefined;
  get(ref: ResourceRef, namespace: string | undefined, name: string): KubeObject;
  list(ref: ResourceRef, options?: ListOptions): ListResult;
  create(
    ref: ResourceRef,
    namespace: string | undefined,
    body: KubeObject,
    options?: WriteOptions,
  ): KubeObject;
  update(
    ref: ResourceRef,
    namespace: string | undefined,
    name: string,
    body: KubeObject,
    options?: WriteOptions,
  ): KubeObject;
  patch(
    ref: ResourceRef,
    namespace: string | undefined,
    name: string,
    type: PatchType,
    body: unknown,
    options?: WriteOptions & { force?: boolean },
  ): { object: KubeObject; created: boolean };
  /** Returns the object (deletion pending, or the kind returns deleted objects) or a Success Status. */
  delete(
    ref: ResourceRef,
    namespace: string | undefined,
    name: string,
    options?: DeleteOptions,
  ): KubeObject | Status;
  /** Events are delivered in resourceVersion order; `onEvent` must not throw. */
  watch(ref: ResourceRef, options: WatchOptions, onEvent: (event: WatchEvent) => void): Watcher;
  /** The current global resourceVersion. */
  currentResourceVersion(): string;
}
