import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Logger } from 'pino';
import { errorMessage, isLifeboatError } from '../core/errors.ts';
import { parseListenAddress } from './config.ts';
import type { DownloadGrant, DownloadTokens } from './download-tokens.ts';
import type { Readiness } from './health.ts';
import type { ServerMetrics } from './metrics.ts';

/** Opens the object a verified download grant names; throws `NotFound` when the location or object is gone. */
export type DownloadOpener = (grant: DownloadGrant) => Promise<Readable>;

export interface HttpEndpointsOptions {
  /** `host:port`, `:port` or `port`; port 0 picks a free one. */
  address: string;
  metrics: ServerMetrics;
  readiness: Readiness;
  tokens: DownloadTokens;
  openDownload: DownloadOpener;
  logger: Logger;
}

export interface HttpEndpoints {
  /** `http://host:port` as bound (`127.0.0.1` standing in for a wildcard host). */
  readonly url: string;
  readonly port: number;
  /** Stops listening and ends open connections (downloads in flight are cut). */
  close(): Promise<void>;
}

export const DOWNLOAD_PATH = '/download/';

/**
 * The server's HTTP endpoints, served whether or not this instance leads: `/metrics` (Prometheus text),
 * `/healthz` (alive), `/readyz` (every readiness check passes; `?verbose` lists them) and
 * `/download/<token>` (GET or HEAD: streams the object of an fs location the token grants).
 */
export async function startHttpEndpoints(options: HttpEndpointsOptions): Promise<HttpEndpoints> {
  const { host, port } = parseListenAddress(options.address);
  const log = options.logger;
  const server = createServer((req, res) => {
    handle(req, res, options).catch((err: unknown) => {
      log.error({ err: errorMessage(err), path: pathOf(req) }, 'http handler failed');
      if (!res.headersSent) send(res, 500, 'internal error\n');
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  const shownHost =
    host === undefined || host === '0.0.0.0' || host === '::'
      ? '127.0.0.1'
      : host.includes(':')
        ? `[${host}]`
        : host;
  const url = `http://${shownHost}:${bound.port}`;
  log.info({ url }, 'http endpoints listening');
  return {
    url,
    port: bound.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  options: HttpEndpointsOptions,
): Promise<void> {
  const path = pathOf(req);
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    send(res, 405, 'method not allowed\n');
    return;
  }
  if (path === '/metrics') {
    const { contentType, body } = await options.metrics.exposition();
    send(res, 200, body, contentType);
    return;
  }
  if (path === '/healthz' || path === '/livez') {
    send(res, 200, 'ok\n');
    return;
  }
  if (path === '/readyz') {
    const verbose = new URL(req.url ?? '/', 'http://x').searchParams.has('verbose');
    const ready = options.readiness.ready;
    const body = verbose ? `${options.readiness.report()}\n` : ready ? 'ok\n' : 'not ready\n';
    send(res, ready ? 200 : 503, body);
    return;
  }
  if (path.startsWith(DOWNLOAD_PATH)) {
    // Tokens are base64url and a dot: nothing to decode, and anything else is simply not a token.
    await download(path.slice(DOWNLOAD_PATH.length), req, res, options);
    return;
  }
  send(res, 404, 'not found\n');
}

async function download(
  token: string,
  req: IncomingMessage,
  res: ServerResponse,
  options: HttpEndpointsOptions,
): Promise<void> {
  let grant: DownloadGrant;
  let body: Readable;
  try {
    grant = options.tokens.verify(token);
    body = await options.openDownload(grant);
  } catch (err) {
    const status = isLifeboatError(err, 'PermissionDenied')
      ? 403
      : isLifeboatError(err, 'Gone')
        ? 410
        : isLifeboatError(err, 'NotFound')
          ? 404
          : 503;
    // The token is never logged: it is a bearer credential until it expires.
    options.logger.info({ status, reason: errorMessage(err) }, 'download refused');
    send(res, status, `${errorMessage(err)}\n`);
    return;
  }
  const filename = grant.key.slice(grant.key.lastIndexOf('/') + 1);
  res.writeHead(200, {
    'Content-Type': 'application/octet-stream',
    'Content-Disposition': `attachment; filename="${filename.replace(/["\\\r\n]/g, '_')}"`,
    'Cache-Control': 'no-store',
  });
  if (req.method === 'HEAD') {
    body.destroy();
    res.end();
    return;
  }
  options.logger.debug({ location: grant.location, key: grant.key }, 'download started');
  try {
    await pipeline(body, res);
  } catch (err) {
    options.logger.warn(
      { location: grant.location, key: grant.key, err: errorMessage(err) },
      'download cut short',
    );
  }
}

function send(
  res: ServerResponse,
  status: number,
  body: string,
  contentType = 'text/plain; charset=utf-8',
): void {
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}
