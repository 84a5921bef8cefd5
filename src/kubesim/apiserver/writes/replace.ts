/**
 * The common tail of every write to an existing object (PUT, PATCH, status, scale and finalize), so that all
 * of them follow the same update rules (kube-api-surface.md §c.7): the new object composed from the stored one
 * under the subresource rules, admission and validation, the generation bump, no-op detection, and removal of an
 * object whose deletion its last finalizer was holding.
 */
import type { KubeObject, ResourceType } from '../../registry/types.ts';
import { badRequest, pathNotFound } from '../errors.ts';
import { recordUpdate } from '../libs.ts';
import { cloneObject, jsonEqual, specChanged } from '../meta.ts';
import type { ResourceRef, WriteOptions } from '../types.ts';
import { checkCustomResourceWrite, checkKind, validateObject } from './checks.ts';
import { removeObject } from './delete.ts';
import { DEFAULT_MANAGER, type WriteState } from './state.ts';

/** How a replacement came about, for the rules that differ. */
export type ReplaceMode = {
  /** The namespace finalize subresource: the one write allowed to change a namespace's spec.finalizers. */
  finalizing?: boolean;
  /** Server-side apply, which has already recorded the managed fields. */
  applied?: boolean;
};

/**
 * Stores `body` as the new state of `current` (both in the version `ref` names) and returns what is stored: the
 * unchanged `current` when the write changes nothing (same resourceVersion, no event), the removed object when
 * it ended a deletion.
 */
export function replaceObject(
  state: WriteState,
  ref: ResourceRef,
  current: KubeObject,
  body: KubeObject,
  options: WriteOptions,
  mode: ReplaceMode = {},
): KubeObject {
  const { type } = ref;
  const now = state.clock.now();
  const ctx = state.context(type, now, options.dryRun);
  if (options.subresource === 'status' && !type.subresources.status) throw pathNotFound();
  checkIdentity(type, current, body);
  checkKind(ref, body);
  let next = composeReplacement(type, current, body, options.subresource === 'status');
  const old = current.metadata;

  if (type.crdName) next = checkCustomResourceWrite(ref, next, options);
  const admission = state.admission(type);
  // The finalize subresource is the one write allowed to change a namespace's spec.finalizers.
  admission?.update?.(next, mode.finalizing ? { ...current, spec: next.spec } : current, ctx);
  validateObject(type, next, current);
  if (type.tracksGeneration && specChanged(current, next, Boolean(type.subresources.status))) {
    next.metadata.generation = (old.generation ?? 0) + 1;
  }
  if (!mode.applied) {
    recordUpdate(ref, current, next, {
      manager: options.fieldManager ?? DEFAULT_MANAGER,
      now,
      subresource: options.subresource === 'finalize' ? undefined : options.subresource,
    });
  }
  // A write that changes nothing keeps the resourceVersion and emits no event (kubectl's "(no change)").
  if (jsonEqual(next, current)) return current;

  const meta = next.metadata;
  if (meta.deletionTimestamp && (meta.finalizers?.length ?? 0) === 0 && !admission?.holdsDeletion?.(next)) {
    return removeObject(state, ref, next, options.dryRun ?? false, ctx);
  }
  if (options.dryRun) return next;
  state.commit(type, next);
  admission?.committed?.(next, current, ctx);
  return next;
}

/** 400 when a replacement names another object than the URL. */
function checkIdentity(type: ResourceType, current: KubeObject, body: KubeObject): void {
  const name = current.metadata.name ?? '';
  if (body.metadata.name && body.metadata.name !== name) {
    throw badRequest(
      `the name of the object (${body.metadata.name}) does not match the name on the URL (${name})`,
    );
  }
  if (type.namespaced && body.metadata.namespace && body.metadata.namespace !== current.metadata.namespace) {
    throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
}

/** Kept from the stored object on every replacement (managedFields are field management's, see recordUpdate). */
const SERVER_OWNED_META = ['generation', 'deletionTimestamp', 'deletionGracePeriodSeconds'] as const;

/**
 * The object a PUT/PATCH would store (kube-api-surface.md §c.7): with a status subresource the main resource
 * keeps the stored status and `status` keeps everything else; identity and server-owned metadata always come
 * from the stored object (validateMeta then refuses finalizers added during deletion).
 */
function composeReplacement(
  type: ResourceType,
  current: KubeObject,
  body: KubeObject,
  statusOnly: boolean,
): KubeObject {
  let next: KubeObject;
  if (statusOnly) {
    next = cloneObject(current);
    if (body.status === undefined) delete next.status;
    else next.status = body.status;
  } else {
    next = body;
    if (type.subresources.status) {
      if (current.status === undefined) delete next.status;
      else next.status = current.status;
    }
  }
  const meta = next.metadata;
  const old = current.metadata;
  meta.name = old.name;
  if (old.namespace !== undefined) meta.namespace = old.namespace;
  else delete meta.namespace;
  meta.uid = old.uid;
  meta.creationTimestamp = old.creationTimestamp;
  meta.resourceVersion = old.resourceVersion;
  for (const k of SERVER_OWNED_META) {
    if (old[k] === undefined) delete meta[k];
    else (meta as Record<string, unknown>)[k] = old[k];
  }
  delete meta.selfLink;
  if (meta.finalizers?.length === 0) delete meta.finalizers;
  return next;
}
