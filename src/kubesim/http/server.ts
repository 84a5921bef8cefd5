import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { Clock } from '../../core/clock.ts';
import { pathNotFound } from '../apiserver/errors.ts';
import type { KubeObjectService } from '../apiserver/object-service.ts';
import {
  aggregatedDiscovery,
  type DocumentSource,
  legacyCoreVersions,
  legacyGroup,
  legacyGroupList,
  openapiDocument,
  openapiIndex,
  resourceList,
} from './documents.ts';
import type { FaultInjector } from './faults.ts';
import { AGGREGATED_DISCOVERY_TYPE, wantsAggregatedDiscovery } from './negotiate.ts';
import type { PodStreamHandlers } from './pod-streams.ts';
import { handleResource, notImplemented, resolveRoute } from './resources.ts';
import { sendError, sendJson, sendJsonText, sendText, toApiError } from './respond.ts';
import { handleReview, isReviewPath } from './reviews.ts';
import { parsePath } from './routes.ts';

/**
 * kubesim's HTTP front: node:http on 127.0.0.1 (a free port by default), keep-alive on, every route of
 * kube-api-surface.md §a, every error a Status. `close()` ends every connection, watch and upgrade.
 */
export type ApiHttpOptions = {
  service: KubeObjectService;
  documents: DocumentSource;
  faults: FaultInjector;
  streams: PodStreamHandlers;
  clock: Clock;
  logger?: Logger;
  host?: string;
  port?: number;
  /** Default watch timeout when the client gives none; the real server picks 30-60 minutes. */
  watchTimeoutMs?: () => number;
};

export type ApiHttpServer = {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
};

/** The version kubectl's gcloud dispatcher reads to pick kubectl 1.32 (kube-api-surface.md P1). */
export const SERVER_VERSION = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.4',
  gitCommit: '59526cd4867447956156ae3a602fcbac10a2c335',
  gitTreeState: 'clean',
  buildDate: '2025-04-22T16:02:27Z',
  goVersion: 'go1.23.6',
  compiler: 'gc',
  platform: 'linux/amd64',
};

/** `host:port` of this server as the client addressed it. */
function serverAddress(req: IncomingMessage): string {
  const local = req.socket;
  return `${local.localAddress ?? '127.0.0.1'}:${local.localPort ?? 0}`;
}

/** The query of every request without one; nothing writes to a request's query, so they can share it. */
const NO_QUERY = new URLSearchParams();

/** Path and query of a request target; cheaper than `new URL` on the hot path. */
function splitUrl(target: string | undefined): { pathname: string; query: URLSearchParams } {
  const url = target ?? '/';
  const q = url.indexOf('?');
  return q < 0
    ? { pathname: url, query: NO_QUERY }
    : { pathname: url.slice(0, q), query: new URLSearchParams(url.slice(q + 1)) };
}

export async function startApiHttpServer(options: ApiHttpOptions): Promise<ApiHttpServer> {
  const { service, documents, faults, streams, clock, logger } = options;
  const sockets = new Set<Socket | Duplex>();
  const watchTimeoutMs = options.watchTimeoutMs ?? (() => (1800 + Math.floor(Math.random() * 1800)) * 1000);
  const resourceDeps = { service, faults, streams, clock, logger, watchTimeoutMs };

  const handle = (req: IncomingMessage, res: ServerResponse): void | Promise<void> => {
    const { pathname, query } = splitUrl(req.url);
    const route = parsePath(pathname);
    switch (route.kind) {
      case 'version':
        return sendJson(res, 200, SERVER_VERSION);
      case 'health':
        return sendText(res, 200, 'ok');
      case 'discovery-root':
        if (wantsAggregatedDiscovery(req.headers.accept)) {
          return sendJson(res, 200, aggregatedDiscovery(documents, route.legacy), AGGREGATED_DISCOVERY_TYPE);
        }
        return sendJson(
          res,
          200,
          route.legacy ? legacyCoreVersions(serverAddress(req)) : legacyGroupList(documents),
        );
      case 'discovery-group': {
        const group = legacyGroup(documents, route.group);
        if (!group) throw pathNotFound();
        return sendJson(res, 200, group);
      }
      case 'discovery-resources': {
        const list = resourceList(documents, route.group, route.version);
        if (!list) throw pathNotFound();
        return sendJson(res, 200, list);
      }
      case 'openapi-index':
        return sendJson(res, 200, openapiIndex(documents));
      case 'openapi-doc': {
        const doc = openapiDocument(documents, route.path);
        if (!doc) throw pathNotFound();
        return sendJsonText(res, 200, doc);
      }
      case 'openapi-v2':
        throw pathNotFound();
      case 'resource':
        if (isReviewPath(route)) return handleReview(req, res, route);
        return handleResource(req, res, route, query, resourceDeps);
      default:
        throw pathNotFound();
    }
  };

  const fail = (req: IncomingMessage, res: ServerResponse, err: unknown): void => {
    const apiError = toApiError(err);
    if (apiError.code >= 500) logger?.warn({ err, method: req.method, url: req.url }, 'request failed');
    // Drain what the client sent so the connection stays usable for keep-alive.
    if (!req.complete) req.resume();
    sendError(res, apiError);
  };

  const server = createServer({ keepAlive: true }, (req, res) => {
    const started = logger?.isLevelEnabled('debug') ? performance.now() : 0;
    if (started) {
      res.on('finish', () => {
        logger?.debug(
          {
            method: req.method,
            url: req.url,
            code: res.statusCode,
            ms: Math.round(performance.now() - started),
          },
          'request',
        );
      });
    }
    // Most requests finish synchronously or return one promise; only a failure needs a closure.
    let pending: void | Promise<void>;
    try {
      pending = handle(req, res);
    } catch (err) {
      fail(req, res, err);
      return;
    }
    pending?.catch((err: unknown) => fail(req, res, err));
  });

  server.keepAliveTimeout = 60_000;
  server.headersTimeout = 65_000;
  server.requestTimeout = 0;

  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    handleUpgrade(req, socket, head).catch((err: unknown) => {
      const status = toApiError(err).status;
      const body = JSON.stringify(status);
      logger?.debug({ url: req.url, code: status.code }, 'upgrade refused');
      if (!socket.destroyed) {
        socket.end(
          `HTTP/1.1 ${status.code ?? 500} ${status.reason ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
        );
      }
    });
  });

  const handleUpgrade = async (req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> => {
    const route = parsePath(splitUrl(req.url).pathname);
    if (route.kind !== 'resource' || !route.name || !route.subresource) throw pathNotFound();
    const ref = resolveRoute(service, route);
    if (ref.type.group !== '' || ref.type.resource !== 'pods') throw pathNotFound();
    const pod = service.get(ref, route.namespace ?? '', route.name);
    const sub = route.subresource;
    const handler = sub === 'exec' ? streams.exec : sub === 'attach' ? streams.attach : undefined;
    if (!handler) {
      if (sub === 'exec' || sub === 'attach' || sub === 'portforward') throw notImplemented(`pods/${sub}`);
      throw pathNotFound();
    }
    await handler(req, socket, head, pod);
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const url = `http://${address.address}:${address.port}`;

  let closing: Promise<void> | undefined;
  return {
    url,
    port: address.port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
