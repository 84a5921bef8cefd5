import { badRequest } from '../apiserver/errors.ts';
import { ApiError } from '../apiserver/types.ts';
import type { KubeObject } from '../registry/types.ts';
import { builtinType, GENERIC_OBJECT } from './builtin-types.ts';
import { type FieldSet, formatPath } from './field-set.ts';
import { deepCopy, deepEqual, isJsonObject, type JsonObject } from './json-value.ts';
import {
  fieldsFromLastApplied,
  KUBECTL_MANAGER,
  LAST_APPLIED_ANNOTATION,
  lastAppliedFor,
} from './last-applied.ts';
import {
  decodeManagedFields,
  describeManager,
  encodeManagedFields,
  formatTime,
  isResetManagedFields,
  type ManagedFieldsEntry,
  type ManagerState,
  managerIdentity,
} from './managed-fields.ts';
import { typeFromOpenApiSchema } from './openapi-types.ts';
import {
  compare,
  fieldsV1Of,
  fieldsV1OfFields,
  merge,
  prune,
  sortedKeys,
  toFieldSet,
} from './structured-merge.ts';
import { fieldType, type TypeNode } from './type-node.ts';

/**
 * Server-side apply and field ownership (`metadata.managedFields`), after the real field manager: an apply
 * merges the configuration into the live object with list semantics (keyed lists, sets, atomic values),
 * removes what the same manager applied before and no longer applies when nobody else owns it, and refuses to
 * change a field another manager owns (409 with one `FieldManagerConflict` cause per field) unless forced, in
 * which case ownership moves. Every other write records an `Update` entry for its manager.
 *
 * For the manager `kubectl`, the client-side → server-side hand-over of the real server applies: conflicts on
 * fields the last-applied annotation set (still at those values) are overridden, and the annotation follows
 * server-side applies.
 *
 * Not modelled: the cap of ten `Update` entries, and managers at other API versions (managed fields are not
 * converted between versions).
 */

/** Managed-field bookkeeping never covers these: they are the server's (apiserver `stripMetaManager`). */
const STRIPPED_METADATA = [
  'name',
  'namespace',
  'creationTimestamp',
  'selfLink',
  'uid',
  'clusterName',
  'generation',
  'managedFields',
  'resourceVersion',
];

export type FieldManagementScope = {
  /** `status` when the write came through the status subresource. */
  subresource?: string;
  /** With a status subresource, the main endpoint neither changes nor owns `status`. */
  hasStatusSubresource?: boolean;
  /** The merge schema; by default the built-in type of `kind`, or the CRD `schema`. */
  type?: TypeNode;
  /** A custom resource version's `openAPIV3Schema`. */
  schema?: Readonly<Record<string, unknown>>;
  kind?: string;
};

export type ServerSideApplyInput = FieldManagementScope & {
  /** The current object; undefined when the apply creates it. */
  live?: KubeObject;
  /** The configuration sent (`application/apply-patch+yaml`, already parsed). */
  applied: KubeObject;
  manager: string;
  force: boolean;
  /** The API version of the request, which the configuration must carry. */
  apiVersion: string;
  kind: string;
  now: Date;
};

export type ServerSideApplyResult = {
  /** The new object, with `metadata.managedFields` set to `managedFields`. */
  object: KubeObject;
  managedFields: ManagedFieldsEntry[];
  /** Whether anything but managedFields changed (the store skips no-op writes). */
  changed: boolean;
};

/**
 * Applies `applied` for `manager`. Throws `ApiError` 400 for a configuration of another apiVersion/kind or one
 * carrying managedFields, and 409 Conflict when it would change fields other managers own (unless `force`).
 */
export function serverSideApply(input: ServerSideApplyInput): ServerSideApplyResult {
  validateApplied(input);
  const type = resolveType(input);
  const scope = scopeOf(input);
  const managers = decodeManagedFields(input.live?.metadata.managedFields);
  const liveView = input.live ? managedView(input.live, scope) : {};
  if (input.live && managers.size === 0) adoptUnmanagedFields(managers, liveView, type, input);

  const appliedView = managedView(input.applied, scope);
  const appliedSet = toFieldSet(appliedView, type, true);
  const merged = merge(liveView, appliedView, type) as JsonObject;

  const applyId = managerIdentity(input.manager, 'Apply', input.apiVersion, input.subresource ?? '');
  const previous = managers.get(applyId);
  managers.set(applyId, {
    manager: input.manager,
    operation: 'Apply',
    apiVersion: input.apiVersion,
    subresource: input.subresource ?? '',
    time: previous?.time,
    set: appliedSet,
  });
  if (previous) prune(merged, type, previous.set, unionOf(managers.values()));

  const { added, modified, removed } = compare(liveView, merged, type);
  const changedFields = added.union(modified);
  const conflicts: { state: ManagerState; paths: string[][] }[] = [];
  for (const [id, state] of managers) {
    if (id === applyId) continue;
    const clash = state.set.intersection(changedFields);
    if (!clash.isEmpty()) conflicts.push({ state, paths: clash.paths() });
  }
  if (conflicts.length > 0 && !input.force) {
    const remaining = conflictsNotHandedOver(conflicts, input, liveView, scope, type);
    if (remaining.length > 0) throw applyConflict(remaining);
  }
  for (const [id, state] of managers) {
    if (id === applyId) continue;
    state.set = state.set.difference(changedFields).difference(removed);
  }

  let changed = !deepEqual(liveView, merged);
  const applier = managers.get(applyId) as ManagerState;
  if (changed || !previous || !sameSet(previous.set, appliedSet)) applier.time = formatTime(input.now);
  const managedFields = encodeManagedFields(managers);
  const object = assemble(merged, input.live, input.applied, scope, input);
  if (syncLastApplied(object, input)) changed = true;
  object.metadata.managedFields = managedFields;
  return { object, managedFields, changed };
}

/**
 * kubectl moving from client-side to server-side apply: conflicts on fields its last-applied annotation set,
 * still at those values, are overridden (the real `lastAppliedManager`). Returns the conflicts that remain.
 */
function conflictsNotHandedOver(
  conflicts: { state: ManagerState; paths: string[][] }[],
  input: ServerSideApplyInput,
  liveView: JsonObject,
  scope: Scope,
  type: TypeNode,
): { state: ManagerState; paths: string[][] }[] {
  if (input.manager !== KUBECTL_MANAGER || !input.live) return conflicts;
  const allowed = fieldsFromLastApplied(input.live, liveView, (obj) => managedView(obj, scope), type);
  if (!allowed) return conflicts;
  return conflicts
    .map(({ state, paths }) => ({ state, paths: paths.filter((path) => !allowed.has(path)) }))
    .filter(({ paths }) => paths.length > 0);
}

/** Keeps kubectl's last-applied annotation in step with its server-side applies; true when it changed. */
function syncLastApplied(object: KubeObject, input: ServerSideApplyInput): boolean {
  if (input.manager !== KUBECTL_MANAGER) return false;
  const annotations = object.metadata.annotations;
  const previous = input.live?.metadata.annotations?.[LAST_APPLIED_ANNOTATION];
  if (!annotations || previous === undefined) return false;
  const next = lastAppliedFor(input.applied);
  annotations[LAST_APPLIED_ANNOTATION] = next;
  return next !== previous;
}

export type RecordUpdateInput = FieldManagementScope & {
  before?: KubeObject;
  after: KubeObject;
  manager: string;
  apiVersion: string;
  now: Date;
};

/**
 * The managedFields after a create, update or non-apply patch: fields the write added or changed move to an
 * `Update` entry of `manager` (at `apiVersion`, per subresource); fields it removed leave every manager. A
 * client may reset the list by sending `managedFields: []` (ignored through subresources, as on the real server).
 */
export function recordUpdateManagedFields(input: RecordUpdateInput): ManagedFieldsEntry[] {
  const type = resolveType(input);
  const scope = scopeOf(input);
  if (!input.before && (input.subresource || input.after.metadata.managedFields === undefined)) {
    // A create that brings no managedFields of its own: one manager owns every field it sets.
    return createdEntries(input, createdFieldsV1(input.after, scope, type));
  }
  const managers = updateBaseline(input);
  if (!input.before && managers.size === 0)
    return createdEntries(input, createdFieldsV1(input.after, scope, type));
  const beforeView = input.before ? managedView(input.before, scope) : {};
  const afterView = managedView(input.after, scope);
  const { added, modified, removed } = compare(beforeView, afterView, type);
  const touched = added.union(modified);
  for (const state of managers.values()) state.set = state.set.difference(touched).difference(removed);
  if (!touched.isEmpty()) {
    const subresource = input.subresource ?? '';
    const id = managerIdentity(input.manager, 'Update', input.apiVersion, subresource);
    const previous = managers.get(id);
    managers.set(id, {
      manager: input.manager,
      operation: 'Update',
      apiVersion: input.apiVersion,
      subresource,
      time: formatTime(input.now),
      set: previous ? previous.set.union(touched) : touched,
    });
  }
  return encodeManagedFields(managers);
}

/** The one `Update` entry of a create (none when the object sets no managed field). */
function createdEntries(
  input: RecordUpdateInput,
  fieldsV1: Record<string, unknown> | undefined,
): ManagedFieldsEntry[] {
  if (!fieldsV1) return [];
  const entry: ManagedFieldsEntry = {
    manager: input.manager,
    operation: 'Update',
    apiVersion: input.apiVersion,
    time: formatTime(input.now),
    fieldsType: 'FieldsV1',
    fieldsV1,
  };
  if (input.subresource) entry.subresource = input.subresource;
  return [entry];
}

const STRIPPED_METADATA_SET: ReadonlySet<string> = new Set(STRIPPED_METADATA);

/**
 * `fieldsV1Of(managedView(obj, scope), type)` in one walk over the object itself (the hot path of every create):
 * the FieldsV1 of everything `obj` sets in `scope`, or undefined when that is nothing.
 */
function createdFieldsV1(obj: KubeObject, scope: Scope, type: TypeNode): Record<string, unknown> | undefined {
  // An object whose schema makes it atomic sets no field of its own (as fieldsV1Of treats it).
  if (!(type.kind === 'untyped' || (type.kind === 'map' && !type.atomic))) return undefined;
  const keys = sortedKeys(obj);
  let out: Record<string, unknown> | undefined;
  for (const key of keys) {
    if (key === 'apiVersion' || key === 'kind') continue;
    if (scope === 'status' ? key !== 'status' : scope === 'main-without-status' && key === 'status') continue;
    const value = obj[key];
    if (value === undefined) continue;
    const encoded =
      key === 'metadata' && isJsonObject(value)
        ? fieldsV1OfFields(value, fieldType(type, key), STRIPPED_METADATA_SET)
        : fieldsV1Of(value, fieldType(type, key));
    if (!encoded) continue;
    out ??= {};
    out[`f:${key}`] = encoded;
  }
  return out;
}

function updateBaseline(input: RecordUpdateInput): Map<string, ManagerState> {
  if (input.subresource) return decodeManagedFields(input.before?.metadata.managedFields);
  const sent = input.after.metadata.managedFields;
  if (isResetManagedFields(sent)) return new Map();
  const decoded = decodeManagedFields(sent);
  return decoded.size > 0 ? decoded : decodeManagedFields(input.before?.metadata.managedFields);
}

type Scope = 'main' | 'main-without-status' | 'status';

function scopeOf(input: FieldManagementScope): Scope {
  if (input.subresource === 'status') return 'status';
  return input.hasStatusSubresource ? 'main-without-status' : 'main';
}

function resolveType(input: FieldManagementScope): TypeNode {
  if (input.type) return input.type;
  if (input.schema) return typeFromOpenApiSchema(input.schema);
  return (input.kind ? builtinType(input.kind) : undefined) ?? GENERIC_OBJECT;
}

/** The part of an object field management looks at: no apiVersion/kind, no server-set metadata, scoped status. */
function managedView(obj: KubeObject, scope: Scope): JsonObject {
  const out: JsonObject = {};
  for (const key of Object.keys(obj)) {
    if (key === 'apiVersion' || key === 'kind') continue;
    if (scope === 'status' ? key !== 'status' : scope === 'main-without-status' && key === 'status') continue;
    const value = obj[key];
    if (value === undefined) continue;
    if (key === 'metadata' && isJsonObject(value)) {
      const meta: JsonObject = { ...value };
      for (const stripped of STRIPPED_METADATA) delete meta[stripped];
      if (Object.keys(meta).length > 0) out.metadata = meta;
      continue;
    }
    out[key] = value;
  }
  return out;
}

function validateApplied(input: ServerSideApplyInput): void {
  if (!input.manager) throw badRequest('fieldManager: Required value: is required for apply patch');
  const applied = input.applied as unknown;
  if (!isJsonObject(applied) || !isJsonObject(applied.metadata)) {
    throw badRequest('error decoding YAML: the apply patch must be an object with metadata');
  }
  if (applied.metadata.managedFields !== undefined && applied.metadata.managedFields !== null) {
    throw badRequest('metadata.managedFields must be nil');
  }
  if (applied.apiVersion !== input.apiVersion) {
    throw badRequest(
      `Incorrect version specified in apply patch. Specified patch version: ${String(applied.apiVersion ?? '')}, expected: ${input.apiVersion}`,
    );
  }
  if (applied.kind !== input.kind) {
    throw badRequest(
      `Incorrect kind specified in apply patch. Specified patch kind: ${String(applied.kind ?? '')}, expected: ${input.kind}`,
    );
  }
}

/** An object nobody manages (written before field management) is owned by `before-first-apply`, as upstream. */
function adoptUnmanagedFields(
  managers: Map<string, ManagerState>,
  liveView: JsonObject,
  type: TypeNode,
  input: ServerSideApplyInput,
): void {
  const set = toFieldSet(liveView, type);
  if (set.isEmpty()) return;
  const subresource = input.subresource ?? '';
  managers.set(managerIdentity('before-first-apply', 'Update', input.apiVersion, subresource), {
    manager: 'before-first-apply',
    operation: 'Update',
    apiVersion: input.apiVersion,
    subresource,
    time: undefined,
    set,
  });
}

function sameSet(a: FieldSet, b: FieldSet): boolean {
  return a.difference(b).isEmpty() && b.difference(a).isEmpty();
}

function unionOf(states: Iterable<ManagerState>): FieldSet {
  let out: FieldSet | undefined;
  for (const state of states) out = out ? out.union(state.set) : state.set.copy();
  return out as FieldSet;
}

/** The full object: the merged view plus what the view leaves out (identity metadata, unscoped parts). */
function assemble(
  merged: JsonObject,
  live: KubeObject | undefined,
  applied: KubeObject,
  scope: Scope,
  input: ServerSideApplyInput,
): KubeObject {
  if (scope === 'status' && live) {
    const object = deepCopy(live);
    if (merged.status === undefined) delete object.status;
    else object.status = merged.status;
    return object;
  }
  const identity = live?.metadata ?? applied.metadata;
  const metadata: JsonObject = {};
  for (const key of STRIPPED_METADATA) {
    if (key !== 'managedFields' && identity[key] !== undefined) metadata[key] = deepCopy(identity[key]);
  }
  Object.assign(metadata, isJsonObject(merged.metadata) ? merged.metadata : {});
  const object: KubeObject = { apiVersion: input.apiVersion, kind: input.kind, metadata };
  for (const key of Object.keys(merged)) if (key !== 'metadata') object[key] = merged[key];
  if (scope === 'main-without-status' && live?.status !== undefined) object.status = deepCopy(live.status);
  return object;
}

function applyConflict(conflicts: { state: ManagerState; paths: string[][] }[]): ApiError {
  const rows = conflicts
    .flatMap(({ state, paths }) =>
      paths.map((path) => ({ who: describeManager(state), field: formatPath(path) })),
    )
    .sort((a, b) => (a.who === b.who ? compareStrings(a.field, b.field) : compareStrings(a.who, b.who)));
  let message: string;
  if (rows.length === 1) {
    message = `Apply failed with 1 conflict: conflict with ${rows[0].who}: ${rows[0].field}`;
  } else {
    const lines: string[] = [];
    let current = '';
    for (const row of rows) {
      if (row.who !== current) {
        lines.push(`conflicts with ${row.who}:`);
        current = row.who;
      }
      lines.push(`- ${row.field}`);
    }
    message = `Apply failed with ${rows.length} conflicts: ${lines.join('\n')}`;
  }
  return new ApiError({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason: 'Conflict',
    details: {
      causes: rows.map((row) => ({
        reason: 'FieldManagerConflict',
        message: `conflict with ${row.who}`,
        field: row.field,
      })),
    },
    code: 409,
  });
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
