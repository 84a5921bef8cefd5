import { apiVersionOf } from '../registry/types.ts';
import { convertJson } from './codec.ts';
import { decodeContinue, encodeContinue, scopeDigest } from './continue-token.ts';
import { badRequest, expired } from './errors.ts';
import { compileFilter } from './selection.ts';
import { type MemoryStore, resourceKey } from './store.ts';
import type { ApiError, ListOptions, ResourceRef } from './types.ts';

/**
 * Lists as the real server answers them (kube-api-surface.md §c.2), with items as JSON text in the requested
 * version so the HTTP layer concatenates instead of re-serializing.
 */
export type RawList = {
  /** Each item's JSON, `apiVersion` set to the requested version. */
  items: string[];
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
};

/** Parses a resourceVersion query value; 400 when it is not a non-negative integer. */
export function parseResourceVersion(text: string): number {
  if (!/^\d{1,15}$/.test(text)) {
    throw badRequest(`resourceVersion: Invalid value: "${text}": must be a non-negative integer`);
  }
  return Number(text);
}

export function tooOld(store: MemoryStore, rv: number): ApiError {
  return expired(`too old resource version: ${rv} (${store.historyOldest})`);
}

/**
 * Where a list starts and which resourceVersion it reports (§c.2): a continue token's snapshot and key, or the
 * current state. A list "as of" a compacted resourceVersion (Exact, or with a limit) is 410, as etcd answers.
 */
function startingPoint(
  store: MemoryStore,
  options: ListOptions,
  scope: string,
): { listRv: number; after: string | undefined } {
  const rvText = options.resourceVersion ?? '';
  const match = options.resourceVersionMatch;
  if (match && rvText === '') {
    throw badRequest('resourceVersionMatch is forbidden unless resourceVersion is provided');
  }
  if (match && match !== 'NotOlderThan' && match !== 'Exact') {
    throw badRequest(`resourceVersionMatch: Unsupported value: "${match}"`);
  }
  if (options.continue) {
    if (rvText !== '' && rvText !== '0') {
      throw badRequest('specifying resource version is not allowed when using continue');
    }
    if (match) throw badRequest('resourceVersionMatch is forbidden when continue is provided');
    const point = decodeContinue(options.continue, scope);
    if (point.rv < store.historyFloor) {
      throw expired(
        'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.',
      );
    }
    return { listRv: point.rv, after: point.after };
  }
  if (rvText !== '' && rvText !== '0') {
    const rv = parseResourceVersion(rvText);
    const exact = match === 'Exact' || (match === undefined && (options.limit ?? 0) > 0);
    if (exact && rv < store.historyFloor) throw tooOld(store, rv);
  } else if (match === 'Exact') {
    throw badRequest('resourceVersionMatch "Exact" is forbidden for resourceVersion "0"');
  }
  return { listRv: store.resourceVersion, after: undefined };
}

export function listRaw(store: MemoryStore, ref: ResourceRef, options: ListOptions = {}): RawList {
  const { type } = ref;
  const resource = resourceKey(type);
  const namespace = type.namespaced && options.namespace ? options.namespace : undefined;
  const filter = compileFilter(type, options.labelSelector, options.fieldSelector);
  const scope = scopeDigest([resource, namespace, options.labelSelector, options.fieldSelector]);
  const { listRv, after } = startingPoint(store, options, scope);
  const page = store.page(resource, { namespace, after, limit: options.limit, filter });
  const wanted = apiVersionOf(type.group, ref.version);
  const result: RawList = {
    items: page.entries.map((e) => convertJson(e.json, e.apiVersion, wanted)),
    resourceVersion: String(listRv),
  };
  if (page.nextAfter !== undefined) {
    result.continue = encodeContinue({ rv: listRv, after: page.nextAfter }, scope);
    if (page.remaining !== undefined) result.remainingItemCount = page.remaining;
  }
  return result;
}
