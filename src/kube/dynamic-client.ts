import { StringDecoder } from 'node:string_decoder';
import { isLifeboatError, LifeboatError } from '../core/errors.ts';
import { ApiCaller, type ApiCallerOptions } from './api-caller.ts';
import type { KubeConnection } from './client.ts';
import { resourcePath, selectorQuery, withQuery } from './paths.ts';
import { type ApiStatus, statusError } from './status-error.ts';
import { pathOnly, transportFor } from './transport.ts';
import type {
  ApiResourceInfo,
  DynamicClient,
  KubeObject,
  ListOptions,
  ListPage,
  PatchType,
  WatchEventType,
  WriteOptions,
} from './types.ts';

export type DynamicClientOptions = ApiCallerOptions & {
  /** Page size of `listPages` when the caller gives none (default 500, as kubectl and client-go). */
  pageSize?: number;
  /** Field manager for writes that name none (default `lifeboat`). */
  fieldManager?: string;
};

const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
};

/** Restarts of one list after expired continue tokens before giving up (each restart makes progress). */
const MAX_LIST_RESTARTS = 5;

type ListBody = { metadata?: { resourceVersion?: string; continue?: string }; items?: KubeObject[] };

/**
 * Where each item of a page lies in the list answer's bytes, for writers that store items as they are (the
 * backup tarball): item `i` is `text[bounds[2i], bounds[2i+1])`, preceded by `prefix` (the `kind` and
 * `apiVersion` the server left out, as `{"kind":…,"apiVersion":…`, the item's own `{` dropped) when set.
 */
export interface ListedJson {
  text: Buffer;
  bounds: number[];
  prefix?: Buffer;
}

/** A page of the HTTP client's `listPages`: a `ListPage` that also says where its items' bytes are. */
export interface ListedPage extends ListPage {
  json?: ListedJson;
}

/**
 * The exact JSON bytes of `page.items[index]` as the API server sent them (with `kind` and `apiVersion` in
 * front when the server left them out), so an item stored unchanged need not be serialized again. Undefined
 * for pages not from the HTTP client. The bytes describe the item as listed: not to be used once the object
 * may have been changed.
 */
export function listedItemJson(page: ListPage, index: number): Buffer | undefined {
  const json = (page as ListedPage).json;
  if (!json || 2 * index + 1 >= json.bounds.length) return undefined;
  const start = json.bounds[2 * index];
  const end = json.bounds[2 * index + 1];
  if (!json.prefix) return json.text.subarray(start, end);
  const empty = isEmptyObject(json.text, start, end);
  return Buffer.concat([
    json.prefix,
    Buffer.from(empty ? '}' : ','),
    json.text.subarray(empty ? end : start + 1, end),
  ]);
}

/** Real servers leave kind and apiVersion out of list items; a backup needs them on every object. */
function typeItems(items: KubeObject[], resource: ApiResourceInfo): void {
  for (const item of items) {
    item.apiVersion ??= resource.groupVersion;
    item.kind ??= resource.kind;
  }
}

/** The items after `after` (and their bytes' bounds), for a list restarted after its continue token expired. */
function dropThrough(
  items: KubeObject[],
  json: ListedJson | undefined,
  after: ObjectKey,
): { items: KubeObject[]; json: ListedJson | undefined } {
  const kept = items.flatMap((o, i) => (compareKeys(objectKey(o), after) > 0 ? [i] : []));
  return {
    items: kept.map((i) => items[i]),
    json: json && { ...json, bounds: kept.flatMap((i) => [json.bounds[2 * i], json.bounds[2 * i + 1]]) },
  };
}

/** `{}` with any whitespace inside. */
export function isEmptyObject(text: Buffer, start: number, end: number): boolean {
  for (let i = start + 1; i < end - 1; i++) if (!SEPARATORS.has(text[i]) || text[i] === 0x2c) return false;
  return true;
}

/**
 * The port's `DynamicClient` over the client library's connection (TLS, tokens, client certificates and
 * proxies from the kubeconfig) with keep-alive sockets shared by every client of the same kubeconfig.
 * Transient failures are retried inside (see `ApiCaller`); other failures are `LifeboatError`s coded from the
 * API Status. `get` answers undefined for an absent object; `delete` throws NotFound for one.
 */
export function createDynamicClient(conn: KubeConnection, options: DynamicClientOptions = {}): DynamicClient {
  return new HttpDynamicClient(new ApiCaller(transportFor(conn.config), options), options);
}

class HttpDynamicClient implements DynamicClient {
  readonly #caller: ApiCaller;
  readonly #pageSize: number;
  readonly #fieldManager: string;

  constructor(caller: ApiCaller, options: DynamicClientOptions) {
    this.#caller = caller;
    this.#pageSize = options.pageSize ?? 500;
    this.#fieldManager = options.fieldManager ?? 'lifeboat';
  }

  /**
   * Pages in (namespace, name) order. The next page is requested as soon as a page arrives, so the server
   * and the network work while the caller handles the current one (two pages in memory at most). When a
   * continue token expires (410) the list starts again without it and drops what was already yielded, so
   * callers see each object once (the later pages reflect a newer state).
   */
  async *listPages(resource: ApiResourceInfo, options: ListOptions = {}): AsyncIterable<ListPage> {
    const limit = options.limit ?? this.#pageSize;
    const fetchPage = (
      token: string | undefined,
    ): Promise<{ body: ListBody; raw: Buffer } | { error: unknown }> => {
      const path = withQuery(resourcePath(resource, options.namespace), {
        ...selectorQuery(options),
        limit: limit > 0 ? limit : undefined,
        continue: token,
      });
      return this.#caller.call({ method: 'GET', path }).then(
        (res) => ({ body: parseJson<ListBody>(res.body, 'GET', path), raw: res.body }),
        (error: unknown) => ({ error }),
      );
    };
    let token: string | undefined;
    let pending = fetchPage(undefined);
    let lastKey: ObjectKey | undefined;
    let skipThrough: ObjectKey | undefined;
    let restarts = 0;
    for (;;) {
      const fetched = await pending;
      if ('error' in fetched) {
        const err = fetched.error;
        if (isLifeboatError(err, 'Gone') && token !== undefined && restarts < MAX_LIST_RESTARTS) {
          restarts++;
          token = undefined;
          skipThrough = lastKey;
          pending = fetchPage(undefined);
          continue;
        }
        throw err;
      }
      const body = fetched.body;
      token = body.metadata?.continue || undefined;
      if (token !== undefined) pending = fetchPage(token);
      let items = body.items ?? [];
      let json = listedJson(fetched.raw, items, resource);
      if (items.length > 0) {
        const last = objectKey(items[items.length - 1]);
        if (lastKey === undefined || compareKeys(last, lastKey) > 0) lastKey = last;
      }
      if (skipThrough !== undefined) ({ items, json } = dropThrough(items, json, skipThrough));
      typeItems(items, resource);
      const page: ListedPage = {
        items,
        resourceVersion: body.metadata?.resourceVersion ?? '',
        continue: token,
      };
      if (json) page.json = json;
      yield page;
      if (token === undefined) return;
    }
  }

  async get(
    resource: ApiResourceInfo,
    namespace: string | undefined,
    name: string,
  ): Promise<KubeObject | undefined> {
    try {
      return await this.#caller.json<KubeObject>({
        method: 'GET',
        path: resourcePath(resource, namespace, name),
      });
    } catch (err) {
      if (isLifeboatError(err, 'NotFound')) return undefined;
      throw err;
    }
  }

  create(resource: ApiResourceInfo, object: KubeObject, options: WriteOptions = {}): Promise<KubeObject> {
    return this.#write('POST', resourcePath(resource, object.metadata?.namespace), object, options);
  }

  update(resource: ApiResourceInfo, object: KubeObject, options: WriteOptions = {}): Promise<KubeObject> {
    const name = requireName(object);
    return this.#write('PUT', resourcePath(resource, object.metadata?.namespace, name), object, options);
  }

  updateStatus(
    resource: ApiResourceInfo,
    object: KubeObject,
    options: WriteOptions = {},
  ): Promise<KubeObject> {
    const name = requireName(object);
    return this.#write(
      'PUT',
      resourcePath(resource, object.metadata?.namespace, name, 'status'),
      object,
      options,
    );
  }

  patch(
    resource: ApiResourceInfo,
    namespace: string | undefined,
    name: string,
    type: PatchType,
    patch: unknown,
    options: WriteOptions & { subresource?: 'status' } = {},
  ): Promise<KubeObject> {
    const path = withQuery(resourcePath(resource, namespace, name, options.subresource), {
      dryRun: options.dryRun ? 'All' : undefined,
      fieldManager: options.fieldManager ?? this.#fieldManager,
      force: type === 'apply' && options.force ? true : undefined,
    });
    return this.#caller.json<KubeObject>({
      method: 'PATCH',
      path,
      body: JSON.stringify(patch),
      contentType: PATCH_CONTENT_TYPES[type],
    });
  }

  async delete(resource: ApiResourceInfo, namespace: string | undefined, name: string): Promise<void> {
    await this.#caller.call({
      method: 'DELETE',
      path: resourcePath(resource, namespace, name),
      body: JSON.stringify({ kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' }),
    });
  }

  async watch(
    resource: ApiResourceInfo,
    options: ListOptions & { resourceVersion: string; allowBookmarks?: boolean; timeoutSeconds?: number },
    onEvent: (type: WatchEventType, object: KubeObject) => void,
    signal: AbortSignal,
  ): Promise<void> {
    const timeoutSeconds = options.timeoutSeconds ?? 300 + Math.floor(Math.random() * 300);
    const path = withQuery(resourcePath(resource, options.namespace), {
      watch: 1,
      ...selectorQuery(options),
      resourceVersion: options.resourceVersion,
      allowWatchBookmarks: options.allowBookmarks ? true : undefined,
      timeoutSeconds,
    });
    let res: Awaited<ReturnType<ApiCaller['open']>>;
    try {
      // The server ends the watch after timeoutSeconds; silence well past that means a dead connection.
      const idleTimeoutMs = (timeoutSeconds + 60) * 1000;
      res = await this.#caller.open({ method: 'GET', path, signal, idleTimeoutMs });
    } catch (err) {
      if (signal.aborted) return;
      throw err;
    }
    await new Promise<void>((resolve, reject) => {
      const decoder = new StringDecoder('utf8');
      let pending = '';
      let settled = false;
      const finish = (err?: Error): void => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        res.destroy();
        if (err) reject(err);
        else resolve();
      };
      const onAbort = (): void => finish();
      signal.addEventListener('abort', onAbort, { once: true });
      const line = (text: string): void => {
        if (text.trim() === '') return;
        let event: { type?: string; object?: KubeObject };
        try {
          event = JSON.parse(text) as { type?: string; object?: KubeObject };
        } catch {
          finish(new LifeboatError('Internal', `watch of ${resource.groupResource}: an event is not JSON`));
          return;
        }
        if (event.type === 'ERROR') {
          const status = (event.object ?? {}) as ApiStatus;
          finish(
            statusError(
              status.code ?? 500,
              Buffer.from(JSON.stringify(status)),
              `watch ${resource.groupResource}`,
            ),
          );
          return;
        }
        if (!event.object || !isEventType(event.type)) return;
        try {
          onEvent(event.type, event.object);
        } catch (err) {
          finish(err as Error);
        }
      };
      res.on('data', (chunk: Buffer) => {
        pending += decoder.write(chunk);
        let nl = pending.indexOf('\n');
        while (nl >= 0 && !settled) {
          line(pending.slice(0, nl));
          pending = pending.slice(nl + 1);
          nl = pending.indexOf('\n');
        }
      });
      res.on('end', () => {
        line(pending + decoder.end());
        finish();
      });
      res.on('error', (err) => finish(signal.aborted ? undefined : lostWatch(resource, err)));
      res.on('aborted', () => finish(signal.aborted ? undefined : lostWatch(resource, new Error('aborted'))));
      res.on('close', () => {
        if (!res.complete)
          finish(signal.aborted ? undefined : lostWatch(resource, new Error('connection closed')));
      });
    });
  }

  async #write(
    method: 'POST' | 'PUT',
    path: string,
    object: KubeObject,
    options: WriteOptions,
  ): Promise<KubeObject> {
    const url = withQuery(path, {
      dryRun: options.dryRun ? 'All' : undefined,
      fieldManager: options.fieldManager ?? this.#fieldManager,
    });
    return this.#caller.json<KubeObject>({ method, path: url, body: JSON.stringify(object) });
  }
}

function parseJson<T>(body: Buffer, method: string, path: string): T {
  try {
    return JSON.parse(body.toString('utf8')) as T;
  } catch (err) {
    throw new LifeboatError('Internal', `${method} ${pathOnly(path)}: the answer is not JSON`, {
      cause: err,
    });
  }
}

/**
 * Where each item's own bytes lie in a list answer. When the scan of the text does not find as many items
 * as the parse did (it cannot happen with valid JSON, but the bytes must never be wrong), or the items
 * differ in carrying `kind` and `apiVersion`, undefined: writers serialize the objects instead.
 */
function listedJson(
  text: Buffer,
  items: readonly KubeObject[],
  resource: ApiResourceInfo,
): ListedJson | undefined {
  if (items.length === 0) return undefined;
  const bounds = itemBounds(text);
  if (!bounds || bounds.length !== 2 * items.length) return undefined;
  const typed = (o: KubeObject): boolean => o.kind !== undefined && o.apiVersion !== undefined;
  const untyped = (o: KubeObject): boolean => o.kind === undefined && o.apiVersion === undefined;
  if (items.every(typed)) return { text, bounds };
  if (!items.every(untyped)) return undefined;
  // The same keys the client adds to the objects, written first (their order means nothing in JSON).
  const prefix = Buffer.from(
    `{"kind":${JSON.stringify(resource.kind)},"apiVersion":${JSON.stringify(resource.groupVersion)}`,
  );
  return { text, bounds, prefix };
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const ITEMS_KEY = Buffer.from('"items"');

/**
 * Start and end offsets (flat pairs) of the elements of the top-level `items` array in a list's JSON text,
 * or undefined when an element is not an object. Only the structure is followed: strings are skipped whole
 * (`indexOf` to the next quote not escaped), brackets counted outside them.
 */
export function itemBounds(text: Buffer): number[] | undefined {
  const state: ScanState = { bounds: [], depth: 0, lastKeyAt: -1, inItems: false };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === QUOTE) {
      if (state.depth === 1) state.lastKeyAt = i;
      i = stringEnd(text, i);
      if (i < 0) return undefined;
    } else if (!structure(text, c, i, state)) {
      return undefined;
    }
  }
  return state.depth === 0 ? state.bounds : undefined;
}

interface ScanState {
  bounds: number[];
  depth: number;
  /** Where the last string at depth 1 started (the key of a depth-1 value that follows). */
  lastKeyAt: number;
  /** Inside the top-level `items` array. */
  inItems: boolean;
}

/** Follows one byte outside strings; false when an `items` element turns out not to be an object. */
function structure(text: Buffer, c: number, i: number, state: ScanState): boolean {
  if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
    if (state.depth === 1 && c === OPEN_ARRAY) state.inItems = isItemsKey(text, state.lastKeyAt);
    else if (state.depth === 2 && state.inItems) {
      if (c !== OPEN_OBJECT) return false;
      state.bounds.push(i);
    }
    state.depth++;
    return true;
  }
  if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
    state.depth--;
    if (state.depth === 2 && state.inItems) state.bounds.push(i + 1);
    else if (state.depth === 1) state.inItems = false;
    return true;
  }
  // Between elements only commas and whitespace; anything else is a scalar element (null, a number).
  return !(state.depth === 2 && state.inItems && !SEPARATORS.has(c));
}

const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
/** Comma and JSON whitespace. */
const SEPARATORS = new Set([0x2c, 0x20, 0x0a, 0x0d, 0x09]);

/** The offset of the quote that closes the string opening at `open` (one not escaped), or -1. */
function stringEnd(text: Buffer, open: number): number {
  let close = text.indexOf(QUOTE, open + 1);
  while (close > 0) {
    let slashes = 0;
    while (text[close - 1 - slashes] === BACKSLASH) slashes++;
    if (slashes % 2 === 0) return close;
    close = text.indexOf(QUOTE, close + 1);
  }
  return -1;
}

function isItemsKey(text: Buffer, at: number): boolean {
  return at >= 0 && text.compare(ITEMS_KEY, 0, ITEMS_KEY.length, at, at + ITEMS_KEY.length) === 0;
}

function isEventType(type: string | undefined): type is WatchEventType {
  return type === 'ADDED' || type === 'MODIFIED' || type === 'DELETED' || type === 'BOOKMARK';
}

function lostWatch(resource: ApiResourceInfo, err: Error): LifeboatError {
  return new LifeboatError('Unavailable', `watch of ${resource.groupResource} lost: ${err.message}`, {
    cause: err,
    retryable: true,
  });
}

type ObjectKey = { namespace: string; name: string };

function objectKey(o: KubeObject): ObjectKey {
  return { namespace: o.metadata?.namespace ?? '', name: o.metadata?.name ?? '' };
}

/** Lists come by namespace, then name (kube-api-surface §c.2). */
function compareKeys(a: ObjectKey, b: ObjectKey): number {
  if (a.namespace !== b.namespace) return a.namespace < b.namespace ? -1 : 1;
  if (a.name === b.name) return 0;
  return a.name < b.name ? -1 : 1;
}

function requireName(object: KubeObject): string {
  const name = object.metadata?.name;
  if (!name)
    throw new LifeboatError('Invalid', 'the object has no metadata.name', { field: 'metadata.name' });
  return name;
}
