import { applyJsonPatch } from '../patch/json-patch.ts';
import { applyMergePatch } from '../patch/merge-patch.ts';
import {
  serverSideApply as applyServerSide,
  type RecordUpdateInput,
  recordUpdateManagedFields,
  type ServerSideApplyInput,
} from '../patch/server-side-apply.ts';
import { applyStrategicMergePatch } from '../patch/strategic-merge-patch.ts';
import { decodeKubernetesProtobuf } from '../protobuf/decode.ts';
import { crdStatus, resourceTypesFromCrd, takenNames, validateCrd } from '../registry/crd.ts';
import { applyCreateDefaults } from '../registry/defaults.ts';
import { apiVersionOf, type KubeObject, type ResourceType } from '../registry/types.ts';
import { validateObjectMeta } from '../registry/validation.ts';
import { type FieldValidation, validateCustomResource } from '../schema/custom-resource.ts';
import { fieldsOf, matchesFieldSelector, parseFieldSelector } from '../selectors/field-selector.ts';
import { compileLabelSelectorParam } from '../selectors/label-selector.ts';
import { unsupportedMediaType } from './errors.ts';
import type { ApiError, ResourceRef } from './types.ts';

/**
 * The one place the API server calls kubesim's libraries (selectors, patches, field management, schemas,
 * protobuf, and the registry's validation, defaults and CRD rules). Each function states the contract the
 * server relies on; the bodies adapt to the libraries.
 */

export type FieldCause = { field: string; message: string; reason?: string };

// ---- selectors ----

export type LabelMatcher = (labels: Readonly<Record<string, string>> | undefined) => boolean;

/** Compiles a label selector; 400 BadRequest with the parser's message when it does not parse. */
export function compileLabelSelector(text: string): LabelMatcher {
  return compileLabelSelectorParam(text);
}

export type FieldMatcher = {
  /** The field paths the selector reads. */
  fields: string[];
  matches(get: (field: string) => string | undefined): boolean;
};

/** Compiles a field selector; 400 BadRequest when it does not parse. Unsupported fields are the caller's check. */
export function compileFieldSelector(text: string): FieldMatcher {
  const selector = parseFieldSelector(text);
  return { fields: fieldsOf(selector), matches: (get) => matchesFieldSelector(selector, get) };
}

// ---- patches and field management ----

/** RFC 6902 on a copy. A malformed patch is 400; a failed `test` or a missing path is 422. */
export function jsonPatch(obj: KubeObject, operations: unknown): KubeObject {
  return applyJsonPatch(obj, operations);
}

/** RFC 7386 on a copy: objects merge, null deletes, everything else replaces; 400 for a non-object patch. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  return applyMergePatch(target, patch);
}

/** Strategic merge patch with the built-in kind's merge keys; 415 for types that do not take it (custom resources). */
export function strategicMergePatch(obj: KubeObject, patch: unknown, type: ResourceType): KubeObject {
  if (!type.strategicMerge) throw smpUnsupported(type);
  return applyStrategicMergePatch(obj, patch, type.kind);
}

export function smpUnsupported(_type: ResourceType): ApiError {
  return unsupportedMediaType('application/strategic-merge-patch+json', [
    'application/json-patch+json',
    'application/merge-patch+json',
    'application/apply-patch+yaml',
  ]);
}

type Scope = {
  kind: string;
  apiVersion: string;
  hasStatusSubresource: boolean;
  subresource?: string;
  schema?: Readonly<Record<string, unknown>>;
};

/**
 * What field management needs to know about the write's type and version. Keys that do not apply are left out
 * rather than set to undefined: these inputs go through hot code whose speed depends on seeing one shape.
 */
function scopeOf(ref: ResourceRef, subresource: string | undefined): Scope {
  const { type } = ref;
  const scope: Scope = {
    kind: type.kind,
    apiVersion: apiVersionOf(type.group, ref.version),
    hasStatusSubresource: Boolean(type.subresources.status),
  };
  if (subresource !== undefined) scope.subresource = subresource;
  if (type.crdName) {
    const schema = type.versions.find((v) => v.name === ref.version)?.schema;
    if (schema) scope.schema = schema;
  }
  return scope;
}

/**
 * Server-side apply of `applied` by `manager` onto `live` (undefined when creating). Returns the new object with
 * its managedFields and whether anything changed; 400 for a malformed configuration, 409 on conflicts unless
 * `force`.
 */
export function serverSideApply(
  ref: ResourceRef,
  live: KubeObject | undefined,
  applied: KubeObject,
  options: { manager: string; force: boolean; now: Date; subresource?: string },
): { object: KubeObject; changed: boolean } {
  const input: ServerSideApplyInput = Object.assign(scopeOf(ref, options.subresource), {
    applied,
    manager: options.manager,
    force: options.force,
    now: options.now,
  });
  if (live) input.live = live;
  const result = applyServerSide(input);
  return { object: result.object, changed: result.changed };
}

/** Sets `after.metadata.managedFields` for a non-apply write by `manager` (create when `before` is undefined). */
export function recordUpdate(
  ref: ResourceRef,
  before: KubeObject | undefined,
  after: KubeObject,
  options: { manager: string; now: Date; subresource?: string },
): void {
  const input = scopeOf(ref, options.subresource) as RecordUpdateInput;
  input.after = after;
  input.manager = options.manager;
  input.now = options.now;
  if (before) input.before = before;
  const entries = recordUpdateManagedFields(input);
  if (entries.length > 0) after.metadata.managedFields = entries;
  else delete after.metadata.managedFields;
}

// ---- custom resources ----

export type CustomResourceCheck = {
  object: KubeObject;
  causes: FieldCause[];
  unknownFields: string[];
};

/** Prunes, defaults and validates a custom resource against its version's structural schema (returns a copy). */
export function checkCustomResource(
  obj: KubeObject,
  schema: Record<string, unknown> | undefined,
  fieldValidation: FieldValidation,
): CustomResourceCheck {
  return validateCustomResource(obj, schema, { fieldValidation });
}

// ---- protobuf ----

/** Decodes a `k8s\0`-enveloped protobuf body to its JSON object form; 400 malformed, 415 unknown kind. */
export function decodeProtobuf(body: Buffer): KubeObject {
  return decodeKubernetesProtobuf(body);
}

// ---- registry rules ----

/** Name, namespace, label, annotation, owner reference and finalizer validation (with `old` on update). */
export function validateMeta(type: ResourceType, obj: KubeObject, old?: KubeObject): FieldCause[] {
  return validateObjectMeta(type, obj, old ? { operation: 'update', old } : { operation: 'create' });
}

/** Kind-specific create-time defaults, in place. */
export function createDefaults(type: ResourceType, obj: KubeObject): void {
  applyCreateDefaults(type, obj);
}

/** Static validation of a CRD; the 422 causes. */
export function crdCauses(crd: KubeObject): FieldCause[] {
  return validateCrd(crd);
}

/**
 * The status a CRD gets (accepted names, stored versions, NamesAccepted and Established), given the types
 * already served; the CRD's current status (if any) keeps transition times and stored versions.
 */
export function crdStatusFor(crd: KubeObject, now: Date, served: ResourceType[]): Record<string, unknown> {
  const group = (crd.spec as { group?: string } | undefined)?.group ?? '';
  return crdStatus(crd, now, { taken: takenNames(served, group, crd.metadata.name) }) as unknown as Record<
    string,
    unknown
  >;
}

/** The resource type a valid, established CRD serves. */
export function typesFromCrd(crd: KubeObject): ResourceType[] {
  return [resourceTypesFromCrd(crd)];
}
