/**
 * Writes that change an existing object: JSON patch (RFC 6902), JSON merge patch (RFC 7386), strategic merge
 * patch with the built-in kinds' merge keys, and server-side apply with `metadata.managedFields` bookkeeping
 * (also recorded for every non-apply write). All functions are pure and return new objects; failures are
 * `ApiError`s carrying the Status a real server sends.
 */
export { builtinType, GENERIC_OBJECT, OBJECT_META } from './builtin-types.ts';
export { patchNotApplicable } from './errors.ts';
export { FieldSet, formatPath } from './field-set.ts';
export { applyJsonPatch, type JsonPatchOperation } from './json-patch.ts';
export { deepCopy, deepEqual } from './json-value.ts';
export type { ManagedFieldsEntry } from './managed-fields.ts';
export { applyMergePatch } from './merge-patch.ts';
export { typeFromOpenApiSchema } from './openapi-types.ts';
export {
  type FieldManagementScope,
  type RecordUpdateInput,
  recordUpdateManagedFields,
  type ServerSideApplyInput,
  type ServerSideApplyResult,
  serverSideApply,
} from './server-side-apply.ts';
export { applyStrategicMergePatch } from './strategic-merge-patch.ts';
export { compare, merge, toFieldSet } from './structured-merge.ts';
export type { ListNode, MapKey, MapNode, TypeNode } from './type-node.ts';
