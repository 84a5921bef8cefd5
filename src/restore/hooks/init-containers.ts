import { restoreHookAnnotation } from '../../api/labels.ts';
import type { Restore } from '../../api/resources/restore.ts';
import { parseCommandText } from '../../kube/exec-pod.ts';
import type { KubeObject } from '../../kube/types.ts';
import { appliesToRestoredPod } from './resolve.ts';

/** The init container the volume restore adds; hook init containers go right after it. */
export const RESTORE_WAIT_CONTAINER = 'restore-wait';
/** The name of an annotation init container that names none. */
export const DEFAULT_INIT_HOOK_CONTAINER = 'lifeboat-restore-init';

type Container = Record<string, unknown> & { name?: string };

/**
 * The init containers hooks add to a restored pod: from the pod's `init.hook.restore.lifeboat.io/…`
 * annotations (image required; name defaults to `lifeboat-restore-init`; command a JSON array or one
 * argument) when present — they win, as in Velero — else every `init.initContainers` of every matching
 * `spec.hooks.resources[].postHooks`, in order.
 */
export function initHookContainers(pod: KubeObject, restore: Restore): Container[] {
  const annotations = pod.metadata?.annotations ?? {};
  const image = annotations[restoreHookAnnotation('init', 'container-image')];
  if (image) {
    const container: Container = {
      name: annotations[restoreHookAnnotation('init', 'container-name')] || DEFAULT_INIT_HOOK_CONTAINER,
      image,
    };
    const command = parseCommandText(annotations[restoreHookAnnotation('init', 'command')]);
    if (command) container.command = command;
    return [container];
  }
  const out: Container[] = [];
  for (const spec of restore.spec?.hooks?.resources ?? []) {
    if (!appliesToRestoredPod(spec, pod)) continue;
    for (const entry of spec.postHooks ?? [])
      for (const c of entry.init?.initContainers ?? []) out.push(structuredClone(c) as Container);
  }
  return out;
}

/**
 * The pod with its hook init containers added (a copy; the input is not changed): after any `restore-wait`
 * container, before the pod's own init containers. A hook container whose name the pod already uses is not
 * added twice (a pod restored from a backup of a restored pod already has it).
 */
export function addInitContainerHooks(pod: KubeObject, restore: Restore): KubeObject {
  const hooks = initHookContainers(pod, restore);
  if (hooks.length === 0) return pod;
  const spec = (pod.spec ?? {}) as { initContainers?: Container[]; containers?: Container[] };
  const existing = spec.initContainers ?? [];
  const taken = new Set([...existing, ...(spec.containers ?? [])].map((c) => c.name));
  const added = hooks.filter((c) => !taken.has(c.name));
  if (added.length === 0) return pod;
  let at = 0;
  while (at < existing.length && existing[at].name === RESTORE_WAIT_CONTAINER) at++;
  const initContainers = [...existing.slice(0, at), ...added, ...existing.slice(at)];
  return { ...pod, spec: { ...spec, initContainers } };
}
