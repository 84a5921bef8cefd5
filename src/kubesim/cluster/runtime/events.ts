import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../../../core/clock.ts';
import { errorMessage } from '../../../core/errors.ts';
import type { ObjectService, ResourceRef } from '../../apiserver/types.ts';
import type { KubeObject } from '../../registry/types.ts';
import { metaTime } from './objects.ts';

export type EventType = 'Normal' | 'Warning';

/**
 * Writes core/v1 Events the way the real components do (`kubectl describe` shows them), repeating an
 * identical event by bumping its count instead of creating another. Never fails the caller: an event that
 * cannot be written is logged and dropped, as client-go's recorder does.
 */
export class EventRecorder {
  readonly #api: ObjectService;
  readonly #ref: ResourceRef;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #recent = new Map<string, { namespace: string; name: string; count: number }>();

  constructor(api: ObjectService, eventsRef: ResourceRef, clock: Clock, logger: Logger) {
    this.#api = api;
    this.#ref = eventsRef;
    this.#clock = clock;
    this.#logger = logger;
  }

  record(
    involved: KubeObject,
    type: EventType,
    reason: string,
    message: string,
    component: string,
    host?: string,
  ): void {
    const namespace = involved.metadata.namespace ?? 'default';
    const now = metaTime(this.#clock.now());
    const dedupe = `${involved.metadata.uid}|${reason}|${message}|${component}`;
    const seen = this.#recent.get(dedupe);
    try {
      if (seen) {
        seen.count++;
        this.#api.patch(this.#ref, seen.namespace, seen.name, 'merge', {
          count: seen.count,
          lastTimestamp: now,
        });
        return;
      }
      const name = `${involved.metadata.name}.${randomBytes(8).toString('hex')}`;
      this.#api.create(this.#ref, namespace, {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name, namespace },
        involvedObject: {
          apiVersion: involved.apiVersion,
          kind: involved.kind,
          namespace: involved.metadata.namespace,
          name: involved.metadata.name,
          uid: involved.metadata.uid,
          resourceVersion: involved.metadata.resourceVersion,
        },
        reason,
        message,
        type,
        count: 1,
        firstTimestamp: now,
        lastTimestamp: now,
        source: host ? { component, host } : { component },
        reportingComponent: component,
        reportingInstance: host ?? '',
      });
      if (this.#recent.size > 2000) this.#recent.clear();
      this.#recent.set(dedupe, { namespace, name, count: 1 });
    } catch (err) {
      this.#recent.delete(dedupe);
      this.#logger.debug({ reason, err: errorMessage(err) }, 'event not recorded');
    }
  }
}
