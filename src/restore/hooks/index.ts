/**
 * Restore hooks: init containers added to restored pods (`addInitContainerHooks`, pure) and post-restore exec
 * hooks run once a restored pod's container is running (`RestoreHooks`), from the pod's
 * `init.hook.restore.lifeboat.io/…` / `post.hook.restore.lifeboat.io/…` annotations or the Restore's
 * `spec.hooks.resources[].postHooks`. See docs/hooks.md.
 */
export {
  addInitContainerHooks,
  DEFAULT_INIT_HOOK_CONTAINER,
  initHookContainers,
  RESTORE_WAIT_CONTAINER,
} from './init-containers.ts';
export {
  ANNOTATION_HOOK_NAME,
  appliesToRestoredPod,
  DEFAULT_RESTORE_EXEC_TIMEOUT_MS,
  DEFAULT_RESTORE_HOOK_ON_ERROR,
  type ResolvedRestoreExecHook,
  resolveRestoreExecHooks,
} from './resolve.ts';
export {
  type HookLogger,
  type HookSummary,
  RestoreHooks,
  type RestoreHooksDeps,
  restoreLogSink,
} from './restore-hooks.ts';
export { type RestoreHookServiceDeps, restoreHookServices } from './wire.ts';
