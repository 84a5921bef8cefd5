import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { EventSink } from '../controllers/context.ts';
import type { Clock } from '../core/clock.ts';
import { errorMessage } from '../core/errors.ts';
import type { ApiResourceInfo, DynamicClient } from '../kube/types.ts';

export const EVENTS: ApiResourceInfo = {
  group: '',
  version: 'v1',
  groupVersion: 'v1',
  resource: 'events',
  singular: 'event',
  kind: 'Event',
  namespaced: true,
  shortNames: ['ev'],
  verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
  categories: [],
  preferredVersion: 'v1',
  groupResource: 'events',
};

/** Messages longer than this are cut, as the API server caps an Event's message at 1 KiB. */
const MAX_MESSAGE = 1024;

/**
 * Posts core v1 Events about Lifeboat objects (`kubectl describe backup b1` shows them), from component
 * `lifeboat-server`. Best effort: a failed post is logged at debug level and otherwise ignored, and posting
 * never delays the reconcile that records it.
 */
export function createEventSink(
  client: DynamicClient,
  namespace: string,
  host: string,
  clock: Clock,
  logger: Logger,
): EventSink {
  return {
    record(object, type, reason, message) {
      const now = clock.now().toISOString();
      const name = object.metadata?.name ?? 'unknown';
      const text = message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE - 3)}...` : message;
      client
        .create(EVENTS, {
          apiVersion: 'v1',
          kind: 'Event',
          metadata: { name: `${name}.${randomBytes(8).toString('hex')}`, namespace },
          involvedObject: {
            apiVersion: object.apiVersion ?? 'lifeboat.io/v1',
            kind: object.kind,
            name,
            namespace: object.metadata?.namespace ?? namespace,
            uid: object.metadata?.uid,
            resourceVersion: object.metadata?.resourceVersion,
          },
          reason,
          message: text,
          type,
          source: { component: 'lifeboat-server', host },
          reportingComponent: 'lifeboat.io/server',
          reportingInstance: host,
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
        })
        .catch((err: unknown) =>
          logger.debug({ reason, object: name, err: errorMessage(err) }, 'event not recorded'),
        );
    },
  };
}
