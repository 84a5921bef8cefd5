import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Clock } from '../../core/clock.ts';
import { badRequest, methodNotAllowed, pathNotFound } from '../apiserver/errors.ts';
import type { KubeObjectService } from '../apiserver/object-service.ts';
import { resourceKey } from '../apiserver/store.ts';
import { ApiError, type ResourceRef, type WriteOptions } from '../apiserver/types.ts';
import { apiVersionOf, groupResource, type KubeObject } from '../registry/types.ts';
import { decodeObject, decodePatch, patchTypeOf, readBody } from './body.ts';
import { type IncludeObject, toTable } from './documents.ts';
import type { FaultInjector, FaultVerb } from './faults.ts';
import { wantsTable } from './negotiate.ts';
import type { PodStreamHandlers } from './pod-streams.ts';
import { deleteOptions, forceParam, isWatch, listOptions, writeOptions } from './query.ts';
import { addWarnings, sendJson, sendJsonText } from './respond.ts';
import type { ResourceRoute } from './routes.ts';
import { serveWatch } from './watch-stream.ts';

/**
 * The REST verbs on resources (kube-api-surface.md §a.2): list, watch, get, create, update, patch, delete,
 * deletecollection, and the status, scale, finalize and pod streaming subresources. Everything here
 * translates HTTP to the object service and back; the semantics live in the service.
 */
export type ResourceDeps = {
  service: KubeObjectService;
  faults: FaultInjector;
  streams: PodStreamHandlers;
  clock: Clock;
  logger?: Logger;
  /** Default watch timeout when the client gives none (the real server: 30-60 min). */
  watchTimeoutMs: () => number;
};

type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';

const FAULT_VERB: Record<Verb, FaultVerb> = {
  get: 'get',
  list: 'list',
  watch: 'watch',
  create: 'create',
  update: 'update',
  patch: 'patch',
  delete: 'delete',
  deletecollection: 'delete',
};

/** Resolves a resource route to its type; 404 for unknown resources and for a namespace on a cluster-scoped one. */
export function resolveRoute(service: KubeObjectService, route: ResourceRoute): ResourceRef {
  const ref = service.lookup(route.group, route.version, route.resource);
  if (!ref) throw pathNotFound();
  if (route.namespace !== undefined && !ref.type.namespaced) throw pathNotFound();
  return ref;
}

function verbOf(method: string, route: ResourceRoute, query: URLSearchParams): Verb | undefined {
  const hasName = route.name !== undefined;
  switch (method) {
    case 'GET':
      if (hasName) return 'get';
      return isWatch(query) ? 'watch' : 'list';
    case 'POST':
      return hasName ? (route.subresource ? 'create' : undefined) : 'create';
    case 'PUT':
      return hasName ? 'update' : undefined;
    case 'PATCH':
      return hasName ? 'patch' : undefined;
    case 'DELETE':
      return hasName ? 'delete' : 'deletecollection';
    default:
      return undefined;
  }
}

/**
 * Applies injected faults (latency, then error). Synchronous when no rule matches, which is the hot path:
 * an await there would cost every request a turn of the event loop.
 */
function applyFaults(
  deps: ResourceDeps,
  resource: string,
  verb: Verb,
): { dropWatchAfterMs?: number } | Promise<{ dropWatchAfterMs?: number }> {
  const decision = deps.faults.decide(resource, FAULT_VERB[verb]);
  if (!decision) return {};
  if (decision.latencyMs <= 0) {
    if (decision.error) throw decision.error;
    return { dropWatchAfterMs: decision.dropWatchAfterMs };
  }
  return deps.faults.delay(decision.latencyMs).then(() => {
    if (decision.error) throw decision.error;
    return { dropWatchAfterMs: decision.dropWatchAfterMs };
  });
}

function includeObjectOf(query: URLSearchParams): IncludeObject {
  const v = query.get('includeObject');
  if (v === null || v === '') return 'Metadata';
  if (v === 'None' || v === 'Metadata' || v === 'Object') return v;
  throw badRequest(
    `includeObject: Unsupported value: "${v}": supported values: "None", "Metadata", "Object"`,
  );
}

/**
 * Serves one request on a resource path. Synchronous up to the first read of the body (returning the promise
 * of the rest), and each verb that waits lives in its own small function: an async function allocates a frame
 * for all its locals on every call, and this runs for every request.
 */
export function handleResource(
  req: IncomingMessage,
  res: ServerResponse,
  route: ResourceRoute,
  query: URLSearchParams,
  deps: ResourceDeps,
): void | Promise<void> {
  const ref = resolveRoute(deps.service, route);
  const { type } = ref;
  const method = req.method ?? 'GET';
  if (route.subresource) return handleSubresource(req, res, route, query, deps, ref);
  const verb = verbOf(method, route, query);
  if (!verb) throw methodNotAllowed(method.toLowerCase(), type);
  if (!type.verbs.includes(verb)) throw methodNotAllowed(verb, type);
  const pending = applyFaults(deps, resourceKey(type), verb);
  if (pending instanceof Promise) {
    return pending.then((fault) => serveVerb(req, res, route, query, deps, ref, verb, fault));
  }
  return serveVerb(req, res, route, query, deps, ref, verb, pending);
}

function serveVerb(
  req: IncomingMessage,
  res: ServerResponse,
  route: ResourceRoute,
  query: URLSearchParams,
  deps: ResourceDeps,
  ref: ResourceRef,
  verb: Verb,
  fault: { dropWatchAfterMs?: number },
): void | Promise<void> {
  const { type } = ref;
  const namespace = route.namespace;
  const accept = req.headers.accept;
  switch (verb) {
    case 'list':
      return list(res, deps, ref, query, namespace, wantsTable(accept));
    case 'watch':
      return serveWatch(
        req,
        res,
        deps.service,
        ref,
        {
          namespace,
          labelSelector: query.get('labelSelector') ?? undefined,
          fieldSelector: query.get('fieldSelector') ?? undefined,
          resourceVersion: query.get('resourceVersion') ?? undefined,
          allowWatchBookmarks: query.get('allowWatchBookmarks') === 'true',
          sendInitialEvents: query.get('sendInitialEvents') === 'true',
        },
        {
          table: wantsTable(accept),
          includeObject: includeObjectOf(query),
          timeoutMs: watchTimeout(query, deps),
          clock: deps.clock,
          track: (drop) => deps.faults.trackWatch(groupResource(type), drop),
          dropAfterMs: fault.dropWatchAfterMs,
        },
      );
    case 'get': {
      const json = deps.service.getRaw(ref, namespace, route.name!);
      if (wantsTable(accept)) {
        const table = toTable(ref, [JSON.parse(json) as KubeObject], {
          includeObject: includeObjectOf(query),
          now: deps.clock.now(),
        });
        table.metadata = { resourceVersion: (JSON.parse(json) as KubeObject).metadata.resourceVersion };
        sendJson(res, 200, table);
      } else sendJsonText(res, 200, json);
      return;
    }
    case 'create':
      return create(req, res, query, deps, ref, namespace);
    case 'update':
      return update(req, res, query, deps, ref, namespace, route.name!);
    case 'patch':
      return patch(req, res, query, deps, ref, namespace, route.name!);
    case 'delete':
      return remove(req, res, query, deps, ref, namespace, route.name!);
    case 'deletecollection':
      return removeCollection(req, res, query, deps, ref, namespace);
  }
}

async function create(
  req: IncomingMessage,
  res: ServerResponse,
  query: URLSearchParams,
  deps: ResourceDeps,
  ref: ResourceRef,
  namespace: string | undefined,
): Promise<void> {
  const body = decodeObject(await readBody(req), req.headers['content-type']) as KubeObject;
  const options = writeOptions(query, req.headers['user-agent']);
  const result = deps.service.createOwned(ref, namespace, body, options);
  addWarnings(res, options.warnings ?? []);
  if (result.json !== undefined) sendJsonText(res, 201, result.json);
  else sendJson(res, 201, result.object);
}

async function update(
  req: IncomingMessage,
  res: ServerResponse,
  query: URLSearchParams,
  deps: ResourceDeps,
  ref: ResourceRef,
  namespace: string | undefined,
  name: string,
): Promise<void> {
  const body = decodeObject(await readBody(req), req.headers['content-type']) as KubeObject;
  const options = writeOptions(query, req.headers['user-agent']);
  const result = deps.service.updateOwned(ref, namespace, name, body, options);
  addWarnings(res, options.warnings ?? []);
  sendJson(res, 200, result);
}

async function patch(
  req: IncomingMessage,
  res: ServerResponse,
  query: URLSearchParams,
  deps: ResourceDeps,
  ref: ResourceRef,
  namespace: string | undefined,
  name: string,
): Promise<void> {
  const patchType = patchTypeOf(req.headers['content-type']);
  const body = decodePatch(await readBody(req), patchType);
  const options = { ...writeOptions(query, req.headers['user-agent']), force: forceParam(query) };
  if (patchType === 'apply') options.fieldManager = query.get('fieldManager') || undefined;
  const result = deps.service.patch(ref, namespace, name, patchType, body, options);
  addWarnings(res, options.warnings ?? []);
  sendJson(res, result.created ? 201 : 200, result.object);
}

async function remove(
  req: IncomingMessage,
  res: ServerResponse,
  query: URLSearchParams,
  deps: ResourceDeps,
  ref: ResourceRef,
  namespace: string | undefined,
  name: string,
): Promise<void> {
  const body = await optionalBody(req);
  sendJson(res, 200, deps.service.delete(ref, namespace, name, deleteOptions(query, body)));
}

async function removeCollection(
  req: IncomingMessage,
  res: ServerResponse,
  query: URLSearchParams,
  deps: ResourceDeps,
  ref: ResourceRef,
  namespace: string | undefined,
): Promise<void> {
  const body = await optionalBody(req);
  const items = deps.service.deleteCollection(ref, listOptions(query, namespace), deleteOptions(query, body));
  sendJson(res, 200, {
    kind: ref.type.listKind,
    apiVersion: apiVersionOf(ref.type.group, ref.version),
    metadata: { resourceVersion: deps.service.currentResourceVersion() },
    items,
  });
}

async function optionalBody(req: IncomingMessage): Promise<unknown> {
  const raw = await readBody(req);
  if (raw.length === 0) return undefined;
  return decodeObject(raw, req.headers['content-type'] || 'application/json');
}

function watchTimeout(query: URLSearchParams, deps: ResourceDeps): number {
  const t = query.get('timeoutSeconds');
  if (t !== null && t !== '') {
    const n = Number(t);
    if (!Number.isFinite(n) || n < 0) throw badRequest(`invalid timeoutSeconds "${t}"`);
    if (n > 0) return n * 1000;
  }
  return deps.watchTimeoutMs();
}

function list(
  res: ServerResponse,
  deps: ResourceDeps,
  ref: ResourceRef,
  query: URLSearchParams,
  namespace: string | undefined,
  table: boolean,
): void {
  const { type } = ref;
  const raw = deps.service.listRaw(ref, listOptions(query, namespace));
  const metadata: Record<string, unknown> = { resourceVersion: raw.resourceVersion };
  if (raw.continue !== undefined) metadata.continue = raw.continue;
  if (raw.remainingItemCount !== undefined) metadata.remainingItemCount = raw.remainingItemCount;
  if (table) {
    const t = toTable(
      ref,
      raw.items.map((j) => JSON.parse(j) as KubeObject),
      { includeObject: includeObjectOf(query), now: deps.clock.now() },
    );
    t.metadata = metadata;
    sendJson(res, 200, t);
    return;
  }
  const head = `{"kind":${JSON.stringify(type.listKind)},"apiVersion":${JSON.stringify(apiVersionOf(type.group, ref.version))},"metadata":${JSON.stringify(metadata)},"items":[`;
  sendJsonText(res, 200, `${head}${raw.items.join(',')}]}`);
}

/** The verb of a GET/PUT/PATCH on the status or scale subresource; 405 for other methods. */
function getUpdatePatch(method: string, ref: ResourceRef): 'get' | 'update' | 'patch' {
  if (method === 'GET') return 'get';
  if (method === 'PUT') return 'update';
  if (method === 'PATCH') return 'patch';
  throw methodNotAllowed(method.toLowerCase(), ref.type);
}

async function handleSubresource(
  req: IncomingMessage,
  res: ServerResponse,
  route: ResourceRoute,
  query: URLSearchParams,
  deps: ResourceDeps,
  ref: ResourceRef,
): Promise<void> {
  const { type } = ref;
  const method = req.method ?? 'GET';
  const sub = route.subresource!;
  const name = route.name!;
  const namespace = route.namespace;
  const core = type.group === '';
  if (sub === 'status' && type.subresources.status) {
    const verb = getUpdatePatch(method, ref);
    await applyFaults(deps, groupResource(type), verb);
    if (verb === 'get') sendJsonText(res, 200, deps.service.getRaw(ref, namespace, name));
    else await writeThrough(req, res, query, deps, ref, namespace, name, verb, 'status');
  } else if (sub === 'scale' && type.subresources.scale) {
    await scaleSubresource(req, res, query, deps, ref, namespace, name);
  } else if (sub === 'finalize' && core && type.resource === 'namespaces') {
    if (method !== 'PUT') throw methodNotAllowed(method.toLowerCase(), type);
    await applyFaults(deps, groupResource(type), 'update');
    await writeThrough(req, res, query, deps, ref, undefined, name, 'update', 'finalize');
  } else if (core && type.resource === 'pods') {
    await podSubresource(req, res, sub, deps, ref, namespace ?? '', name);
  } else if (core && type.resource === 'serviceaccounts' && sub === 'token' && method === 'POST') {
    await serviceAccountToken(req, res, deps, ref, namespace ?? '', name);
  } else {
    throw pathNotFound();
  }
}

async function scaleSubresource(
  req: IncomingMessage,
  res: ServerResponse,
  query: URLSearchParams,
  deps: ResourceDeps,
  ref: ResourceRef,
  namespace: string | undefined,
  name: string,
): Promise<void> {
  const verb = getUpdatePatch(req.method ?? 'GET', ref);
  await applyFaults(deps, groupResource(ref.type), verb);
  if (verb === 'get') {
    sendJson(res, 200, deps.service.getScale(ref, namespace, name));
    return;
  }
  const options = writeOptions(query, req.headers['user-agent']);
  if (verb === 'update') {
    const body = decodeObject(await readBody(req), req.headers['content-type']) as KubeObject;
    sendJson(res, 200, deps.service.writeScale(ref, namespace, name, { put: body }, options));
    return;
  }
  const patchType = patchTypeOf(req.headers['content-type']);
  const patch = decodePatch(await readBody(req), patchType);
  sendJson(res, 200, deps.service.writeScale(ref, namespace, name, { patchType, patch }, options));
}

async function writeThrough(
  req: IncomingMessage,
  res: ServerResponse,
  query: URLSearchParams,
  deps: ResourceDeps,
  ref: ResourceRef,
  namespace: string | undefined,
  name: string,
  verb: 'update' | 'patch',
  subresource: WriteOptions['subresource'],
): Promise<void> {
  const options = { ...writeOptions(query, req.headers['user-agent']), subresource };
  if (verb === 'update') {
    const body = decodeObject(await readBody(req), req.headers['content-type']) as KubeObject;
    sendJson(res, 200, deps.service.updateOwned(ref, namespace, name, body, options));
    return;
  }
  const patchType = patchTypeOf(req.headers['content-type']);
  const patch = decodePatch(await readBody(req), patchType);
  const result = deps.service.patch(ref, namespace, name, patchType, patch, {
    ...options,
    force: forceParam(query),
  });
  sendJson(res, 200, result.object);
}

async function podSubresource(
  req: IncomingMessage,
  res: ServerResponse,
  sub: string,
  deps: ResourceDeps,
  ref: ResourceRef,
  namespace: string,
  name: string,
): Promise<void> {
  const method = req.method ?? 'GET';
  if (sub === 'log') {
    if (method !== 'GET') throw methodNotAllowed(method.toLowerCase(), ref.type);
    const pod = deps.service.get(ref, namespace, name); // 404 for a missing pod, before any stream starts
    const handler = deps.streams.log;
    if (!handler) throw notImplemented('pods/log');
    await handler(req, res, pod);
    return;
  }
  if (sub === 'exec' || sub === 'attach' || sub === 'portforward') {
    // These arrive as WebSocket upgrades (see the server's upgrade handler); a plain request cannot stream.
    throw badRequest('Upgrade request required');
  }
  if (sub === 'binding' && method === 'POST') {
    const body = decodeObject(await readBody(req), req.headers['content-type']) as {
      target?: { name?: string };
    };
    const node = body?.target?.name;
    if (!node) throw badRequest('Binding target.name is required');
    const pod = deps.service.get(ref, namespace, name);
    const spec = (pod.spec ?? {}) as { nodeName?: string };
    if (spec.nodeName) {
      throw badRequest(`pod ${name} is already assigned to node "${spec.nodeName}"`);
    }
    deps.service.patch(ref, namespace, name, 'merge', { spec: { nodeName: node } });
    sendJson(res, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
    return;
  }
  if (sub === 'eviction' && method === 'POST') {
    const body = await optionalBody(req);
    const options = (body as { deleteOptions?: unknown } | undefined)?.deleteOptions;
    deps.service.delete(ref, namespace, name, deleteOptions(new URLSearchParams(), options));
    sendJson(res, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
    return;
  }
  throw pathNotFound();
}

async function serviceAccountToken(
  req: IncomingMessage,
  res: ServerResponse,
  deps: ResourceDeps,
  ref: ResourceRef,
  namespace: string,
  name: string,
): Promise<void> {
  deps.service.getRaw(ref, namespace, name);
  let body: { spec?: { expirationSeconds?: number; audiences?: string[] } } = {};
  try {
    body = (await optionalBody(req)) as typeof body;
  } catch {
    // kubectl sends TokenRequest as protobuf; the answer does not depend on what it asked.
  }
  const seconds = body?.spec?.expirationSeconds ?? 3600;
  const expires = new Date(deps.clock.now().getTime() + seconds * 1000);
  const token = Buffer.from(`kubesim:${namespace}:${name}:${expires.getTime()}`).toString('base64url');
  sendJson(res, 201, {
    kind: 'TokenRequest',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { name, namespace },
    spec: {
      audiences: body?.spec?.audiences ?? ['https://kubernetes.default.svc'],
      expirationSeconds: seconds,
    },
    status: { token, expirationTimestamp: expires.toISOString().replace(/\.\d+Z$/, 'Z') },
  });
}

/** 501 for a pod stream no runtime serves. */
export function notImplemented(what: string): ApiError {
  return new ApiError({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: `${what} is not available: no container runtime is attached to this kubesim`,
    reason: 'NotImplemented',
    code: 501,
  });
}
