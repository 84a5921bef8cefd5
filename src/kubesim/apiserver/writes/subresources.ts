/**
 * The subresources that write through another shape than the object itself: `scale` (a Scale whose
 * spec.replicas maps onto the parent's replicas path) and a namespace's `finalize` (only spec.finalizers
 * changes). Both end in the common replacement so the parent's update rules apply unchanged.
 */
import type { KubeObject } from '../../registry/types.ts';
import { conflict, methodNotAllowed, pathNotFound } from '../errors.ts';
import { jsonPatch, mergePatch } from '../libs.ts';
import { cloneObject } from '../meta.ts';
import { replicasOf, toScale, writePath } from '../scale.ts';
import type { PatchType, ResourceRef, WriteOptions } from '../types.ts';
import { replaceObject } from './replace.ts';
import type { WriteState } from './state.ts';

/** GET of `scale`: the parent's replicas as a Scale; 404 when the type has no scale subresource. */
export function getScale(
  state: WriteState,
  ref: ResourceRef,
  namespace: string | undefined,
  name: string,
): KubeObject {
  const scale = scaleOf(ref);
  return toScale(state.parse(ref, state.entry(ref, namespace, name)), scale);
}

/** PUT or PATCH of `scale`: the Scale's spec.replicas goes to the parent's spec replicas path. */
export function writeScale(
  state: WriteState,
  ref: ResourceRef,
  namespace: string | undefined,
  name: string,
  change: { put: KubeObject } | { patchType: PatchType; patch: unknown },
  options: WriteOptions = {},
): KubeObject {
  const scale = scaleOf(ref);
  const entry = state.entry(ref, namespace, name);
  const current = state.parse(ref, entry);
  const before = toScale(current, scale);
  let wanted: KubeObject;
  if ('put' in change) wanted = change.put;
  else if (change.patchType === 'json') wanted = jsonPatch(before, change.patch);
  else if (change.patchType === 'merge' || change.patchType === 'strategic') {
    wanted = mergePatch(before, change.patch) as KubeObject;
  } else throw methodNotAllowed('apply', ref.type);
  const rv = wanted.metadata?.resourceVersion;
  if (rv !== undefined && rv !== '' && rv !== current.metadata.resourceVersion)
    throw conflict(ref.type, name);
  const next = cloneObject(current);
  writePath(next as Record<string, unknown>, scale.specReplicasPath, replicasOf(wanted));
  const updated = replaceObject(state, ref, current, next, options);
  return toScale(updated, scale);
}

/** PUT /api/v1/namespaces/{name}/finalize: only spec.finalizers changes; an emptied terminating namespace goes. */
export function finalizeNamespace(
  state: WriteState,
  name: string,
  body: KubeObject,
  options: WriteOptions = {},
): KubeObject {
  const ref = state.refFor('', 'namespaces');
  const entry = state.entry(ref, undefined, name);
  const current = state.parse(ref, entry);
  const rv = body?.metadata?.resourceVersion;
  if (rv && rv !== current.metadata.resourceVersion) throw conflict(ref.type, name);
  const next = cloneObject(current);
  const finalizers = (body?.spec as { finalizers?: unknown } | undefined)?.finalizers;
  next.spec = { ...(next.spec as object), finalizers: Array.isArray(finalizers) ? finalizers : [] };
  return replaceObject(
    state,
    ref,
    current,
    next,
    { ...options, subresource: undefined },
    { finalizing: true },
  );
}

function scaleOf(ref: ResourceRef) {
  const scale = ref.type.subresources.scale;
  if (!scale) throw pathNotFound();
  return scale;
}
