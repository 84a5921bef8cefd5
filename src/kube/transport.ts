import * as http from 'node:http';
import * as https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { LifeboatError } from '../core/errors.ts';

/**
 * One HTTP request to the API server, without retries. `path` includes the query string.
 */
export type TransportRequest = {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  body?: string;
  contentType?: string;
  accept?: string;
  signal?: AbortSignal;
  /** Idle time on the socket after which the request fails as Unavailable; 0 for none (watches). */
  idleTimeoutMs?: number;
};

export type TransportResponse = {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
};

/** How long auth headers from the kubeconfig are reused before they are asked for again (tokens rotate). */
const HEADER_TTL_MS = 60_000;
const DEFAULT_IDLE_TIMEOUT_MS = 120_000;
/** An absolute path (and query) of characters that need no encoding and no dot segments. */
const SIMPLE_PATH =
  /^(?:\/(?!\.\.?(?:\/|\?|$))[A-Za-z0-9\-._~%!$&'()*+,;=:@]*)+(?:\?[A-Za-z0-9\-._~%!$&'()*+,;=:@/?]*)?$/;
const TLS_TRUST_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
]);

type TlsAndAuth = https.RequestOptions & { headers?: Record<string, string> };

/** The library's agent factory: it knows proxies, `http:` with skip-TLS-verify, and TLS material. */
type AgentFactory = { createAgent(cluster: unknown, options: https.AgentOptions): http.Agent };

/**
 * The API server's HTTP connection, built from the client library's own kubeconfig handling
 * (`KubeConfig.applyToHTTPSOptions` for TLS material, tokens, exec/OIDC auth and impersonation, and its agent
 * factory for proxies) but with one keep-alive agent for the whole process: the library makes a fresh agent
 * per request, which costs a TCP (and TLS) handshake every time.
 */
export class KubeTransport {
  readonly server: string;
  readonly #config: KubeConfig;
  readonly #base: URL;
  /** Request options that never change: the server's host, port and protocol, the base path without its trailing slash. */
  readonly #target: { protocol: string; hostname: string; port: string; basePath: string };
  readonly #send: typeof http.request;
  #agent: http.Agent | undefined;
  #headers: { value: Record<string, string>; at: number } | undefined;
  #headersPending: Promise<Record<string, string>> | undefined;
  #closed = false;

  constructor(config: KubeConfig) {
    const cluster = config.getCurrentCluster();
    if (!cluster) throw new LifeboatError('Invalid', 'kubeconfig has no current cluster');
    this.#config = config;
    this.server = cluster.server;
    this.#base = new URL(cluster.server.endsWith('/') ? cluster.server : `${cluster.server}/`);
    this.#target = {
      protocol: this.#base.protocol,
      hostname: this.#base.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: this.#base.port,
      basePath: this.#base.pathname.replace(/\/+$/, ''),
    };
    this.#send = this.#base.protocol === 'http:' ? http.request : https.request;
  }

  /** Sends a request and reads the whole body. */
  async request(req: TransportRequest): Promise<TransportResponse> {
    const res = await this.open(req);
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          // Most answers arrive in one chunk: no copy then.
          body: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks),
        }),
      );
      res.on('error', (err) => reject(this.#networkError(req, err)));
      res.on('aborted', () => reject(this.#networkError(req, new Error('response aborted'))));
    });
  }

  /**
   * Sends a request and resolves with the response once its headers arrive, for streaming bodies (watches).
   * A 401 is retried once with freshly read credentials.
   */
  async open(req: TransportRequest): Promise<http.IncomingMessage> {
    const res = await this.#openOnce(req, false);
    if (res.statusCode !== 401) return res;
    res.resume();
    this.#headers = undefined;
    return this.#openOnce(req, true);
  }

  /**
   * Closes the keep-alive sockets; later requests on this transport fail as Canceled, while `transportFor`
   * hands out a fresh one for the same kubeconfig.
   */
  close(): void {
    this.#closed = true;
    this.#agent?.destroy();
    if (transports.get(this.#config) === this) transports.delete(this.#config);
  }

  async #openOnce(req: TransportRequest, refreshed: boolean): Promise<http.IncomingMessage> {
    if (this.#closed) throw new LifeboatError('Canceled', 'the Kubernetes connection is closed');
    if (req.signal?.aborted) throw canceled(req);
    const cached = this.#headers;
    const auth =
      !refreshed && cached && Date.now() - cached.at < HEADER_TTL_MS
        ? cached.value
        : await this.#authHeaders(refreshed);
    const headers: Record<string, string> = {
      ...auth,
      Accept: req.accept ?? 'application/json',
      'User-Agent': 'lifeboat',
    };
    if (req.body !== undefined) {
      headers['Content-Type'] = req.contentType ?? 'application/json';
      headers['Content-Length'] = String(Buffer.byteLength(req.body));
    }
    const options = this.#requestOptions(req.path);
    return new Promise((resolve, reject) => {
      const request = this.#send({ ...options, method: req.method, headers, agent: this.#agent });
      const onAbort = (): void => {
        request.destroy();
        reject(canceled(req));
      };
      req.signal?.addEventListener('abort', onAbort, { once: true });
      const idle = req.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
      if (idle > 0) {
        request.setTimeout(idle, () => request.destroy(new Error(`no answer within ${idle} ms`)));
      }
      request.on('response', (res) => {
        const signal = req.signal;
        if (signal) res.on('close', () => signal.removeEventListener('abort', onAbort));
        resolve(res);
      });
      request.on('error', (err) => {
        req.signal?.removeEventListener('abort', onAbort);
        reject(req.signal?.aborted ? canceled(req) : this.#networkError(req, err));
      });
      request.end(req.body);
    });
  }

  /**
   * Host, port and path of a request. Paths built by the port (encoded names and queries) are joined to the
   * base path as they are, sparing a URL parse per request; anything else goes through URL, which encodes.
   */
  #requestOptions(path: string): http.RequestOptions {
    const { protocol, hostname, port, basePath } = this.#target;
    if (SIMPLE_PATH.test(path)) return { protocol, hostname, port, path: `${basePath}${path}` };
    const url = new URL(path.replace(/^\//, ''), this.#base);
    return { protocol, hostname, port, path: `${url.pathname}${url.search}` };
  }

  async #authHeaders(refresh: boolean): Promise<Record<string, string>> {
    const cached = this.#headers;
    if (!refresh && cached && Date.now() - cached.at < HEADER_TTL_MS) return cached.value;
    this.#headersPending ??= this.#readCredentials().finally(() => {
      this.#headersPending = undefined;
    });
    return this.#headersPending;
  }

  async #readCredentials(): Promise<Record<string, string>> {
    const opts: TlsAndAuth = {};
    try {
      await this.#config.applyToHTTPSOptions(opts);
    } catch (err) {
      // The library's messages are about configuration (missing files, http without skip-TLS-verify), never secrets.
      throw new LifeboatError(
        'Invalid',
        `cannot use the kubeconfig for ${this.server}: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
    if (!this.#agent) this.#agent = this.#createAgent(opts);
    const value: Record<string, string> = {};
    for (const [k, v] of Object.entries(opts.headers ?? {})) value[k] = String(v);
    if (typeof opts.auth === 'string')
      value.Authorization = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
    this.#headers = { value, at: Date.now() };
    return value;
  }

  #createAgent(opts: TlsAndAuth): http.Agent {
    const factory = this.#config as unknown as Partial<AgentFactory>;
    if (typeof factory.createAgent !== 'function') {
      throw new LifeboatError('Internal', 'the Kubernetes client library no longer offers createAgent');
    }
    const agentOptions: https.AgentOptions = {
      keepAlive: true,
      ca: opts.ca,
      cert: opts.cert,
      key: opts.key,
      pfx: opts.pfx,
      passphrase: opts.passphrase,
      servername: opts.servername,
    };
    if (opts.rejectUnauthorized !== undefined) agentOptions.rejectUnauthorized = opts.rejectUnauthorized;
    return factory.createAgent.call(this.#config, this.#config.getCurrentCluster(), agentOptions);
  }

  #networkError(req: TransportRequest, err: Error & { code?: string }): LifeboatError {
    const what = err.code ? `${err.code} (${err.message})` : err.message;
    // A certificate the kubeconfig does not trust will not become trusted by asking again.
    const tls =
      err.code !== undefined && (TLS_TRUST_CODES.has(err.code) || err.code.startsWith('ERR_TLS_CERT'));
    return new LifeboatError(
      'Unavailable',
      `${req.method} ${pathOnly(req.path)} on ${this.server}: ${what}`,
      {
        cause: err,
        retryable: !tls,
      },
    );
  }
}

function canceled(req: TransportRequest): LifeboatError {
  return new LifeboatError('Canceled', `${req.method} ${pathOnly(req.path)} canceled`);
}

/** The path without its query, for messages (queries may carry selectors, never secrets, but stay short). */
export function pathOnly(path: string): string {
  const q = path.indexOf('?');
  return q < 0 ? path : path.slice(0, q);
}

const transports = new WeakMap<KubeConfig, KubeTransport>();

/** The one transport of a kubeconfig object, so discovery and every client share its keep-alive sockets. */
export function transportFor(config: KubeConfig): KubeTransport {
  let t = transports.get(config);
  if (!t) {
    t = new KubeTransport(config);
    transports.set(config, t);
  }
  return t;
}
