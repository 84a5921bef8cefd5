/**
 * The `lifeboat.io/v1` API: zod schemas for the thirteen resources (Velero's, with the group changed and
 * Lifeboat's fields added), the TypeScript types inferred from them, validation with field-naming messages,
 * and the CRD manifests generated from the same schemas. `src/api` imports only `src/core`.
 *
 * - Types: `Backup`, `BackupSpec`, … (parsed, defaults applied) and `BackupInput`, … (what a manifest may say).
 * - `validateResource(kind, object)` → `{ ok, value, warnings } | { ok: false, issues: [{ field, message }] }`;
 *   `parseResource` throws `LifeboatError('Invalid')` instead.
 * - `crdManifests()` → the CustomResourceDefinition objects; `deploy/crds/` holds them as YAML.
 */

export * from './config/resource-modifiers.ts';
export * from './config/resource-policies.ts';
export { CRD_DIRECTORY, crdFiles, type GeneratedFile, REGENERATE_COMMAND } from './crd/files.ts';
export { CRD_LABELS, type CustomResourceDefinition, crdManifest, crdManifests } from './crd/manifests.ts';
export { CONTROLLER_DEFAULTS } from './defaults.ts';
export { generatedFiles } from './generated.ts';
export { API_VERSION, CATEGORY, GROUP, VELERO_API_VERSIONS, VERSION } from './group.ts';
export {
  isResourceKind,
  type PrinterColumn,
  RESOURCE_KINDS,
  type ResourceDefinition,
  type ResourceInputTypes,
  type ResourceKind,
  type ResourceTypes,
  resourceDefinitions,
} from './kinds.ts';
export { ANNOTATIONS, backupHookAnnotation, LABELS, restoreHookAnnotation } from './labels.ts';
export { type Manifest, manifest } from './manifest.ts';
export * from './resources/backup.ts';
export * from './resources/backup-repository.ts';
export * from './resources/backup-storage-location.ts';
export * from './resources/data-download.ts';
export * from './resources/data-upload.ts';
export * from './resources/delete-backup-request.ts';
export * from './resources/download-request.ts';
export * from './resources/pod-volume-backup.ts';
export * from './resources/pod-volume-restore.ts';
export * from './resources/restore.ts';
export * from './resources/schedule.ts';
export * from './resources/server-status-request.ts';
export * from './resources/volume-snapshot-location.ts';
export { usesOldResourceFilters, usesScopedResourceFilters } from './rules/backup.ts';
export * from './shared/conditions.ts';
export * from './shared/data-movement.ts';
export { durationProblem, GO_DURATION_PATTERN } from './shared/fields.ts';
export * from './shared/hooks.ts';
export * from './shared/label-selector.ts';
export * from './shared/metadata.ts';
export * from './shared/references.ts';
export { type FieldIssue, formatFieldPath } from './validation/field-issue.ts';
export { parseResource, validateAnyResource, validateResource } from './validation/validate.ts';
export {
  formatIssue,
  formatIssues,
  type ValidationOptions,
  type ValidationResult,
  validateDocument,
} from './validation/validate-document.ts';
export { fromVeleroApiVersion } from './velero.ts';
