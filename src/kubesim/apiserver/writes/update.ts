/**
 * PUT and PATCH of an object: optimistic concurrency (a stale resourceVersion is a 409; an unconditional PUT
 * only where the type allows it), the four patch types applied to the stored object, and server-side apply
 * creating an object that does not exist yet. What is then stored is decided by the common replacement.
 */
import type { KubeObject } from '../../registry/types.ts';
import { badRequest, conflict, invalid, notFound, pathNotFound } from '../errors.ts';
import { jsonPatch, mergePatch, serverSideApply, smpUnsupported, strategicMergePatch } from '../libs.ts';
import { cloneObject } from '../meta.ts';
import { resourceKey } from '../store.ts';
import type { PatchType, ResourceRef, WriteOptions } from '../types.ts';
import { requireObject } from './checks.ts';
import { createObject } from './create.ts';
import { replaceObject } from './replace.ts';
import type { WriteState } from './state.ts';
import { finalizeNamespace } from './subresources.ts';

/** Options of a PATCH; `force` lets server-side apply take over fields other managers own. */
export type PatchOptions = WriteOptions & { force?: boolean };

/** PUT with a body the caller hands over (it is mutated); the `finalize` subresource goes to finalizeNamespace. */
export function updateObject(
  state: WriteState,
  ref: ResourceRef,
  namespace: string | undefined,
  name: string,
  body: KubeObject,
  options: WriteOptions = {},
): KubeObject {
  const { type } = ref;
  requireObject(body);
  if (options.subresource === 'finalize') {
    if (type.group !== '' || type.resource !== 'namespaces') throw pathNotFound();
    return finalizeNamespace(state, name, body, options);
  }
  const entry = state.entry(ref, namespace, name);
  const current = state.parse(ref, entry);
  const rv = body.metadata.resourceVersion;
  if (rv !== undefined && rv !== '') {
    if (rv !== current.metadata.resourceVersion) throw conflict(type, name);
  } else if (!type.allowUnconditionalUpdate) {
    throw invalid(type, name, [
      {
        field: 'metadata.resourceVersion',
        message: 'Invalid value: 0x0: must be specified for an update',
      },
    ]);
  }
  return replaceObject(state, ref, current, body, options);
}

/** PATCH of any type; `created` when server-side apply created the object. */
export function patchObject(
  state: WriteState,
  ref: ResourceRef,
  namespace: string | undefined,
  name: string,
  patchType: PatchType,
  body: unknown,
  options: PatchOptions = {},
): { object: KubeObject; created: boolean } {
  const { type } = ref;
  if (patchType === 'strategic' && !type.strategicMerge) throw smpUnsupported(type);
  if (patchType === 'apply') checkApplyRequest(body, options);
  const now = state.clock.now();
  const ssa = {
    manager: options.fieldManager ?? '',
    force: options.force ?? false,
    now,
    subresource: options.subresource,
  };
  const ns = type.namespaced ? (namespace ?? '') : '';
  const entry = state.store.get(resourceKey(type), ns, name);
  if (!entry) {
    if (patchType !== 'apply' || options.subresource) throw notFound(type, name);
    const applied = cloneObject(body as KubeObject);
    applied.metadata = { ...applied.metadata, name };
    const created = serverSideApply(ref, undefined, applied, ssa).object;
    return { object: createObject(state, ref, namespace, created, options, true).object, created: true };
  }
  const current = state.parse(ref, entry);
  const patched = applyPatch(ref, current, patchType, body, ssa);
  const rv = patched.metadata.resourceVersion;
  if (rv !== undefined && rv !== current.metadata.resourceVersion) throw conflict(type, name);
  return {
    object: replaceObject(state, ref, current, patched, options, { applied: patchType === 'apply' }),
    created: false,
  };
}

/** An apply request needs a field manager and an object without managedFields (400 otherwise). */
function checkApplyRequest(body: unknown, options: PatchOptions): void {
  if (!options.fieldManager) {
    throw badRequest(
      'PATCH, application/apply-patch+yaml requests must specify a fieldManager (the "fieldManager" query parameter)',
    );
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw badRequest('apply patches must be JSON or YAML objects');
  }
  if ((body as KubeObject).metadata?.managedFields !== undefined) {
    throw badRequest('metadata.managedFields must be nil');
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Applies one patch of any type to the current object; the result is a fresh object. */
function applyPatch(
  ref: ResourceRef,
  current: KubeObject,
  patchType: PatchType,
  body: unknown,
  ssa: { manager: string; force: boolean; now: Date; subresource?: string },
): KubeObject {
  const { type } = ref;
  let patched: KubeObject;
  switch (patchType) {
    case 'json':
      patched = jsonPatch(current, body);
      break;
    case 'merge':
      if (!isPlainObject(body)) throw badRequest('merge patches must be JSON objects');
      patched = mergePatch(current, body) as KubeObject;
      break;
    case 'strategic':
      if (!isPlainObject(body)) throw badRequest('strategic merge patches must be JSON objects');
      patched = strategicMergePatch(current, body, type);
      break;
    case 'apply':
      patched = serverSideApply(ref, current, body as KubeObject, ssa).object;
      break;
    default:
      throw badRequest(`unknown patch type ${String(patchType)}`);
  }
  if (!isPlainObject(patched)) throw badRequest('the patch does not leave an object');
  if (!isPlainObject(patched.metadata)) patched.metadata = {};
  return patched;
}
