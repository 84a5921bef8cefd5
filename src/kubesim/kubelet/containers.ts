import { createHash } from 'node:crypto';
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';

export type ContainerSpec = {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  volumeMounts?: { name: string; mountPath: string }[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
};

/** The PATH a container sees by default (the runtime uses the same to find a host executable). */
const CONTAINER_PATH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/**
 * Whether the runtime will run this container as a real process: its command (or, without one, its first
 * argument) names an executable present on the host. Others are simulated as long-running processes.
 */
export function runsOnHost(container: ContainerSpec): boolean {
  const argv0 = container.command?.[0] ?? container.args?.[0];
  if (!argv0) return false;
  const candidates = argv0.includes('/') ? [argv0] : CONTAINER_PATH.map((dir) => join(dir, argv0));
  return candidates.some((path) => {
    try {
      accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** `nginx:1.27` → `docker.io/library/nginx:1.27`, as containerd reports images. */
export function normalizeImage(image: string | undefined): string {
  if (!image) return '';
  const parts = image.split('/');
  const hasRegistry =
    parts.length > 1 && (parts[0].includes('.') || parts[0].includes(':') || parts[0] === 'localhost');
  let name = hasRegistry ? image : parts.length === 1 ? `docker.io/library/${image}` : `docker.io/${image}`;
  const last = name.slice(name.lastIndexOf('/') + 1);
  if (!last.includes(':') && !name.includes('@')) name += ':latest';
  return name;
}

export function imageID(image: string | undefined): string {
  const normalized = normalizeImage(image);
  const at = normalized.indexOf('@');
  const base = at >= 0 ? normalized.slice(0, at) : normalized;
  const colon = base.lastIndexOf(':');
  const repo = colon > base.lastIndexOf('/') ? base.slice(0, colon) : base;
  return `${repo}@sha256:${createHash('sha256').update(normalized).digest('hex')}`;
}

export function containerID(podUid: string, name: string, restartCount: number): string {
  return `containerd://${createHash('sha256').update(`${podUid}/${name}/${restartCount}`).digest('hex')}`;
}

export type ContainerState =
  | { kind: 'waiting'; reason: string; message?: string }
  | { kind: 'running'; startedAt: string }
  | {
      kind: 'terminated';
      exitCode: number;
      reason: string;
      startedAt: string;
      finishedAt: string;
      signal?: number;
    };

/** The kubelet's record of one container of one pod. */
export type ContainerRecord = {
  name: string;
  image: string | undefined;
  init: boolean;
  onHost: boolean;
  state: ContainerState;
  lastTerminated?: Extract<ContainerState, { kind: 'terminated' }>;
  restartCount: number;
  /** The runtime's ID of the current instance, when a runtime runs the container. */
  containerID?: string;
  previousContainerID?: string;
};

export function containerStatus(podUid: string, c: ContainerRecord): Record<string, unknown> {
  const id = c.containerID ?? containerID(podUid, c.name, c.restartCount);
  const state =
    c.state.kind === 'waiting'
      ? { waiting: { reason: c.state.reason, ...(c.state.message ? { message: c.state.message } : {}) } }
      : c.state.kind === 'running'
        ? { running: { startedAt: c.state.startedAt } }
        : {
            terminated: {
              exitCode: c.state.exitCode,
              reason: c.state.reason,
              startedAt: c.state.startedAt,
              finishedAt: c.state.finishedAt,
              containerID: id,
              ...(c.state.signal ? { signal: c.state.signal } : {}),
            },
          };
  const last = c.lastTerminated
    ? {
        terminated: {
          exitCode: c.lastTerminated.exitCode,
          reason: c.lastTerminated.reason,
          startedAt: c.lastTerminated.startedAt,
          finishedAt: c.lastTerminated.finishedAt,
          containerID: c.previousContainerID ?? containerID(podUid, c.name, c.restartCount - 1),
        },
      }
    : {};
  const ran = c.state.kind !== 'waiting' || c.restartCount > 0;
  const ready = c.init ? c.state.kind === 'terminated' && c.state.exitCode === 0 : c.state.kind === 'running';
  return {
    name: c.name,
    image: normalizeImage(c.image),
    imageID: ran ? imageID(c.image) : '',
    ...(ran ? { containerID: id } : {}),
    ready,
    started: c.state.kind === 'running',
    restartCount: c.restartCount,
    state,
    lastState: last,
  };
}

/** The pod's QoS class from its containers' requests and limits. */
export function qosClass(containers: ContainerSpec[]): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  let any = false;
  let guaranteed = true;
  for (const c of containers) {
    const requests = c.resources?.requests ?? {};
    const limits = c.resources?.limits ?? {};
    if (Object.keys(requests).length || Object.keys(limits).length) any = true;
    for (const r of ['cpu', 'memory']) {
      if (!limits[r] || (requests[r] !== undefined && requests[r] !== limits[r])) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}
