import type { Readable, Writable } from 'node:stream';
import type { KubeObject } from '../registry/types.ts';

/**
 * The container runtime seam between the simulated kubelet (which decides when pods start and stop) and
 * the process side (which runs exec'd commands in a pod's sandbox and keeps container logs).
 */

/** One volume as a container sees it: the host directory and where it appears inside the container. */
export type PodMount = {
  /** The pod volume's name (spec.volumes[].name). */
  volume: string;
  hostPath: string;
  mountPath: string;
  readOnly: boolean;
  /** volumeMounts[].subPath, already joined into hostPath when set. */
  subPath?: string;
};

export type ContainerMounts = Record<string /* container name */, PodMount[]>;

export type ExecRequest = {
  podUid: string;
  container: string;
  command: string[];
  stdin?: Readable;
  stdout?: Writable;
  stderr?: Writable;
  tty?: boolean;
  /** Kills the process when aborted (client gone, timeout). */
  signal?: AbortSignal;
};

export type ExecResult = { exitCode: number; signal?: string };

export interface ContainerRuntime {
  /**
   * Starts a pod's containers. A container whose command (command + args) names an executable present on the
   * host is run for real in the pod's sandbox (its output becomes its log, its exit code its termination);
   * any other container is simulated as a long-running process that logs that it started.
   */
  startPod(pod: KubeObject, mounts: ContainerMounts): Promise<void>;
  /** Listener for containers that run a real process and exit. */
  onContainerExit(listener: (podUid: string, container: string, exitCode: number) => void): void;
  stopPod(podUid: string): Promise<void>;
  /** The container's log lines, each with its RFC 3339 nano timestamp; undefined if unknown. */
  logs(podUid: string, container: string): { time: string; line: string }[] | undefined;
  /** Follows new log lines; returns an unsubscribe function. */
  followLogs(
    podUid: string,
    container: string,
    onLine: (entry: { time: string; line: string }) => void,
  ): () => void;
  exec(request: ExecRequest): Promise<ExecResult>;
  /** Whether commands run inside a private mount namespace (volumes at their mount paths) or in the fallback. */
  readonly isolation: 'mount-namespace' | 'none';
  close(): Promise<void>;
}
