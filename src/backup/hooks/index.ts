/**
 * Backup exec hooks: commands run in pods through `pods/exec` before (`pre`) and after (`post`) a pod and its
 * volumes are backed up, from pod annotations (`pre.hook.backup.lifeboat.io/…`) or the Backup's
 * `spec.hooks.resources`. The volume orchestration calls `BackupHooks.pre`/`post` around each pod. See
 * docs/hooks.md.
 */
export {
  BackupHooks,
  type BackupHooksDeps,
  type HookLogger,
  LOG_OUTPUT_CHARS,
  RESULT_OUTPUT_CHARS,
} from './backup-hooks.ts';
export { preHookAction } from './pre-hook-action.ts';
export {
  ANNOTATION_HOOK_NAME,
  appliesToPod,
  type BackupHookPhase,
  DEFAULT_BACKUP_HOOK_ON_ERROR,
  DEFAULT_BACKUP_HOOK_TIMEOUT_MS,
  type ResolvedBackupHook,
  resolveBackupHooks,
} from './resolve.ts';
