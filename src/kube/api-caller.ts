import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import { type Clock, systemClock } from '../core/clock.ts';
import { isLifeboatError, LifeboatError } from '../core/errors.ts';
import { backoffDelay, DEFAULT_RETRY_POLICY, type RetryPolicy, retryAfterMs } from './retry.ts';
import { isRetryableStatus, statusError } from './status-error.ts';
import { type KubeTransport, pathOnly, type TransportRequest, type TransportResponse } from './transport.ts';

export type ApiCallerOptions = {
  retry?: Partial<RetryPolicy>;
  clock?: Clock;
  /** Retries are logged at debug level. */
  logger?: Logger;
  random?: () => number;
};

/**
 * Requests with the port's error policy: transient failures (429 honouring Retry-After, 5xx, lost connections)
 * are retried with bounded exponential backoff; any other non-2xx answer becomes a `LifeboatError` by its Status.
 */
export class ApiCaller {
  readonly transport: KubeTransport;
  readonly clock: Clock;
  readonly #policy: RetryPolicy;
  readonly #logger: Logger | undefined;
  readonly #random: () => number;

  constructor(transport: KubeTransport, options: ApiCallerOptions = {}) {
    this.transport = transport;
    this.clock = options.clock ?? systemClock;
    this.#policy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.#logger = options.logger;
    this.#random = options.random ?? Math.random;
  }

  /** A 2xx answer, its body read whole. */
  async call(req: TransportRequest): Promise<TransportResponse> {
    return this.#retrying<TransportResponse>(req, async () => {
      const res = await this.transport.request(req);
      if (res.status >= 200 && res.status < 300) return { done: res };
      return { failed: res.status, headers: res.headers, body: res.body };
    });
  }

  /** A 2xx answer's JSON body. */
  async json<T>(req: TransportRequest): Promise<T> {
    const res = await this.call(req);
    try {
      return JSON.parse(res.body.toString('utf8')) as T;
    } catch (err) {
      throw new LifeboatError('Internal', `${req.method} ${pathOnly(req.path)}: the answer is not JSON`, {
        cause: err,
      });
    }
  }

  /** A 2xx streaming answer (a watch), retried like the others until its headers arrive. */
  async open(req: TransportRequest): Promise<IncomingMessage> {
    return this.#retrying<IncomingMessage>(req, async () => {
      const res = await this.transport.open(req);
      const status = res.statusCode ?? 0;
      if (status >= 200 && status < 300) return { done: res };
      const body = await readAll(res);
      return { failed: status, headers: res.headers, body };
    });
  }

  async #retrying<T>(
    req: TransportRequest,
    once: () => Promise<{ done: T } | { failed: number; headers: IncomingMessage['headers']; body: Buffer }>,
  ): Promise<T> {
    const what = `${req.method} ${pathOnly(req.path)}`;
    for (let attempt = 0; ; attempt++) {
      let wait: number;
      let lastError: LifeboatError;
      try {
        const outcome = await once();
        if ('done' in outcome) return outcome.done;
        lastError = statusError(outcome.failed, outcome.body, what);
        if (!isRetryableStatus(outcome.failed)) throw lastError;
        const after = retryAfterMs(outcome.headers['retry-after'], this.clock);
        wait =
          after === undefined
            ? backoffDelay(attempt, this.#policy, this.#random)
            : Math.min(after, this.#policy.maxRetryAfterMs);
      } catch (err) {
        if (!isLifeboatError(err) || !err.retryable || err.code === 'Canceled') throw err;
        lastError = err;
        wait = backoffDelay(attempt, this.#policy, this.#random);
      }
      if (attempt + 1 >= this.#policy.attempts) throw lastError;
      this.#logger?.debug(
        { request: what, attempt: attempt + 1, waitMs: wait, error: lastError.message },
        'retrying',
      );
      try {
        await this.clock.sleep(wait, req.signal);
      } catch {
        throw new LifeboatError('Canceled', `${what} canceled`);
      }
    }
  }
}

function readAll(res: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks)));
    res.on('error', reject);
  });
}
