import { z } from 'zod';
import { goDuration, stringList } from './fields.ts';
import { labelSelectorSchema } from './label-selector.ts';

/**
 * Hook specifications: commands run in pods (through `pods/exec`) around a backup, and init containers or
 * commands added to pods a restore creates. Shapes and names are Velero's; the engines in `backup/` and
 * `restore/` give them meaning.
 */

export const HOOK_ERROR_MODES = ['Continue', 'Fail'] as const;
export type HookErrorMode = (typeof HOOK_ERROR_MODES)[number];

/** Which pods a hook applies to: namespace and resource filters plus a label selector. */
function hookTargetFields() {
  return {
    name: z.string().describe('Name of the hook, shown in logs and results.'),
    includedNamespaces: stringList()
      .nullable()
      .optional()
      .describe('Namespaces (globs allowed) the hook applies to; empty means all.'),
    excludedNamespaces: stringList()
      .nullable()
      .optional()
      .describe('Namespaces (globs allowed) the hook does not apply to.'),
    includedResources: stringList()
      .nullable()
      .optional()
      .describe('Resources the hook applies to; empty means all. Hooks run only in pods.'),
    excludedResources: stringList().nullable().optional().describe('Resources the hook does not apply to.'),
    labelSelector: labelSelectorSchema
      .nullable()
      .optional()
      .describe('Only objects whose labels match this selector get the hook.'),
  };
}

export const execHookSchema = z.object({
  container: z
    .string()
    .optional()
    .describe('Container to run the command in; the pod’s first container when empty.'),
  command: stringList().min(1).describe('The command and its arguments (no shell unless you call one).'),
  onError: z
    .enum(HOOK_ERROR_MODES)
    .optional()
    .describe(
      'Fail: stop this pod’s remaining hooks and mark the backup PartiallyFailed; Continue: log and go on.',
    ),
  timeout: goDuration().optional().describe('How long the command may run before it counts as failed (30s).'),
});

export const backupResourceHookSchema = z.object({
  exec: execHookSchema.describe('A command run in a container of the pod.'),
});

export const backupResourceHookSpecSchema = z.object({
  ...hookTargetFields(),
  pre: z
    .array(backupResourceHookSchema)
    .optional()
    .describe('Hooks run before the pod and its volumes are backed up.'),
  post: z
    .array(backupResourceHookSchema)
    .optional()
    .describe('Hooks run after the pod and its volumes are backed up.'),
});

export const backupHooksSchema = z.object({
  resources: z
    .array(backupResourceHookSpecSchema)
    .nullable()
    .optional()
    .describe('Hook specifications, each with the pods it applies to; all matching ones run, in order.'),
});

export const execRestoreHookSchema = z.object({
  container: z
    .string()
    .optional()
    .describe('Container to run the command in; the pod’s first container when empty.'),
  command: stringList().min(1).describe('The command and its arguments.'),
  onError: z
    .enum(HOOK_ERROR_MODES)
    .optional()
    .describe(
      'Fail: stop the pod’s remaining hooks and mark the restore PartiallyFailed; Continue (default).',
    ),
  execTimeout: goDuration().optional().describe('How long the command may run (30s).'),
  waitTimeout: goDuration()
    .optional()
    .describe('How long to wait for the container to be running (or ready); unset waits indefinitely.'),
  waitForReady: z
    .boolean()
    .nullable()
    .optional()
    .describe('Wait until the container is Ready rather than merely Running before running the command.'),
});

/**
 * An init container to add to restored pods. Any field of a core/v1 Container may be given and is kept;
 * `name`, `image` and `command` are required, as Velero requires them.
 */
export const initContainerSchema = z
  .looseObject({
    name: z.string().min(1).describe('Name of the init container.'),
    image: z.string().min(1).describe('Image of the init container.'),
    command: stringList().min(1).describe('Command of the init container.'),
  })
  .meta({ 'x-lifeboat-type': 'Container' });

export const initRestoreHookSchema = z.object({
  initContainers: z
    .array(initContainerSchema)
    .describe('Containers (core/v1 Container objects) added before the pod’s own init containers.'),
  timeout: goDuration().optional().describe('Accepted for compatibility with Velero, which ignores it too.'),
});

export const restoreResourceHookSchema = z.object({
  exec: execRestoreHookSchema
    .optional()
    .describe('A command run in a container of the restored pod once it is running.'),
  init: initRestoreHookSchema.optional().describe('Init containers added to the restored pod.'),
});

export const restoreResourceHookSpecSchema = z.object({
  ...hookTargetFields(),
  postHooks: z
    .array(restoreResourceHookSchema)
    .optional()
    .describe('Hooks for matching restored pods, in order. Namespaces match after namespace mapping.'),
});

export const restoreHooksSchema = z.object({
  resources: z
    .array(restoreResourceHookSpecSchema)
    .optional()
    .describe('Hook specifications, each with the pods it applies to.'),
});

export type ExecHook = z.infer<typeof execHookSchema>;
export type BackupResourceHookSpec = z.infer<typeof backupResourceHookSpecSchema>;
export type BackupHooks = z.infer<typeof backupHooksSchema>;
export type ExecRestoreHook = z.infer<typeof execRestoreHookSchema>;
export type InitRestoreHook = z.infer<typeof initRestoreHookSchema>;
export type RestoreResourceHookSpec = z.infer<typeof restoreResourceHookSpecSchema>;
export type RestoreHooks = z.infer<typeof restoreHooksSchema>;
