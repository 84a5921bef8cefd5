import type { ServerResponse } from 'node:http';
import { errorMessage } from '../../core/errors.ts';
import { internalError } from '../apiserver/errors.ts';
import { ApiError, type Status } from '../apiserver/types.ts';

/** Writing responses: every body is JSON (or a Status), with the headers a real API server sends. */

export const JSON_TYPE = 'application/json';

/** Sends a JSON text body that is already serialized. */
export function sendJsonText(res: ServerResponse, code: number, json: string, contentType = JSON_TYPE): void {
  if (res.headersSent || res.destroyed) return;
  // The flat-array form of writeHead skips per-header object bookkeeping; this runs for every response.
  res.writeHead(code, [
    'Content-Type',
    contentType,
    'Content-Length',
    String(Buffer.byteLength(json)),
    'Cache-Control',
    'no-cache, private',
  ]);
  res.end(json);
}

export function sendJson(res: ServerResponse, code: number, body: unknown, contentType = JSON_TYPE): void {
  sendJsonText(res, code, JSON.stringify(body), contentType);
}

export function sendStatus(
  res: ServerResponse,
  status: Status,
  extraHeaders: Record<string, string> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  for (const [k, v] of Object.entries(extraHeaders)) res.setHeader(k, v);
  sendJson(res, status.code ?? 500, status);
}

/** Turns anything thrown into the Status a client sees; unexpected errors become 500 InternalError. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  return internalError(errorMessage(err));
}

export function sendError(res: ServerResponse, err: unknown): void {
  const apiError = toApiError(err);
  const headers: Record<string, string> = {};
  const retryAfter = apiError.status.details?.retryAfterSeconds;
  if (retryAfter !== undefined) headers['Retry-After'] = String(retryAfter);
  sendStatus(res, apiError.status, headers);
}

/** Adds `Warning: 299 - "…"` headers, as the real server does for field validation warnings. */
export function addWarnings(res: ServerResponse, warnings: string[]): void {
  if (warnings.length === 0 || res.headersSent) return;
  res.setHeader(
    'Warning',
    warnings.map((w) => `299 - ${JSON.stringify(w)}`),
  );
}

export function sendText(res: ServerResponse, code: number, text: string): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(code, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}
