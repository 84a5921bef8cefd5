import { type ErrorCode, LifeboatError } from '../core/errors.ts';

/** The API's error body (`kind: Status`), as far as Lifeboat reads it. */
export type ApiStatus = {
  kind?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: {
    name?: string;
    group?: string;
    kind?: string;
    causes?: { reason?: string; message?: string; field?: string }[];
    retryAfterSeconds?: number;
  };
};

/** Reads a Status from an error body; undefined when the body is not one (a proxy's HTML page, say). */
export function parseStatus(body: Buffer): ApiStatus | undefined {
  if (body.length === 0 || body[0] !== 0x7b) return undefined;
  try {
    const parsed = JSON.parse(body.toString('utf8')) as ApiStatus;
    return parsed && parsed.kind === 'Status' ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function codeFor(httpStatus: number, reason: string | undefined): ErrorCode {
  switch (httpStatus) {
    case 400:
    case 405:
    case 406:
    case 413:
    case 415:
    case 422:
      return 'Invalid';
    case 401:
    case 403:
      return 'PermissionDenied';
    case 404:
      return 'NotFound';
    case 409:
      return reason === 'AlreadyExists' ? 'AlreadyExists' : 'Conflict';
    case 410:
      return 'Gone';
    case 429:
    case 502:
    case 503:
    case 504:
      return 'Unavailable';
    default:
      return httpStatus >= 500 ? 'Internal' : 'Invalid';
  }
}

/** Whether an answer with this HTTP status is worth sending again unchanged. */
export function isRetryableStatus(httpStatus: number): boolean {
  return httpStatus === 429 || (httpStatus >= 500 && httpStatus !== 501);
}

/**
 * Translates a failed API answer into a `LifeboatError` whose code callers decide on. The message is the
 * server's (it names the resource and object, never Secret data), with the field causes of a 422 appended when
 * the server's message does not already carry them; `field` is the first cause's field.
 */
export function statusError(httpStatus: number, body: Buffer, what: string): LifeboatError {
  const status = parseStatus(body);
  const code = codeFor(httpStatus, status?.reason);
  let message = status?.message?.trim() || `${what}: HTTP ${httpStatus}${plainText(body)}`;
  const causes = status?.details?.causes ?? [];
  const missing = causes
    .map((c) => (c.field ? `${c.field}: ${c.message ?? c.reason ?? 'invalid'}` : (c.message ?? '')))
    .filter((text) => text !== '' && !message.includes(text));
  if (missing.length > 0) message = `${message}: ${missing.join('; ')}`;
  return new LifeboatError(code, message, {
    retryable: isRetryableStatus(httpStatus),
    field: causes.find((c) => c.field)?.field,
  });
}

function plainText(body: Buffer): string {
  if (body.length === 0) return '';
  const text = body.subarray(0, 200).toString('utf8').replace(/\s+/g, ' ').trim();
  return text && !text.startsWith('<') ? ` (${text})` : '';
}
