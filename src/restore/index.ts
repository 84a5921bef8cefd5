/**
 * The restore engine: reads a backup's tarball from its storage location (untrusted input, checked whole
 * before anything is created), chooses versions, filters, orders resources by priority tiers (CRDs first,
 * waited for until Established), transforms each item (server-set fields stripped, item actions, resource
 * modifiers, namespace mapping, restore labels) and creates it, concurrently within a tier. Existing objects
 * are compared: unchanged → skipped, different → a warning saying how, or a merge patch with
 * `existingResourcePolicy: update`. Nothing is ever deleted. A dry run writes nothing to the cluster and
 * uploads a per-object plan instead. Results, resource list and log go under `restores/<name>/`.
 *
 * - `validateRestore(restore, ctx)` → messages naming the field (`spec.backupName: …`); empty when valid.
 * - `runRestore(restore, deps)` → `{ status }` with phase Completed / PartiallyFailed / Failed.
 * - `formatPlan(plan)` prints a dry-run plan (downloaded from `restoreKeys(name).dryRunPlan`).
 * - `RestoreItemAction`: the extension point (Velero's shape); built-in actions are registered through it.
 */
export { builtinActions } from './actions/builtin.ts';
export { changeStorageClassAction } from './actions/change-storage-class.ts';
export { clusterManagedAction } from './actions/cluster-managed.ts';
export { jobAction } from './actions/job.ts';
export { persistentVolumeAction, persistentVolumeClaimAction } from './actions/persistent-volumes.ts';
export { podAction } from './actions/pod.ts';
export { roleBindingsAction } from './actions/role-bindings.ts';
export { secretAction } from './actions/secret.ts';
export { serviceAction } from './actions/service.ts';
export { serviceAccountAction } from './actions/service-account.ts';
export { diffObjects, mergePatchFor } from './compare.ts';
export { podVolumeTimeoutOf, runRestore } from './engine.ts';
export { compileRules, parseResourceModifiers } from './modifiers.ts';
export { applyMergePatch, applyStrategicMergePatch } from './patches.ts';
export { formatPlan } from './plan.ts';
export { CHANGE_STORAGE_CLASS_LABEL, PLUGIN_CONFIG_LABEL } from './plugin-config.ts';
export { DEFAULT_RESTORE_PRIORITIES, orderResources, parseResourcePriorities } from './priorities.ts';
export { resolveBackup } from './source.ts';
export { DEFAULT_TARBALL_LIMITS } from './tarball-reader.ts';
export type * from './types.ts';
export { type RestoreValidationContext, validateRestore } from './validate.ts';
export type {
  RestoreHookRunner,
  RestoreVolumeRun,
  RestoreVolumeSession,
  RestoreVolumes,
} from './volume-ports.ts';
