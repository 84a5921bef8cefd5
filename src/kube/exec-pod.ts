import type { KubeObject } from './types.ts';

/**
 * What exec callers (backup and restore hooks) read of a pod: its containers, their states, and commands
 * written in annotations.
 */

type ContainerStatus = {
  name?: string;
  ready?: boolean;
  state?: { running?: unknown; waiting?: unknown; terminated?: unknown };
};

type PodShape = {
  spec?: { containers?: { name?: string }[] };
  status?: { phase?: string; containerStatuses?: ContainerStatus[] };
};

/** The names of the pod's (regular) containers, in spec order. */
export function containerNames(pod: KubeObject): string[] {
  return ((pod as PodShape).spec?.containers ?? []).map((c) => c.name ?? '').filter((n) => n !== '');
}

export function podPhase(pod: KubeObject): string | undefined {
  return (pod as PodShape).status?.phase;
}

/** A container's state as its status reports it: absent status counts as not running. */
export function containerState(
  pod: KubeObject,
  container: string,
): { running: boolean; ready: boolean; terminated: boolean } {
  const status = ((pod as PodShape).status?.containerStatuses ?? []).find((s) => s.name === container);
  return {
    running: Boolean(status?.state?.running),
    ready: status?.ready === true,
    terminated: Boolean(status?.state?.terminated),
  };
}

/**
 * A command given in an annotation: a JSON array of strings (`["/bin/sh","-c","…"]`), or else the whole text
 * as one argv element, as Velero reads it. Undefined for blank text.
 */
export function parseCommandText(text: string | undefined): string[] | undefined {
  const trimmed = text?.trim();
  if (!trimmed) return undefined;
  if (trimmed.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(trimmed);
      if (Array.isArray(parsed) && parsed.length > 0 && parsed.every((a) => typeof a === 'string'))
        return parsed as string[];
    } catch {
      // not a JSON array: the text is one argument, as Velero takes it
    }
  }
  return [trimmed];
}

/** At most `max` characters, with a note of how much was cut. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}… (${text.length - max} more characters)`;
}
