import { apiVersionOf } from '../registry/types.ts';
import { convertJson } from './codec.ts';
import { parseResourceVersion, tooOld } from './reads.ts';
import { compileFilter } from './selection.ts';
import { type MemoryStore, resourceKey, type StoredEntry, type StoreEvent } from './store.ts';
import type { ResourceRef, WatchEventType, Watcher, WatchOptions } from './types.ts';

/**
 * Watches (kube-api-surface.md §c.3): synthetic ADDED for the current state when no resourceVersion is
 * given, replay from history after resourceVersion N, ERROR 410 (then nothing) below the history floor, and
 * selector transitions reported as ADDED (into the match) or DELETED (out of it). Replay and subscription
 * happen in one synchronous step, so no write can fall between them.
 */

/** Receives each event's object as JSON text in the requested version; ERROR ends the watch. */
export type RawWatchSink = (type: WatchEventType, json: string) => void;

export type WatchTimers = {
  bookmarkIntervalMs: number;
};

export function startWatch(
  store: MemoryStore,
  ref: ResourceRef,
  options: WatchOptions,
  sink: RawWatchSink,
  timers: WatchTimers,
): Watcher {
  const { type } = ref;
  const resource = resourceKey(type);
  const namespace = type.namespaced && options.namespace ? options.namespace : undefined;
  const filter = compileFilter(type, options.labelSelector, options.fieldSelector);
  const wanted = apiVersionOf(type.group, ref.version);
  const matches = (e: StoredEntry): boolean =>
    (namespace === undefined || e.namespace === namespace) && (!filter || filter(e));
  const send = (t: WatchEventType, e: StoredEntry): void =>
    sink(t, convertJson(e.json, e.apiVersion, wanted));

  const rvText = options.resourceVersion ?? '';
  const fromNow = rvText === '' || rvText === '0' || options.sendInitialEvents === true;
  if (!fromNow) parseResourceVersion(rvText);
  const startRv = fromNow ? store.resourceVersion : parseResourceVersion(rvText);
  const bookmark = (annotations?: Record<string, string>): void =>
    sink(
      'BOOKMARK',
      JSON.stringify({
        kind: type.kind,
        apiVersion: wanted,
        metadata: { resourceVersion: String(store.resourceVersion), ...(annotations ? { annotations } : {}) },
      }),
    );

  const onEvent = (ev: StoreEvent): void => {
    if (ev.rv <= startRv) return;
    if (ev.type === 'ADDED') {
      if (matches(ev.entry)) send('ADDED', ev.entry);
      return;
    }
    if (ev.type === 'DELETED') {
      if (matches(ev.prev ?? ev.entry)) send('DELETED', ev.entry);
      return;
    }
    const was = ev.prev !== undefined && matches(ev.prev);
    const is = matches(ev.entry);
    if (was && is) send('MODIFIED', ev.entry);
    else if (is) send('ADDED', ev.entry);
    else if (was) send('DELETED', ev.entry);
  };

  if (fromNow) {
    const { entries } = store.page(resource, { namespace, filter: filter ?? undefined });
    for (const e of entries) send('ADDED', e);
    if (options.sendInitialEvents && options.allowWatchBookmarks)
      bookmark({ 'k8s.io/initial-events-end': 'true' });
  } else {
    const events = store.eventsSince(startRv);
    if (!events) {
      sink('ERROR', JSON.stringify(tooOld(store, startRv).status));
      return { stop() {} };
    }
    for (const ev of events) if (ev.resource === resource) onEvent(ev);
  }

  const unsubscribe = store.subscribe(resource, onEvent);
  let timer: NodeJS.Timeout | undefined;
  if (options.allowWatchBookmarks && timers.bookmarkIntervalMs > 0) {
    timer = setInterval(() => bookmark(), timers.bookmarkIntervalMs);
    timer.unref();
  }
  let stopped = false;
  return {
    stop() {
      if (stopped) return;
      stopped = true;
      unsubscribe();
      if (timer) clearInterval(timer);
    },
  };
}
