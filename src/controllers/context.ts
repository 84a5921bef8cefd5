import type { Logger } from 'pino';
import type { Clock } from '../core/clock.ts';
import type { ApiResourceInfo, DynamicClient, KubeObject, ResourceCatalog } from '../kube/types.ts';
import type { StorageLocations } from './storage-locations.ts';

/**
 * What every reconciler receives: the Kubernetes port, the server's namespace, time, logs, events,
 * metrics and storage locations. The server builds one and hands it to each reconciler; tests build one
 * against kubesim. Narrow interfaces here (events, metrics) keep the reconcilers free of the server's
 * concrete classes.
 */
export interface ControllerContext {
  client: DynamicClient;
  namespace: string;
  clock: Clock;
  logger: Logger;
  events: EventSink;
  metrics: RunMetrics;
  locations: StorageLocations;
  /** A fresh view of the cluster's resources (new CRDs appear); engines need it per run. */
  discover: () => Promise<ResourceCatalog>;
}

/** Records a Kubernetes Event about an object; never throws (events are best effort). */
export interface EventSink {
  record(object: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): void;
}

/** The metrics the reconcilers feed; the server's `ServerMetrics` implements it. */
export interface RunMetrics {
  backupStarted(labels: { schedule?: string; location?: string }): void;
  backupFinished(finish: {
    schedule?: string;
    location?: string;
    outcome: 'Completed' | 'PartiallyFailed' | 'Failed' | 'FailedValidation';
    durationSeconds?: number;
    items?: number;
    errors?: number;
    warnings?: number;
    finishedAt?: Date;
    tarballBytes?: number;
  }): void;
  restoreStarted(labels: { schedule?: string; location?: string }): void;
  restoreFinished(finish: {
    schedule?: string;
    location?: string;
    outcome: 'Completed' | 'PartiallyFailed' | 'Failed' | 'FailedValidation';
    durationSeconds?: number;
    items?: number;
  }): void;
  deletionAttempted(labels: { schedule?: string; location?: string }): void;
  deletionFinished(labels: { schedule?: string; location?: string }, ok: boolean): void;
  locationAvailability(location: string, available: boolean): void;
  locationRemoved(location: string): void;
}

/** What a reconcile asks of the loop that called it. */
export interface ReconcileResult {
  /** Reconcile this object again after this long (periodic checks, expiries). */
  requeueAfterMs?: number;
}

/**
 * One controller's logic: brings the object `name` (in the server's namespace) towards what its spec asks.
 * Idempotent: it reads the object afresh and may be called any number of times. Throwing asks for a retry
 * with backoff.
 */
export interface Reconciler {
  /** Short name, used in logs and `disableControllers`: `backup`, `restore`, … */
  readonly name: string;
  readonly resource: ApiResourceInfo;
  reconcile(name: string): Promise<ReconcileResult | undefined>;
  /** Cuts long-running work short (a shutdown past its grace period); absent when reconciles are quick. */
  abortAll?(): Promise<void>;
}

/** Merge-patches `status` of an object through the status subresource; returns the object after. */
export async function patchStatus(
  ctx: ControllerContext,
  resource: ApiResourceInfo,
  name: string,
  status: Record<string, unknown>,
): Promise<KubeObject> {
  return ctx.client.patch(resource, ctx.namespace, name, 'merge', { status }, { subresource: 'status' });
}

/**
 * `patchStatus` that tries again (5 times, from 200 ms doubling) when the write fails: for a run's final
 * status, which would otherwise leave the object InProgress until the next server start.
 */
export async function patchFinalStatus(
  ctx: ControllerContext,
  resource: ApiResourceInfo,
  name: string,
  status: Record<string, unknown>,
): Promise<KubeObject> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await patchStatus(ctx, resource, name, status);
    } catch (err) {
      if (attempt >= 4) throw err;
      ctx.logger.warn({ kind: resource.kind, name, attempt }, 'final status not recorded yet; retrying');
      await ctx.clock.sleep(200 * 2 ** attempt);
    }
  }
}

/** The runtime's condition helper (lastTransitionTime moves only when the status changes). */
export { setCondition } from './runtime/index.ts';

/** Kubernetes timestamps are whole seconds. */
export function timestamp(date: Date): string {
  return new Date(Math.floor(date.getTime() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** Accumulates progress reports and patches at most one every `intervalMs`, never two at once. */
export class ThrottledProgress<T> {
  readonly #send: (value: T) => Promise<void>;
  readonly #intervalMs: number;
  readonly #clock: Clock;
  readonly #onError: (err: unknown) => void;
  #latest: T | undefined;
  #lastSent = 0;
  #inFlight: Promise<void> | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  constructor(
    send: (value: T) => Promise<void>,
    intervalMs: number,
    clock: Clock,
    onError: (err: unknown) => void,
  ) {
    this.#send = send;
    this.#intervalMs = intervalMs;
    this.#clock = clock;
    this.#onError = onError;
  }

  report(value: T): void {
    if (this.#closed) return;
    this.#latest = value;
    if (this.#inFlight || this.#timer) return;
    const wait = this.#lastSent + this.#intervalMs - this.#clock.now().getTime();
    if (wait <= 0) this.#flush();
    else this.#timer = setTimeout(() => this.#flush(), wait);
  }

  /** Stops reporting and waits for a patch in flight, so a final status is never overtaken by progress. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#inFlight;
  }

  #flush(): void {
    this.#timer = undefined;
    if (this.#closed || this.#latest === undefined) return;
    const value = this.#latest;
    this.#latest = undefined;
    this.#lastSent = this.#clock.now().getTime();
    this.#inFlight = this.#send(value)
      .catch(this.#onError)
      .finally(() => {
        this.#inFlight = undefined;
        if (this.#latest !== undefined && !this.#closed) this.report(this.#latest);
      });
  }
}
