import type { ResourceType } from '../registry/types.ts';
import { ApiError, type Status } from './types.ts';

/**
 * Builders for the `Status` errors a real API server returns, with its exact codes, reasons and message
 * shapes (clients and people match on them: kubectl prints `Error from server (<Reason>): <message>`).
 */

type Cause = { reason?: string; message?: string; field?: string };

function failure(code: number, reason: string, message: string, details?: Status['details']): ApiError {
  const status: Status = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    code,
  };
  if (details) status.details = details;
  return new ApiError(status);
}

function qualified(type: Pick<ResourceType, 'group' | 'resource'>): string {
  return type.group === '' ? type.resource : `${type.resource}.${type.group}`;
}

export function notFound(type: Pick<ResourceType, 'group' | 'resource'>, name: string): ApiError {
  return failure(404, 'NotFound', `${qualified(type)} "${name}" not found`, {
    name,
    group: type.group,
    kind: type.resource,
  });
}

/** An unknown path or resource: the real server's generic 404 with empty details. */
export function pathNotFound(): ApiError {
  return failure(404, 'NotFound', 'the server could not find the requested resource', {});
}

export function alreadyExists(type: Pick<ResourceType, 'group' | 'resource'>, name: string): ApiError {
  return failure(409, 'AlreadyExists', `${qualified(type)} "${name}" already exists`, {
    name,
    group: type.group,
    kind: type.resource,
  });
}

export function conflict(
  type: Pick<ResourceType, 'group' | 'resource'>,
  name: string,
  detail?: string,
): ApiError {
  const message =
    detail ?? 'the object has been modified; please apply your changes to the latest version and try again';
  return failure(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualified(type)} "${name}": ${message}`,
    {
      name,
      group: type.group,
      kind: type.resource,
    },
  );
}

/** 422 with one cause per field: `<Kind>.<group> "<name>" is invalid: <field>: <detail>, …`. */
export function invalid(
  type: Pick<ResourceType, 'group' | 'kind'>,
  name: string,
  causes: { field: string; message: string; reason?: string }[],
): ApiError {
  const kindGroup = type.group === '' ? type.kind : `${type.kind}.${type.group}`;
  const parts = causes.map((c) => `${c.field}: ${c.message}`);
  const list = parts.length === 1 ? parts[0] : `[${parts.join(', ')}]`;
  return failure(422, 'Invalid', `${kindGroup} "${name}" is invalid: ${list}`, {
    name,
    group: type.group,
    kind: type.kind,
    causes: causes.map((c) => ({
      reason: c.reason ?? 'FieldValueInvalid',
      message: c.message,
      field: c.field,
    })),
  });
}

export function badRequest(message: string, causes?: Cause[]): ApiError {
  return failure(400, 'BadRequest', message, causes ? { causes } : undefined);
}

export function forbidden(
  type: Pick<ResourceType, 'group' | 'resource'>,
  name: string,
  detail: string,
  causeReason?: string,
): ApiError {
  return failure(403, 'Forbidden', `${qualified(type)} "${name}" is forbidden: ${detail}`, {
    name,
    group: type.group,
    kind: type.resource,
    ...(causeReason ? { causes: [{ reason: causeReason, message: detail }] } : {}),
  });
}

export function methodNotAllowed(verb: string, type?: Pick<ResourceType, 'group' | 'resource'>): ApiError {
  const what = type ? ` on ${qualified(type)}` : '';
  return failure(
    405,
    'MethodNotAllowed',
    `the server does not allow this method on the requested resource (${verb}${what})`,
  );
}

export function notAcceptable(accept: string): ApiError {
  return failure(
    406,
    'NotAcceptable',
    `the server was unable to respond with a content type that the client supports: ${accept}`,
  );
}

export function unsupportedMediaType(contentType: string, accepted: string[]): ApiError {
  return failure(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`,
    { causes: [{ reason: 'UnexpectedServerResponse', message: contentType }] },
  );
}

/** 410 Expired: a watch or list from a resourceVersion older than the retained history, or a stale continue token. */
export function expired(message: string): ApiError {
  return failure(410, 'Expired', message);
}

export function tooManyRequests(
  retryAfterSeconds: number,
  message = 'the server has received too many requests and has asked us to try again later',
): ApiError {
  return failure(429, 'TooManyRequests', message, { retryAfterSeconds });
}

export function serviceUnavailable(
  message = 'the server is currently unable to handle the request',
): ApiError {
  return failure(503, 'ServiceUnavailable', message);
}

export function internalError(message: string): ApiError {
  return failure(500, 'InternalError', `Internal error occurred: ${message}`);
}

export function successStatus(details?: Status['details']): Status {
  const status: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success' };
  if (details) status.details = details;
  return status;
}
