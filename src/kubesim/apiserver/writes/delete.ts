/**
 * Deleting objects (kube-api-surface.md §c.9): preconditions, propagation policies as the foreground/orphan
 * finalizers, graceful deletion of pods bound to a node (deletionTimestamp in the future; the kubelet finishes with
 * a grace-0 DELETE), objects held by finalizers or admission only marked, and the final removal from the store.
 * Replacements reach `removeObject` too, when a write empties the finalizers of an object already marked.
 */
import { apiVersionOf, type KubeObject, type ResourceType, storageVersion } from '../../registry/types.ts';
import type { AdmissionContext } from '../admission/types.ts';
import { conflict, successStatus } from '../errors.ts';
import { metaTime } from '../meta.ts';
import { listRaw } from '../reads.ts';
import { resourceKey } from '../store.ts';
import { ApiError, type DeleteOptions, type ListOptions, type ResourceRef, type Status } from '../types.ts';
import type { WriteState } from './state.ts';

const FOREGROUND = 'foregroundDeletion';
const ORPHAN = 'orphan';

/**
 * DELETE of one object: removed at once when nothing holds it, otherwise marked with a deletionTimestamp (and
 * the propagation policy's finalizer). Returns the object still stored, or the removed object or a success
 * Status (as the type's DELETE answers).
 */
export function deleteObject(
  state: WriteState,
  ref: ResourceRef,
  namespace: string | undefined,
  name: string,
  options: DeleteOptions = {},
): KubeObject | Status {
  const { type } = ref;
  const now = state.clock.now();
  const ctx = state.context(type, now, options.dryRun);
  const entry = state.entry(ref, namespace, name);
  const obj = state.parse(ref, entry);
  const meta = obj.metadata;
  const pre = options.preconditions;
  if (pre?.uid && pre.uid !== meta.uid) {
    throw conflict(
      type,
      name,
      `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${meta.uid}`,
    );
  }
  if (pre?.resourceVersion && pre.resourceVersion !== meta.resourceVersion) {
    throw conflict(
      type,
      name,
      `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${meta.resourceVersion}`,
    );
  }
  const admission = state.admission(type);
  admission?.deleting?.(obj, ctx);

  if (meta.deletionTimestamp) {
    // A repeated DELETE changes nothing, except that a grace-0 delete of a gracefully terminating pod
    // (the kubelet, or `--force --grace-period=0`) finishes it once no finalizer holds it.
    const finishing =
      options.gracePeriodSeconds === 0 &&
      (meta.deletionGracePeriodSeconds ?? 0) > 0 &&
      (meta.finalizers?.length ?? 0) === 0 &&
      !admission?.holdsDeletion?.(obj);
    if (!finishing) return obj;
    meta.deletionGracePeriodSeconds = 0;
    return deletedResult(type, removeObject(state, ref, obj, options.dryRun ?? false, ctx));
  }

  const finalizers = [...(meta.finalizers ?? [])];
  const policy = options.propagationPolicy;
  if (policy === 'Foreground' && !finalizers.includes(FOREGROUND)) finalizers.push(FOREGROUND);
  if (policy === 'Orphan' && !finalizers.includes(ORPHAN)) finalizers.push(ORPHAN);
  const grace = podGrace(state, type, obj, options.gracePeriodSeconds);
  const held = finalizers.length > 0 || grace > 0 || (admission?.holdsDeletion?.(obj) ?? false);
  if (!held && !state.crds.needsCleanup(type, obj)) {
    return deletedResult(type, removeObject(state, ref, obj, options.dryRun ?? false, ctx));
  }
  if (finalizers.length > 0) meta.finalizers = finalizers;
  meta.deletionTimestamp = metaTime(new Date(now.getTime() + grace * 1000));
  meta.deletionGracePeriodSeconds = grace;
  admission?.markDeleting?.(obj, ctx);
  if (options.dryRun) return obj;
  const stored = state.commit(type, obj);
  admission?.markedDeleting?.(obj, ctx);
  // CRD cleanup may have removed the object meanwhile (no custom resources left).
  const still = state.store.get(resourceKey(type), stored.namespace, stored.name);
  if (!still) return deletedResult(type, obj);
  return state.parse(ref, still);
}

/** DELETE on a collection: every object the list options select, each deleted as by `deleteObject`. */
export function deleteCollection(
  state: WriteState,
  ref: ResourceRef,
  listOptions: ListOptions,
  options: DeleteOptions = {},
): KubeObject[] {
  const raw = listRaw(state.store, ref, { ...listOptions, limit: undefined, continue: undefined });
  const out: KubeObject[] = [];
  for (const json of raw.items) {
    const item = JSON.parse(json) as KubeObject;
    try {
      const result = deleteObject(state, ref, item.metadata.namespace, item.metadata.name ?? '', options);
      out.push(result.kind === 'Status' ? item : (result as KubeObject));
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 404)) throw err;
    }
  }
  return out;
}

/** For the CRD lifecycle: removes every custom resource of `type` that has no finalizers; marks the rest. */
export function deleteAllOf(state: WriteState, type: ResourceType): number {
  const ref: ResourceRef = { type, version: storageVersion(type) };
  const resource = resourceKey(type);
  const page = state.store.page(resource);
  for (const entry of page.entries) {
    try {
      deleteObject(state, ref, entry.namespace || undefined, entry.name, { propagationPolicy: 'Background' });
    } catch (err) {
      state.logger?.warn({ err, resource, name: entry.name }, 'custom resource cleanup failed');
    }
  }
  return state.store.count(resource);
}

/** Takes the object out of the store (not on dry run) and tells admission and the CRD lifecycle; returns it. */
export function removeObject(
  state: WriteState,
  ref: ResourceRef,
  obj: KubeObject,
  dryRun: boolean,
  ctx: AdmissionContext,
): KubeObject {
  if (dryRun) return obj;
  const { type } = ref;
  const requested = obj.apiVersion;
  obj.apiVersion = apiVersionOf(type.group, storageVersion(type));
  state.store.remove(resourceKey(type), obj);
  obj.apiVersion = requested;
  state.admission(type)?.removed?.(obj, ctx);
  state.crds.afterRemoval(type);
  return obj;
}

/** What a DELETE that removed the object answers: the object itself for some types, a success Status for most. */
function deletedResult(type: ResourceType, obj: KubeObject): KubeObject | Status {
  if (type.returnDeletedObject) return obj;
  const details: Status['details'] = {
    name: obj.metadata.name,
    kind: type.resource,
    uid: obj.metadata.uid,
  };
  if (type.group) details.group = type.group;
  return successStatus(details);
}

/** Seconds a pod's deletion waits for its kubelet: 0 unless it is bound to a node and still running. */
function podGrace(
  state: WriteState,
  type: ResourceType,
  obj: KubeObject,
  requested: number | undefined,
): number {
  if (!state.gracefulPods || type.group !== '' || type.resource !== 'pods') return 0;
  const spec = obj.spec as { nodeName?: string; terminationGracePeriodSeconds?: number } | undefined;
  const phase = (obj.status as { phase?: string } | undefined)?.phase;
  if (!spec?.nodeName || phase === 'Succeeded' || phase === 'Failed') return 0;
  const grace = requested ?? spec.terminationGracePeriodSeconds ?? 30;
  return Math.max(0, Math.floor(grace));
}
