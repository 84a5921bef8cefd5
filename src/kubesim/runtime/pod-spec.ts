import type { KubeObject } from '../registry/types.ts';

/**
 * Typed reading of the parts of a Pod the runtime needs. Pods arrive as plain JSON, so every accessor
 * tolerates missing or mistyped fields rather than trusting them.
 */

export type EnvVarSpec = {
  name: string;
  value?: string;
  valueFrom?: { fieldRef?: { fieldPath?: string } };
};

export type ContainerSpec = {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  workingDir?: string;
  env?: EnvVarSpec[];
  stdin?: boolean;
  stdinOnce?: boolean;
  tty?: boolean;
};

export type ContainerKind = 'init' | 'regular' | 'ephemeral';

type PodSpecLike = {
  containers?: unknown;
  initContainers?: unknown;
  ephemeralContainers?: unknown;
  nodeName?: unknown;
  terminationGracePeriodSeconds?: unknown;
};

function spec(pod: KubeObject): PodSpecLike {
  const s = pod.spec;
  return s && typeof s === 'object' ? (s as PodSpecLike) : {};
}

function containerList(value: unknown): ContainerSpec[] {
  if (!Array.isArray(value)) return [];
  return value.filter(
    (c): c is ContainerSpec => !!c && typeof c === 'object' && typeof (c as ContainerSpec).name === 'string',
  );
}

/** spec.containers. */
export function regularContainers(pod: KubeObject): ContainerSpec[] {
  return containerList(spec(pod).containers);
}

/** spec.initContainers. */
export function initContainers(pod: KubeObject): ContainerSpec[] {
  return containerList(spec(pod).initContainers);
}

/** Finds a container of any kind by name. */
export function findContainer(
  pod: KubeObject,
  name: string,
): { container: ContainerSpec; kind: ContainerKind } | undefined {
  const kinds: [ContainerKind, ContainerSpec[]][] = [
    ['regular', regularContainers(pod)],
    ['init', initContainers(pod)],
    ['ephemeral', containerList(spec(pod).ephemeralContainers)],
  ];
  for (const [kind, list] of kinds) {
    const container = list.find((c) => c.name === name);
    if (container) return { container, kind };
  }
  return undefined;
}

export function podName(pod: KubeObject): string {
  return pod.metadata.name ?? '';
}

export function podUid(pod: KubeObject): string {
  return pod.metadata.uid ?? '';
}

export function nodeName(pod: KubeObject): string | undefined {
  const n = spec(pod).nodeName;
  return typeof n === 'string' && n !== '' ? n : undefined;
}

export function podPhase(pod: KubeObject): string | undefined {
  const status = pod.status as { phase?: unknown } | undefined;
  return typeof status?.phase === 'string' ? status.phase : undefined;
}

export function podIP(pod: KubeObject): string | undefined {
  const status = pod.status as { podIP?: unknown } | undefined;
  return typeof status?.podIP === 'string' && status.podIP !== '' ? status.podIP : undefined;
}

/** spec.terminationGracePeriodSeconds in milliseconds (Kubernetes' default is 30 s). */
export function terminationGraceMs(pod: KubeObject): number {
  const s = spec(pod).terminationGracePeriodSeconds;
  return typeof s === 'number' && s >= 0 ? s * 1000 : 30_000;
}

export const DEFAULT_CONTAINER_ANNOTATION = 'kubectl.kubernetes.io/default-container';

/**
 * The container a request addresses, with the API server's own messages when it cannot tell:
 * the `container` parameter if given (it must exist), else the `kubectl.kubernetes.io/default-container`
 * annotation when it names a container, else the only container.
 */
export function selectContainer(
  pod: KubeObject,
  requested: string | undefined,
): { name: string } | { error: string } {
  const name = podName(pod);
  if (requested) {
    if (!findContainer(pod, requested))
      return { error: `container ${requested} is not valid for pod ${name}` };
    return { name: requested };
  }
  const annotated = pod.metadata.annotations?.[DEFAULT_CONTAINER_ANNOTATION];
  if (annotated && findContainer(pod, annotated)) return { name: annotated };
  const containers = regularContainers(pod);
  if (containers.length === 1) return { name: containers[0].name };
  if (containers.length === 0) return { error: `a container name must be specified for pod ${name}` };
  let message = `a container name must be specified for pod ${name}, choose one of: [${containers.map((c) => c.name).join(' ')}]`;
  const inits = initContainers(pod);
  if (inits.length > 0) message += ` or one of the init containers: [${inits.map((c) => c.name).join(' ')}]`;
  return { error: message };
}
