import { backupHookAnnotation } from '../../api/labels.ts';
import type {
  BackupHooks as BackupHooksSpec,
  BackupResourceHookSpec,
  HookErrorMode,
} from '../../api/shared/hooks.ts';
import { parseDuration } from '../../core/duration.ts';
import { errorMessage } from '../../core/errors.ts';
import { compileLabelSelector, labelSelectorFromObject } from '../../core/selectors/index.ts';
import { parseCommandText } from '../../kube/exec-pod.ts';
import type { KubeObject } from '../../kube/types.ts';
import { IncludesExcludes } from '../glob.ts';

export type BackupHookPhase = 'pre' | 'post';

/** One exec hook as it will run in one pod. */
export interface ResolvedBackupHook {
  /** The spec's `name`, or `<from-annotation>`. */
  name: string;
  source: 'annotation' | 'spec';
  /** Undefined: the pod's first container. */
  container?: string;
  command: string[];
  onError: HookErrorMode;
  timeoutMs: number;
}

/** The timeout of a hook that gives none, as Velero's. */
export const DEFAULT_BACKUP_HOOK_TIMEOUT_MS = 30_000;
/** Velero's backup hooks fail the pod unless told to continue. */
export const DEFAULT_BACKUP_HOOK_ON_ERROR: HookErrorMode = 'Fail';
export const ANNOTATION_HOOK_NAME = '<from-annotation>';
/** Velero's unprefixed annotations, which act as pre hooks. */
const LEGACY_PREFIX = 'hook.backup.lifeboat.io/';

/**
 * The hooks of a pod for one phase, in the order they run. Annotation hooks win: when the pod names a
 * command for the phase, the Backup spec's hooks do not run for it in that phase (Velero's rule). `problems`
 * lists annotation values that could not be read (the hook then runs with the default).
 */
export function resolveBackupHooks(
  pod: KubeObject,
  phase: BackupHookPhase,
  spec: BackupHooksSpec | null | undefined,
): { hooks: ResolvedBackupHook[]; problems: string[] } {
  const problems: string[] = [];
  const fromAnnotations = annotationHook(pod.metadata?.annotations ?? {}, phase, problems);
  if (fromAnnotations) return { hooks: [fromAnnotations], problems };
  const hooks: ResolvedBackupHook[] = [];
  for (const resource of spec?.resources ?? []) {
    if (!appliesToPod(resource, pod)) continue;
    for (const entry of resource[phase] ?? []) {
      const exec = entry.exec;
      hooks.push({
        name: resource.name,
        source: 'spec',
        container: exec.container || undefined,
        command: [...exec.command],
        onError: exec.onError ?? DEFAULT_BACKUP_HOOK_ON_ERROR,
        timeoutMs: timeoutOf(exec.timeout, `hook ${resource.name}: timeout`, problems),
      });
    }
  }
  return { hooks, problems };
}

function annotationHook(
  annotations: Record<string, string>,
  phase: BackupHookPhase,
  problems: string[],
): ResolvedBackupHook | undefined {
  const read = (field: 'container' | 'command' | 'on-error' | 'timeout'): string | undefined =>
    annotations[backupHookAnnotation(phase, field)] ??
    (phase === 'pre' ? annotations[`${LEGACY_PREFIX}${field}`] : undefined);
  const command = parseCommandText(read('command'));
  if (!command) return undefined;
  let onError = DEFAULT_BACKUP_HOOK_ON_ERROR;
  const mode = read('on-error');
  if (mode === 'Continue' || mode === 'Fail') onError = mode;
  else if (mode !== undefined && mode !== '')
    problems.push(
      `${backupHookAnnotation(phase, 'on-error')}: "${mode}" is neither Continue nor Fail; using Fail`,
    );
  return {
    name: ANNOTATION_HOOK_NAME,
    source: 'annotation',
    container: read('container') || undefined,
    command,
    onError,
    timeoutMs: timeoutOf(read('timeout'), backupHookAnnotation(phase, 'timeout'), problems),
  };
}

function timeoutOf(text: string | undefined, what: string, problems: string[]): number {
  if (text === undefined || text.trim() === '') return DEFAULT_BACKUP_HOOK_TIMEOUT_MS;
  try {
    const ms = parseDuration(text);
    // Zero means "the default" in Velero's hooks, never "no time at all".
    return ms > 0 ? ms : DEFAULT_BACKUP_HOOK_TIMEOUT_MS;
  } catch (err) {
    problems.push(`${what}: ${errorMessage(err)}; using 30s`);
    return DEFAULT_BACKUP_HOOK_TIMEOUT_MS;
  }
}

/** Names by which a user may mean pods in a hook's resource filter. */
const POD_NAMES = new Set(['pods', 'pod', 'po', 'pods.', 'pod.', 'pods.v1', 'pod.v1']);

function normalizeResource(name: string): string {
  return POD_NAMES.has(name.toLowerCase()) ? 'pods' : name.toLowerCase();
}

/** Whether a hook spec targets this pod: namespace globs, the resource filter (it must admit pods), labels. */
export function appliesToPod(spec: BackupResourceHookSpec, pod: KubeObject): boolean {
  const namespace = pod.metadata?.namespace ?? '';
  if (
    !new IncludesExcludes(spec.includedNamespaces ?? [], spec.excludedNamespaces ?? []).shouldInclude(
      namespace,
    )
  )
    return false;
  const resources = new IncludesExcludes(
    (spec.includedResources ?? []).map(normalizeResource),
    (spec.excludedResources ?? []).map(normalizeResource),
  );
  if (!resources.shouldInclude('pods')) return false;
  if (spec.labelSelector) {
    const matches = compileLabelSelector(labelSelectorFromObject(spec.labelSelector));
    if (!matches(pod.metadata?.labels)) return false;
  }
  return true;
}
