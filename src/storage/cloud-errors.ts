import { type ErrorCode, LifeboatError } from '../core/errors.ts';

/**
 * Pieces shared by the S3 and Azure error translations: what counts as a network failure, and how to keep
 * credentials out of messages and causes.
 */

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

const NETWORK_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException', 'FetchError']);

/** True for failures of the connection itself (refused, reset, timed out, DNS), at any depth of `cause`. */
export function isNetworkError(err: unknown): boolean {
  for (
    let e = err, depth = 0;
    e && typeof e === 'object' && depth < 5;
    e = (e as { cause?: unknown }).cause, depth++
  ) {
    const { code, name, message } = e as { code?: unknown; name?: unknown; message?: unknown };
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
    if (typeof name === 'string' && NETWORK_NAMES.has(name)) return true;
    if (typeof message === 'string' && /socket hang up|other side closed/i.test(message)) return true;
  }
  return false;
}

/** `text` with every occurrence of each secret (of 4 characters or more) replaced by `***`. */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const secret of secrets) if (secret && secret.length >= 4) out = out.split(secret).join('***');
  return out;
}

/**
 * Builds the LifeboatError for a cloud SDK failure. The SDK's error is not attached as `cause` (its fields can
 * carry request details); a plain Error with the redacted name, status and message is attached instead.
 */
export function cloudError(
  code: ErrorCode,
  message: string,
  original: { name?: string; status?: number; message?: string },
  secrets: readonly (string | undefined)[],
  retryable?: boolean,
): LifeboatError {
  const summary = [original.name, original.status === undefined ? undefined : `HTTP ${original.status}`]
    .filter(Boolean)
    .join(', ');
  const cause = new Error(redact(`${summary}${original.message ? `: ${original.message}` : ''}`, secrets));
  cause.name = original.name ?? 'Error';
  return new LifeboatError(code, redact(summary ? `${message} (${summary})` : message, secrets), {
    cause,
    retryable: retryable ?? (code === 'Unavailable' || code === 'Timeout'),
  });
}
