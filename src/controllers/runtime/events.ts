import type { Logger } from 'pino';
import { type Clock, systemClock } from '../../core/clock.ts';
import { errorMessage, isLifeboatError } from '../../core/errors.ts';
import type { ApiResourceInfo, DynamicClient, KubeObject } from '../../kube/types.ts';

/** Core v1 Events. */
export const EVENTS_RESOURCE: ApiResourceInfo = {
  group: '',
  version: 'v1',
  groupVersion: 'v1',
  resource: 'events',
  singular: 'event',
  kind: 'Event',
  namespaced: true,
  shortNames: ['ev'],
  verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
  categories: [],
  preferredVersion: 'v1',
  groupResource: 'events',
};

export type EventType = 'Normal' | 'Warning';

export type EventRecorderOptions = {
  client: DynamicClient;
  /** `source.component` and `reportingComponent` (default `lifeboat-server`). */
  component?: string;
  /** `source.host` and `reportingInstance` (the pod name, say). */
  instance?: string;
  clock?: Clock;
  logger: Logger;
  /** Repeats of the same event within this window bump its count instead of making a new one (default 10 min). */
  aggregateWindowMs?: number;
  /** Distinct events remembered for counting (default 4,096; the oldest are forgotten). */
  cacheSize?: number;
};

/** Longest message kept (the API server's limit for the newer events API; core Events get the same). */
const MAX_MESSAGE = 1024;

type Seen = { namespace: string; name: string; count: number; lastMs: number };

/**
 * Posts core v1 Events about objects, as `kubectl describe` shows them: involvedObject, reason, message, type,
 * source. The same event (object, type, reason, message) repeated within the window bumps `count` and
 * `lastTimestamp` of the one Event rather than creating another, as client-go's recorder does. Recording never
 * throws: a failure is logged, since an event is never worth failing a reconcile for. Messages must not carry
 * Secret data; callers pass what they would log.
 */
export class EventRecorder {
  readonly #client: DynamicClient;
  readonly #component: string;
  readonly #instance: string;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #windowMs: number;
  readonly #cacheSize: number;
  readonly #seen = new Map<string, Seen>();
  readonly #pending = new Set<Promise<void>>();
  #sequence = 0;

  constructor(options: EventRecorderOptions) {
    this.#client = options.client;
    this.#component = options.component ?? 'lifeboat-server';
    this.#instance = options.instance ?? '';
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger;
    this.#windowMs = options.aggregateWindowMs ?? 10 * 60_000;
    this.#cacheSize = options.cacheSize ?? 4096;
  }

  /** Records an event in the background; `flush` waits for every one in flight. */
  event(object: KubeObject, type: EventType, reason: string, message: string): void {
    const p = this.record(object, type, reason, message).finally(() => this.#pending.delete(p));
    this.#pending.add(p);
  }

  /** Waits until every event recorded so far is written (or has failed). */
  async flush(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
  }

  /** Records an event and resolves once it is written; never rejects. */
  async record(object: KubeObject, type: EventType, reason: string, message: string): Promise<void> {
    const meta = object.metadata ?? {};
    const text = message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE - 3)}...` : message;
    const key = [
      meta.uid ?? '',
      meta.namespace ?? '',
      meta.name ?? '',
      object.kind ?? '',
      type,
      reason,
      text,
    ].join('\u0000');
    const now = this.#clock.now();
    const seen = this.#seen.get(key);
    try {
      if (seen && now.getTime() - seen.lastMs < this.#windowMs) {
        seen.count++;
        seen.lastMs = now.getTime();
        this.#touch(key, seen);
        try {
          await this.#client.patch(EVENTS_RESOURCE, seen.namespace, seen.name, 'merge', {
            count: seen.count,
            lastTimestamp: seconds(now),
          });
          return;
        } catch (err) {
          // Someone removed it (events expire after an hour on real clusters): start a new one.
          if (!isLifeboatError(err, 'NotFound')) throw err;
        }
      }
      const namespace = meta.namespace || 'default';
      // Like client-go's `<name>.<hex time>`; the sequence keeps events of the same millisecond apart.
      const suffix = (this.#sequence++ % 0x1000).toString(16).padStart(3, '0');
      const name = `${meta.name ?? 'unnamed'}.${now.getTime().toString(16)}${suffix}`;
      await this.#client.create(EVENTS_RESOURCE, {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name, namespace },
        involvedObject: {
          apiVersion: object.apiVersion,
          kind: object.kind,
          namespace: meta.namespace,
          name: meta.name,
          uid: meta.uid,
          resourceVersion: meta.resourceVersion,
        },
        reason,
        message: text,
        type,
        source: { component: this.#component, host: this.#instance || undefined },
        reportingComponent: this.#component,
        reportingInstance: this.#instance,
        firstTimestamp: seconds(now),
        lastTimestamp: seconds(now),
        count: 1,
      });
      this.#touch(key, { namespace, name, count: 1, lastMs: now.getTime() });
    } catch (err) {
      this.#logger.warn(
        { reason, object: `${meta.namespace ?? ''}/${meta.name ?? ''}`, err: errorMessage(err) },
        'could not record an event',
      );
    }
  }

  #touch(key: string, seen: Seen): void {
    this.#seen.delete(key);
    this.#seen.set(key, seen);
    if (this.#seen.size > this.#cacheSize) {
      const oldest = this.#seen.keys().next().value;
      if (oldest !== undefined) this.#seen.delete(oldest);
    }
  }
}

/** Event timestamps are whole seconds (metav1.Time). */
function seconds(d: Date): string {
  return `${d.toISOString().slice(0, 19)}Z`;
}
