import { StringDecoder } from 'node:string_decoder';
import { isLifeboatError, LifeboatError } from '../core/errors.ts';
import { ApiCaller, type ApiCallerOptions } from './api-caller.ts';
import type { KubeConnection } from './client.ts';
import { digestList, isEmptyObject, itemBounds } from './list-scan.ts';
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

/** A list answer read: its own metadata, its items, and where their bytes are. */
interface ReadPage {
  metadata: ListBody['metadata'];
  items: KubeObject[];
  json: ListedJson | undefined;
}

/**
 * An item of a `metadataDigest` list: its type and metadata digest only. A class of its own, so it is told
 * from a whole object without marking each item.
 */
class MetadataDigestItem implements KubeObject {
  [key: string]: unknown;
  apiVersion: string;
  kind: string;
  metadata: KubeObject['metadata'];

  constructor(apiVersion: string, kind: string, metadata: KubeObject['metadata']) {
    this.apiVersion = apiVersion;
    this.kind = kind;
    this.metadata = metadata;
  }
}

/**
 * Whether `item` is a metadata digest from a `metadataDigest` list: it must never be stored or sent as the
 * object (its body exists only as the listed bytes).
 */
export function isMetadataDigest(item: KubeObject): boolean {
  return item instanceof MetadataDigestItem;
}

/** The metadata digest of `item` (its type and metadata, taken as they are). */
export function asMetadataDigest(item: KubeObject): KubeObject {
  return new MetadataDigestItem(item.apiVersion ?? '', item.kind ?? '', item.metadata);
}

/**
 * Reads one list answer: with `digest`, by a structural scan that decodes only each item's metadata digest
 * (falling back to a whole parse for text the scan does not take); otherwise by `JSON.parse`.
 */
function readListPage(raw: Buffer, resource: ApiResourceInfo, digest: boolean, path: string): ReadPage {
  const scanned = digest ? digestList(raw) : undefined;
  if (scanned) {
    const items = scanned.items.map(
      (metadata): KubeObject => new MetadataDigestItem(resource.groupVersion, resource.kind, metadata),
    );
    if (items.length === 0) return { metadata: scanned.metadata, items, json: undefined };
    const json: ListedJson = { text: raw, bounds: scanned.bounds };
    if (!scanned.typed) json.prefix = typePrefix(resource);
    return { metadata: scanned.metadata, items, json };
  }
  const body = parseJson<ListBody>(raw, 'GET', path);
  const items = body.items ?? [];
  return { metadata: body.metadata, items, json: listedJson(raw, items, resource) };
}

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
    const fetchPage = (token: string | undefined): Promise<ReadPage | { error: unknown }> => {
      const path = withQuery(resourcePath(resource, options.namespace), {
        ...selectorQuery(options),
        limit: limit > 0 ? limit : undefined,
        continue: token,
      });
      return this.#caller.call({ method: 'GET', path }).then(
        (res) => readListPage(res.body, resource, options.metadataDigest === true, path),
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
      token = fetched.metadata?.continue || undefined;
      if (token !== undefined) pending = fetchPage(token);
      let { items, json } = fetched;
      if (items.length > 0) {
        const last = objectKey(items[items.length - 1]);
        if (lastKey === undefined || compareKeys(last, lastKey) > 0) lastKey = last;
      }
      if (skipThrough !== undefined) ({ items, json } = dropThrough(items, json, skipThrough));
      typeItems(items, resource);
      const page: ListedPage = {
        items,
        resourceVersion: fetched.metadata?.resourceVersion ?? '',
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
  return { text, bounds, prefix: typePrefix(resource) };
}

/** The same keys the client adds to the objects, written first (their order means nothing in JSON). */
function typePrefix(resource: ApiResourceInfo): Buffer {
  return Buffer.from(
    `{"kind":${JSON.stringify(resource.kind)},"apiVersion":${JSON.stringify(resource.groupVersion)}`,
  );
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
