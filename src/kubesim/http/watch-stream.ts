import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../../core/clock.ts';
import type { KubeObjectService } from '../apiserver/object-service.ts';
import type { ResourceRef, WatchEventType, WatchOptions } from '../apiserver/types.ts';
import type { KubeObject } from '../registry/types.ts';
import { type IncludeObject, toTable } from './documents.ts';
import { sendError } from './respond.ts';

/**
 * A watch over HTTP (kube-api-surface.md §c.3, pitfalls P5 and P14): headers flushed at once, one JSON line
 * per event, Table rows when asked, ERROR then end on 410, closed on `timeoutSeconds`, when the client goes
 * (`res.on('close')`), when the server stops, or when a fault drops it. A client that stops reading is cut
 * off once its backlog passes a bound, as the real server drops slow watchers.
 */
const MAX_BACKLOG_BYTES = 64 * 1024 * 1024;

export type WatchStreamOptions = {
  table: boolean;
  includeObject: IncludeObject;
  /** Close after this long (the `timeoutSeconds` parameter, or the server's default). */
  timeoutMs: number;
  clock: Clock;
  /** Registers the stream so faults can drop it (cut, or ended gracefully); returns the unregister function. */
  track?(drop: (graceful: boolean) => void): () => void;
  dropAfterMs?: number;
};

export function serveWatch(
  _req: IncomingMessage,
  res: ServerResponse,
  service: KubeObjectService,
  ref: ResourceRef,
  watch: WatchOptions,
  options: WatchStreamOptions,
): void {
  let closed = false;
  let firstTable = true;
  let stop: (() => void) | undefined;
  const timers: NodeJS.Timeout[] = [];
  let untrack: (() => void) | undefined;

  const end = (): void => {
    if (closed) return;
    closed = true;
    stop?.();
    for (const t of timers) clearTimeout(t);
    untrack?.();
    if (!res.writableEnded) res.end();
  };

  const sink = (type: WatchEventType, json: string): void => {
    if (closed) return;
    let objectJson = json;
    if (options.table && type !== 'BOOKMARK' && type !== 'ERROR') {
      const table = toTable(ref, [JSON.parse(json) as KubeObject], {
        includeObject: options.includeObject,
        now: options.clock.now(),
        withColumns: firstTable,
      });
      firstTable = false;
      objectJson = JSON.stringify(table);
    }
    res.write(`{"type":"${type}","object":${objectJson}}\n`);
    if (type === 'ERROR') {
      // Ends after the current synchronous step: the watch may still be starting.
      queueMicrotask(end);
      return;
    }
    if (res.writableLength > MAX_BACKLOG_BYTES) res.destroy();
  };

  res.setHeader('Content-Type', 'application/json');
  res.setHeader('Cache-Control', 'no-cache, private');
  res.on('close', end);
  try {
    const watcher = service.watchRaw(ref, watch, sink);
    stop = () => watcher.stop();
    if (closed) watcher.stop();
  } catch (err) {
    closed = true;
    sendError(res, err);
    return;
  }
  if (!res.headersSent) {
    res.writeHead(200);
    res.flushHeaders();
  }
  if (closed) return;
  const timeout = setTimeout(end, options.timeoutMs);
  timeout.unref();
  timers.push(timeout);
  if (options.track) untrack = options.track((graceful) => (graceful ? end() : res.destroy()));
  if (options.dropAfterMs !== undefined) {
    const drop = setTimeout(() => res.destroy(), options.dropAfterMs);
    drop.unref();
    timers.push(drop);
  }
}
