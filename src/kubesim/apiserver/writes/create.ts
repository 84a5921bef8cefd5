/**
 * Creating an object (POST, and server-side apply of an absent object): the namespace it goes to and whether
 * that namespace accepts new content, its name (generated from `generateName` when it has none), the metadata
 * the server sets on every new object, then defaulting, admission, validation and an insert that refuses a taken
 * name. The order follows the real API server so errors come out as kubectl expects them.
 */
import { randomUUID } from 'node:crypto';
import type { KubeObject, ResourceType } from '../../registry/types.ts';
import { alreadyExists, badRequest, forbidden, internalError, invalid, notFound } from '../errors.ts';
import { createDefaults, recordUpdate } from '../libs.ts';
import { generateName, metaTime } from '../meta.ts';
import { resourceKey } from '../store.ts';
import type { ResourceRef, WriteOptions } from '../types.ts';
import { checkCustomResourceWrite, checkKind, requireObject, validateObject } from './checks.ts';
import { DEFAULT_MANAGER, type WriteState } from './state.ts';

/**
 * Creates from a body the caller hands over (it is mutated and becomes the result). Returns the object and its
 * stored JSON in the requested version (undefined on dry run). `applied` means server-side apply has already
 * recorded the managed fields.
 */
export function createObject(
  state: WriteState,
  ref: ResourceRef,
  namespace: string | undefined,
  obj: KubeObject,
  options: WriteOptions = {},
  applied = false,
): { object: KubeObject; json?: string } {
  const { type } = ref;
  const now = state.clock.now();
  requireObject(obj);
  checkKind(ref, obj);
  const meta = obj.metadata;
  const ns = scopeNamespace(type, namespace, meta.namespace);
  if (type.namespaced) {
    meta.namespace = ns;
    checkNamespaceWritable(state, ns, meta.name ?? meta.generateName ?? '', type);
  } else delete meta.namespace;
  state.crds.checkCreatable(type);
  if (meta.resourceVersion !== undefined && meta.resourceVersion !== '') {
    throw internalError('resourceVersion should not be set on objects to be created');
  }
  const resource = resourceKey(type);
  const name = assignName(state, type, ns, meta);
  stampNewObject(type, obj, now);

  let result = obj;
  if (type.crdName) result = checkCustomResourceWrite(ref, result, options);
  createDefaults(type, result);
  const admission = state.admission(type);
  // Most types have no admission plugin; their creates need no context object.
  const ctx = admission ? state.context(type, now, options.dryRun) : undefined;
  if (ctx) admission?.create?.(result, ctx);
  validateObject(type, result);
  if (options.dryRun && state.store.get(resource, ns, name)) throw alreadyExists(type, name);
  if (!applied) {
    recordUpdate(ref, undefined, result, {
      manager: options.fieldManager ?? DEFAULT_MANAGER,
      now,
      subresource: options.subresource,
    });
  }
  if (options.dryRun) return { object: result };
  // The store refuses a taken name itself, so a create looks its key up once.
  const entry = state.commit(type, result, true);
  if (!entry) throw alreadyExists(type, name);
  if (ctx) admission?.committed?.(result, undefined, ctx);
  return { object: result, json: state.jsonFor(ref, entry) };
}

/** The namespace a new object goes to ('' for cluster-scoped types); 400 when missing or contradictory. */
function scopeNamespace(
  type: ResourceType,
  requested: string | undefined,
  inBody: string | undefined,
): string {
  if (!type.namespaced) return '';
  const ns = requested || inBody;
  if (!ns) throw badRequest('the namespace of the object is required');
  if (requested && inBody && inBody !== requested) {
    throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  return ns;
}

/** 404 when the namespace does not exist, 403 NamespaceTerminating when it is being deleted. */
function checkNamespaceWritable(
  state: WriteState,
  namespace: string,
  name: string,
  type: ResourceType,
): void {
  const entry = state.store.get('namespaces', '', namespace);
  if (!entry) throw notFound({ group: '', resource: 'namespaces' }, namespace);
  let terminating = state.terminating.get(entry);
  if (terminating === undefined) {
    terminating = Boolean((JSON.parse(entry.json) as KubeObject).metadata.deletionTimestamp);
    state.terminating.set(entry, terminating);
  }
  if (terminating) {
    throw forbidden(
      type,
      name,
      `unable to create new content in namespace ${namespace} because it is being terminated`,
      'NamespaceTerminating',
    );
  }
}

/** The object's name, generated from `generateName` (avoiding taken names) when it has none; 422 when neither. */
function assignName(
  state: WriteState,
  type: ResourceType,
  namespace: string,
  meta: KubeObject['metadata'],
): string {
  if (meta.name) return meta.name;
  if (!meta.generateName) {
    throw invalid(type, '', [
      {
        field: 'metadata.name',
        message: 'Required value: name or generateName is required',
        reason: 'FieldValueRequired',
      },
    ]);
  }
  const resource = resourceKey(type);
  let candidate = generateName(meta.generateName, state.random);
  // The real server retries a taken generated name too; after a few tries the create reports the conflict.
  for (let attempt = 0; attempt < 8 && state.store.get(resource, namespace, candidate); attempt++) {
    candidate = generateName(meta.generateName, state.random);
  }
  meta.name = candidate;
  return candidate;
}

/** Server-set metadata of a new object (kube-api-surface.md §c.6); status goes when a subresource owns it. */
function stampNewObject(type: ResourceType, obj: KubeObject, now: Date): void {
  const meta = obj.metadata;
  meta.uid = randomUUID();
  meta.creationTimestamp = metaTime(now);
  // Guarded: `delete` costs a runtime call even when the key is absent, which it almost always is.
  if (meta.resourceVersion !== undefined) delete meta.resourceVersion;
  if (meta.deletionTimestamp !== undefined) delete meta.deletionTimestamp;
  if (meta.deletionGracePeriodSeconds !== undefined) delete meta.deletionGracePeriodSeconds;
  if (meta.selfLink !== undefined) delete meta.selfLink;
  if (type.tracksGeneration) meta.generation = 1;
  else if (meta.generation !== undefined) delete meta.generation;
  if (type.subresources.status && obj.status !== undefined) delete obj.status;
}
