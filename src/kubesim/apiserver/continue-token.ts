import { createHash } from 'node:crypto';
import { badRequest } from './errors.ts';

/**
 * List continue tokens: opaque base64 of the first page's resourceVersion and the last key served, plus a
 * digest of what the list asked for, so a token replayed with other selectors is refused rather than
 * silently skipping items.
 */
export type ContinuePoint = { rv: number; after: string };

export function scopeDigest(parts: (string | undefined)[]): string {
  return createHash('sha256')
    .update(parts.map((p) => p ?? '').join('\n'))
    .digest('base64url')
    .slice(0, 10);
}

export function encodeContinue(point: ContinuePoint, scope: string): string {
  return Buffer.from(
    JSON.stringify({ v: 'meta.k8s.io/v1', rv: point.rv, start: point.after, scope }),
    'utf8',
  ).toString('base64url');
}

/** Decodes a token; 400 BadRequest when it is not one of ours or was issued for a different list. */
export function decodeContinue(token: string, scope: string): ContinuePoint {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw badRequest('continue key is not valid: the token is not base64-encoded JSON');
  }
  const t = parsed as { v?: unknown; rv?: unknown; start?: unknown; scope?: unknown };
  if (t?.v !== 'meta.k8s.io/v1' || typeof t.rv !== 'number' || typeof t.start !== 'string') {
    throw badRequest(
      'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)',
    );
  }
  if (t.scope !== scope) {
    throw badRequest(
      'continue key is not valid: the token was issued for a different namespace, label selector or field selector',
    );
  }
  return { rv: t.rv, after: t.start };
}
