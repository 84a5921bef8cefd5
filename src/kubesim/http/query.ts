import { badRequest } from '../apiserver/errors.ts';
import type { DeleteOptions, ListOptions, WriteOptions } from '../apiserver/types.ts';

/** Query parameters of the REST verbs, validated as the real server validates them (400 on nonsense). */

export function isWatch(q: URLSearchParams): boolean {
  const w = q.get('watch');
  return w === 'true' || w === '1';
}

function intParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  if (!/^-?\d+$/.test(v)) throw badRequest(`invalid ${name} "${v}": must be an integer`);
  return Number(v);
}

function boolParam(q: URLSearchParams, name: string): boolean | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw badRequest(`invalid ${name} "${v}": must be true or false`);
}

export function dryRunParam(q: URLSearchParams): boolean {
  const values = q.getAll('dryRun').filter((v) => v !== '');
  for (const v of values) {
    if (v !== 'All') throw badRequest(`dryRun: Unsupported value: "${v}": supported values: "All"`);
  }
  return values.length > 0;
}

export function listOptions(q: URLSearchParams, namespace: string | undefined): ListOptions {
  const limit = intParam(q, 'limit');
  if (limit !== undefined && limit < 0) throw badRequest('limit: Invalid value: must be non-negative');
  const match = q.get('resourceVersionMatch') || undefined;
  const options: ListOptions = {
    namespace,
    labelSelector: q.get('labelSelector') ?? undefined,
    fieldSelector: q.get('fieldSelector') ?? undefined,
    limit: limit || undefined,
    continue: q.get('continue') || undefined,
    resourceVersion: q.get('resourceVersion') ?? undefined,
    resourceVersionMatch: match as ListOptions['resourceVersionMatch'],
  };
  return options;
}

/** The field manager of a write: the query parameter, else the client's name from its User-Agent. */
export function fieldManagerOf(q: URLSearchParams, userAgent: string | undefined): string | undefined {
  const fm = q.get('fieldManager');
  if (fm !== null && fm !== '') {
    if (fm.length > 128) throw badRequest('fieldManager: Too long: may not be longer than 128 characters');
    return fm;
  }
  if (!userAgent) return undefined;
  const slash = userAgent.indexOf('/');
  return (slash < 0 ? userAgent : userAgent.slice(0, slash)).slice(0, 128) || undefined;
}

export function writeOptions(q: URLSearchParams, userAgent: string | undefined): WriteOptions {
  if (q.size === 0) {
    // Most writes carry no query: skip the parameter lookups.
    return {
      dryRun: false,
      fieldManager: fieldManagerOf(q, userAgent),
      fieldValidation: undefined,
      warnings: [],
    };
  }
  const fv = q.get('fieldValidation');
  if (fv && fv !== 'Strict' && fv !== 'Warn' && fv !== 'Ignore') {
    throw badRequest(
      `fieldValidation: Unsupported value: "${fv}": supported values: "Ignore", "Strict", "Warn"`,
    );
  }
  return {
    dryRun: dryRunParam(q),
    fieldManager: q.get('fieldManager') || fieldManagerOf(q, userAgent),
    fieldValidation: (fv || undefined) as WriteOptions['fieldValidation'],
    warnings: [],
  };
}

export function forceParam(q: URLSearchParams): boolean {
  return boolParam(q, 'force') ?? false;
}

type DeleteBody = {
  gracePeriodSeconds?: number;
  propagationPolicy?: string;
  orphanDependents?: boolean;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: string[];
};

/** DeleteOptions from the body (JSON, possibly empty) and the query string; the query wins. */
export function deleteOptions(q: URLSearchParams, body: unknown): DeleteOptions {
  const b = (body && typeof body === 'object' ? body : {}) as DeleteBody;
  const grace = intParam(q, 'gracePeriodSeconds') ?? b.gracePeriodSeconds;
  let policy = q.get('propagationPolicy') || b.propagationPolicy;
  const orphan = boolParam(q, 'orphanDependents') ?? b.orphanDependents;
  if (policy && orphan !== undefined) {
    throw badRequest(
      'orphanDependents: Invalid value: using both orphanDependents and propagationPolicy is not allowed',
    );
  }
  if (!policy && orphan !== undefined) policy = orphan ? 'Orphan' : 'Background';
  if (policy && policy !== 'Background' && policy !== 'Foreground' && policy !== 'Orphan') {
    throw badRequest(
      `propagationPolicy: Unsupported value: "${policy}": supported values: "Foreground", "Background", "Orphan", "nil"`,
    );
  }
  const dryRun = dryRunParam(q) || (Array.isArray(b.dryRun) && b.dryRun.includes('All'));
  const options: DeleteOptions = { dryRun };
  if (grace !== undefined) {
    if (grace < 0) throw badRequest('gracePeriodSeconds: Invalid value: must be non-negative');
    options.gracePeriodSeconds = grace;
  }
  if (policy) options.propagationPolicy = policy as DeleteOptions['propagationPolicy'];
  if (b.preconditions) options.preconditions = b.preconditions;
  return options;
}
