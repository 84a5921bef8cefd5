import { restoreHookAnnotation } from '../../api/labels.ts';
import type { Restore } from '../../api/resources/restore.ts';
import type { HookErrorMode, RestoreResourceHookSpec } from '../../api/shared/hooks.ts';
import { parseDuration } from '../../core/duration.ts';
import { errorMessage } from '../../core/errors.ts';
import { compileLabelSelector, labelSelectorFromObject } from '../../core/selectors/index.ts';
import { parseCommandText } from '../../kube/exec-pod.ts';
import type { KubeObject } from '../../kube/types.ts';
import { NamespaceFilter } from '../filters.ts';

/** One post-restore exec hook as it will run in one restored pod. */
export interface ResolvedRestoreExecHook {
  /** The spec's `name`, or `<from-annotation>`. */
  name: string;
  source: 'annotation' | 'spec';
  /** Undefined: the pod's first container. */
  container?: string;
  command: string[];
  onError: HookErrorMode;
  execTimeoutMs: number;
  /** Undefined: wait as long as it takes (the restore's own end bounds it). */
  waitTimeoutMs?: number;
  waitForReady: boolean;
}

export const DEFAULT_RESTORE_EXEC_TIMEOUT_MS = 30_000;
/** Velero's restore hooks continue unless told to fail. */
export const DEFAULT_RESTORE_HOOK_ON_ERROR: HookErrorMode = 'Continue';
export const ANNOTATION_HOOK_NAME = '<from-annotation>';

/**
 * The post-restore exec hooks of a restored pod, in the order they run: the pod's
 * `post.hook.restore.lifeboat.io/…` annotations when it names a command (they win, as in Velero), else every
 * `exec` of every matching `spec.hooks.resources[].postHooks`. Spec entries match the pod's namespace as
 * restored (after namespace mapping). `problems` lists values that could not be read (defaults used).
 */
export function resolveRestoreExecHooks(
  pod: KubeObject,
  restore: Restore,
): { hooks: ResolvedRestoreExecHook[]; problems: string[] } {
  const problems: string[] = [];
  const annotations = pod.metadata?.annotations ?? {};
  const command = parseCommandText(annotations[restoreHookAnnotation('post', 'command')]);
  if (command) {
    const read = (field: Parameters<typeof restoreHookAnnotation>[1]): string | undefined =>
      annotations[restoreHookAnnotation('post', field)];
    const mode = read('on-error');
    let onError = DEFAULT_RESTORE_HOOK_ON_ERROR;
    if (mode === 'Continue' || mode === 'Fail') onError = mode;
    else if (mode)
      problems.push(
        `${restoreHookAnnotation('post', 'on-error')}: "${mode}" is neither Continue nor Fail; using Continue`,
      );
    return {
      hooks: [
        {
          name: ANNOTATION_HOOK_NAME,
          source: 'annotation',
          container: read('container') || undefined,
          command,
          onError,
          execTimeoutMs:
            durationOf(read('exec-timeout'), restoreHookAnnotation('post', 'exec-timeout'), problems) ??
            DEFAULT_RESTORE_EXEC_TIMEOUT_MS,
          waitTimeoutMs: durationOf(
            read('wait-timeout'),
            restoreHookAnnotation('post', 'wait-timeout'),
            problems,
          ),
          waitForReady: read('wait-for-ready') === 'true',
        },
      ],
      problems,
    };
  }
  const hooks: ResolvedRestoreExecHook[] = [];
  for (const spec of restore.spec?.hooks?.resources ?? []) {
    if (!appliesToRestoredPod(spec, pod)) continue;
    for (const entry of spec.postHooks ?? []) {
      const exec = entry.exec;
      if (!exec) continue;
      hooks.push({
        name: spec.name,
        source: 'spec',
        container: exec.container || undefined,
        command: [...exec.command],
        onError: exec.onError ?? DEFAULT_RESTORE_HOOK_ON_ERROR,
        execTimeoutMs:
          durationOf(exec.execTimeout, `hook ${spec.name}: execTimeout`, problems) ??
          DEFAULT_RESTORE_EXEC_TIMEOUT_MS,
        waitTimeoutMs: durationOf(exec.waitTimeout, `hook ${spec.name}: waitTimeout`, problems),
        waitForReady: exec.waitForReady === true,
      });
    }
  }
  return { hooks, problems };
}

/** A positive duration in ms; undefined when unset, zero or unreadable (the last noted in `problems`). */
function durationOf(text: string | undefined, what: string, problems: string[]): number | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  try {
    const ms = parseDuration(text);
    return ms > 0 ? ms : undefined;
  } catch (err) {
    problems.push(`${what}: ${errorMessage(err)}; using the default`);
    return undefined;
  }
}

const POD_NAMES = new Set(['pods', 'pod', 'po', 'pods.', 'pod.', 'pods.v1', 'pod.v1']);

function admitsPods(includes: readonly string[], excludes: readonly string[]): boolean {
  const names = (list: readonly string[]) => list.some((n) => n === '*' || POD_NAMES.has(n.toLowerCase()));
  if (names(excludes)) return false;
  const inc = includes.filter((n) => n !== '');
  return inc.length === 0 || names(inc);
}

/** Whether a restore hook spec targets this restored pod (namespace as restored, resources, labels). */
export function appliesToRestoredPod(spec: RestoreResourceHookSpec, pod: KubeObject): boolean {
  if (
    !new NamespaceFilter(spec.includedNamespaces, spec.excludedNamespaces).matches(
      pod.metadata?.namespace ?? '',
    )
  )
    return false;
  if (!admitsPods(spec.includedResources ?? [], spec.excludedResources ?? [])) return false;
  if (
    spec.labelSelector &&
    !compileLabelSelector(labelSelectorFromObject(spec.labelSelector))(pod.metadata?.labels)
  )
    return false;
  return true;
}
