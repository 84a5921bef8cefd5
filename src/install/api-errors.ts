import { ApiException } from '@kubernetes/client-node';
import { type ErrorCode, errorMessage, LifeboatError } from '../core/errors.ts';

const CODE_BY_STATUS: Readonly<Record<number, ErrorCode>> = {
  400: 'Invalid',
  401: 'PermissionDenied',
  403: 'PermissionDenied',
  404: 'NotFound',
  409: 'Conflict',
  410: 'Gone',
  422: 'Invalid',
  429: 'Unavailable',
};

/** The HTTP status of a client-node failure, or undefined for anything else. */
export function apiStatusCode(err: unknown): number | undefined {
  return err instanceof ApiException ? (err.code as number) : undefined;
}

/**
 * A client-node failure as a LifeboatError whose message is `what` and the API Status message alone: the
 * library's own message carries the request headers and body, which must not reach a terminal or log.
 */
export function translateApiError(err: unknown, what: string): LifeboatError {
  if (!(err instanceof ApiException)) {
    return new LifeboatError('Unavailable', `${what}: ${errorMessage(err)}`, { cause: err });
  }
  const status = statusOf(err.body);
  const code: ErrorCode =
    status?.reason === 'AlreadyExists'
      ? 'AlreadyExists'
      : (CODE_BY_STATUS[err.code] ?? (err.code >= 500 ? 'Unavailable' : 'Internal'));
  return new LifeboatError(code, `${what}: ${status?.message ?? `HTTP ${err.code}`}`);
}

function statusOf(body: unknown): { message?: string; reason?: string } | undefined {
  let value = body;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { message, reason } = value as { message?: unknown; reason?: unknown };
  return {
    message: typeof message === 'string' ? message : undefined,
    reason: typeof reason === 'string' ? reason : undefined,
  };
}
