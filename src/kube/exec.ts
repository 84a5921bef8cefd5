import type * as https from 'node:https';
import WebSocket from 'ws';
import { LifeboatError } from '../core/errors.ts';
import type { KubeConnection } from './client.ts';
import { type ApiStatus, parseStatus, statusError } from './status-error.ts';

/**
 * Runs a command in a container through `pods/exec` over WebSocket (the remote-command stream protocol,
 * `v5.channel.k8s.io`, falling back to `v4.channel.k8s.io`), as kubectl 1.32 does. Used by backup and restore
 * hooks.
 */

/** One command to run. */
export interface ExecRequest {
  namespace: string;
  pod: string;
  container: string;
  /** The argv; no shell unless the command calls one. */
  command: string[];
  /** After this long the connection is dropped (the kubelet then kills the command) and `timedOut` is set. */
  timeoutMs?: number;
  /** Aborting drops the connection and rejects with a Canceled error. */
  signal?: AbortSignal;
}

/** What a command did. Output beyond the cap is dropped (the flags say so); the command still runs to its end. */
export interface ExecResult {
  stdout: string;
  stderr: string;
  /** The command's exit status; -1 when it timed out and none arrived. */
  exitCode: number;
  timedOut: boolean;
  stdoutTruncated?: boolean;
  stderrTruncated?: boolean;
}

/**
 * The exec port. `exec` resolves with the command's result whatever its exit code; it rejects (a
 * `LifeboatError`) only when the command could not be run: the API refused (pod or container not found or not
 * running: `Invalid`/`NotFound`), the connection failed (`Unavailable`), or the caller aborted (`Canceled`).
 */
export interface PodExec {
  exec(req: ExecRequest): Promise<ExecResult>;
}

export interface PodExecOptions {
  /** Bytes kept of stdout and of stderr each (default `EXEC_OUTPUT_LIMIT`). */
  outputLimitBytes?: number;
  /** How long the WebSocket handshake may take (default 30 s). */
  handshakeTimeoutMs?: number;
  /**
   * Commands in flight at once through this port (default `EXEC_MAX_CONCURRENT`); more wait their turn, and
   * their timeout starts when they run. Hooks of many pods at once otherwise open a stream each.
   */
  maxConcurrent?: number;
}

export const EXEC_OUTPUT_LIMIT = 64 * 1024;
export const EXEC_MAX_CONCURRENT = 32;
export const EXEC_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'] as const;

const CHANNEL_STDOUT = 1;
const CHANNEL_STDERR = 2;
const CHANNEL_ERROR = 3;
const DEFAULT_HANDSHAKE_TIMEOUT_MS = 30_000;

/** The exec port over a connection's kubeconfig: its server, TLS material and credentials (never logged). */
export function createPodExec(conn: KubeConnection, options: PodExecOptions = {}): PodExec {
  const limit = options.outputLimitBytes ?? EXEC_OUTPUT_LIMIT;
  const handshakeTimeout = options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
  const slots = new Slots(options.maxConcurrent ?? EXEC_MAX_CONCURRENT);
  return {
    async exec(req) {
      if (req.command.length === 0) throw new LifeboatError('Invalid', 'exec needs a command');
      if (req.signal?.aborted) throw canceled(req);
      await slots.acquire(req.signal, () => canceled(req));
      try {
        const tls = await connectionOptions(conn);
        return await runExec(
          execUrl(conn.server, req),
          req,
          { ...tls, handshakeTimeout, perMessageDeflate: false },
          limit,
        );
      } finally {
        slots.release();
      }
    },
  };
}

/** A counting semaphore whose waiters can give up (abort). */
class Slots {
  #free: number;
  readonly #waiting: (() => void)[] = [];

  constructor(size: number) {
    this.#free = Math.max(1, size);
  }

  acquire(signal: AbortSignal | undefined, onAbort: () => Error): Promise<void> {
    if (this.#free > 0) {
      this.#free--;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const grant = (): void => {
        signal?.removeEventListener('abort', abort);
        resolve();
      };
      const abort = (): void => {
        const at = this.#waiting.indexOf(grant);
        if (at >= 0) this.#waiting.splice(at, 1);
        reject(onAbort());
      };
      this.#waiting.push(grant);
      signal?.addEventListener('abort', abort, { once: true });
    });
  }

  release(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#free++;
  }
}

/** `ws(s)://server/api/v1/namespaces/<ns>/pods/<pod>/exec?command=…&container=…&stdout=true&stderr=true`. */
export function execUrl(
  server: string,
  req: Pick<ExecRequest, 'namespace' | 'pod' | 'container' | 'command'>,
): URL {
  const base = new URL(server.endsWith('/') ? server : `${server}/`);
  const path = `api/v1/namespaces/${encodeURIComponent(req.namespace)}/pods/${encodeURIComponent(req.pod)}/exec`;
  const url = new URL(path, base);
  url.protocol = base.protocol === 'https:' ? 'wss:' : 'ws:';
  for (const arg of req.command) url.searchParams.append('command', arg);
  url.searchParams.set('container', req.container);
  url.searchParams.set('stdout', 'true');
  url.searchParams.set('stderr', 'true');
  return url;
}

type SocketOptions = WebSocket.ClientOptions & { headers: Record<string, string>; servername?: string };

/** TLS material and auth headers from the kubeconfig, as the client library applies them to HTTPS requests. */
async function connectionOptions(conn: KubeConnection): Promise<SocketOptions> {
  const opts: https.RequestOptions & { headers?: Record<string, string> } = {};
  try {
    await conn.config.applyToHTTPSOptions(opts);
  } catch (err) {
    // The library's messages are about configuration (missing files, http without skip-TLS-verify), never secrets.
    throw new LifeboatError(
      'Invalid',
      `cannot use the kubeconfig for ${conn.server}: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.headers ?? {})) headers[k] = String(v);
  if (typeof opts.auth === 'string')
    headers.Authorization = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
  headers['User-Agent'] = 'lifeboat';
  const out: SocketOptions = { headers };
  if (opts.ca !== undefined) out.ca = opts.ca;
  if (opts.cert !== undefined) out.cert = opts.cert;
  if (opts.key !== undefined) out.key = opts.key;
  if (opts.pfx !== undefined) out.pfx = opts.pfx;
  if (opts.passphrase !== undefined) out.passphrase = opts.passphrase;
  if (opts.servername !== undefined) out.servername = opts.servername;
  if (opts.rejectUnauthorized !== undefined) out.rejectUnauthorized = opts.rejectUnauthorized;
  return out;
}

/** Bytes of one output stream, kept up to a limit. */
class CappedBuffer {
  readonly #limit: number;
  readonly #chunks: Buffer[] = [];
  #size = 0;
  truncated = false;

  constructor(limit: number) {
    this.#limit = limit;
  }

  push(bytes: Buffer): void {
    const room = this.#limit - this.#size;
    if (bytes.length > room) this.truncated = true;
    if (room <= 0) return;
    const kept = bytes.length > room ? bytes.subarray(0, room) : bytes;
    this.#chunks.push(Buffer.from(kept));
    this.#size += kept.length;
  }

  text(): string {
    return Buffer.concat(this.#chunks).toString('utf8');
  }
}

function runExec(url: URL, req: ExecRequest, options: SocketOptions, limit: number): Promise<ExecResult> {
  const what = `exec in ${req.namespace}/${req.pod} (container ${req.container})`;
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, [...EXEC_PROTOCOLS], options);
    const stdout = new CappedBuffer(limit);
    const stderr = new CappedBuffer(limit);
    const status: Buffer[] = [];
    let settled = false;
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;

    const finish = (outcome: { result: ExecResult } | { error: LifeboatError }): void => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      req.signal?.removeEventListener('abort', onAbort);
      if (ws.readyState !== WebSocket.CLOSED) ws.terminate();
      if ('error' in outcome) reject(outcome.error);
      else resolve(outcome.result);
    };
    const result = (exitCode: number): ExecResult => {
      const out: ExecResult = { stdout: stdout.text(), stderr: stderr.text(), exitCode, timedOut };
      if (stdout.truncated) out.stdoutTruncated = true;
      if (stderr.truncated) out.stderrTruncated = true;
      return out;
    };
    const onAbort = (): void => finish({ error: canceled(req) });
    req.signal?.addEventListener('abort', onAbort, { once: true });
    if (req.timeoutMs !== undefined && req.timeoutMs > 0) {
      timer = setTimeout(() => {
        timedOut = true;
        // Dropping the connection is how a client stops a remote command: the kubelet kills it when the stream goes.
        finish({ result: result(-1) });
      }, req.timeoutMs);
    }

    ws.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => {
      const bytes = Buffer.isBuffer(data)
        ? data
        : Array.isArray(data)
          ? Buffer.concat(data)
          : Buffer.from(data);
      if (bytes.length === 0) return;
      const payload = bytes.subarray(1);
      if (bytes[0] === CHANNEL_STDOUT) stdout.push(payload);
      else if (bytes[0] === CHANNEL_STDERR) stderr.push(payload);
      else if (bytes[0] === CHANNEL_ERROR) status.push(Buffer.from(payload));
    });
    ws.on('close', () => {
      if (settled) return;
      const text = Buffer.concat(status);
      if (text.length === 0) {
        finish({
          error: new LifeboatError(
            'Unavailable',
            `${what}: the stream closed before the command's status arrived`,
          ),
        });
        return;
      }
      const outcome = exitOf(text);
      if ('exitCode' in outcome) finish({ result: result(outcome.exitCode) });
      else finish({ error: new LifeboatError('Internal', `${what}: ${outcome.message}`) });
    });
    ws.on('unexpected-response', (_request, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const err = statusError(res.statusCode ?? 0, Buffer.concat(chunks), what);
        finish({
          error: new LifeboatError(err.code, `${what}: ${err.message}`, { retryable: err.retryable }),
        });
      });
      res.on('error', () =>
        finish({ error: new LifeboatError('Unavailable', `${what}: refused by the server`) }),
      );
    });
    ws.on('error', (err: Error & { code?: string }) => {
      const detail = err.code ? `${err.code} (${err.message})` : err.message;
      finish({
        error: new LifeboatError('Unavailable', `${what} on ${url.host}: ${detail}`, { cause: err }),
      });
    });
  });
}

/** The exit code a v4/v5 Status carries: Success is 0; NonZeroExitCode names it in an `ExitCode` cause. */
export function exitOf(statusBytes: Buffer): { exitCode: number } | { message: string } {
  let status: ApiStatus | undefined = parseStatus(statusBytes);
  if (!status) {
    try {
      status = JSON.parse(statusBytes.toString('utf8')) as ApiStatus;
    } catch {
      return { message: statusBytes.toString('utf8').slice(0, 500) };
    }
  }
  if (status.status === 'Success') return { exitCode: 0 };
  if (status.reason === 'NonZeroExitCode') {
    const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
    const code = Number(cause?.message);
    if (Number.isInteger(code)) return { exitCode: code };
  }
  return { message: status.message ?? 'the command failed without an exit code' };
}

function canceled(req: ExecRequest): LifeboatError {
  return new LifeboatError('Canceled', `exec in ${req.namespace}/${req.pod} canceled`);
}
