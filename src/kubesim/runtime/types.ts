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
  /** Receives the command's stdout; ended when the command's output ends. */
  stdout?: Writable;
  /** Receives the command's stderr; ended when the command's output ends. With `tty`, stderr goes to stdout. */
  stderr?: Writable;
  tty?: boolean;
  /** With `tty`: the terminal's size when the command starts (later resizes are not applied). */
  terminalSize?: { width: number; height: number };
  /** Kills the process when aborted (client gone, timeout). */
  signal?: AbortSignal;
};

/** `exitCode` is 128 + the signal number when the process was killed by a signal (137 for SIGKILL). */
export type ExecResult = { exitCode: number; signal?: string };

/** One log line as stored: its RFC 3339 timestamp with nanoseconds, the text without its newline, its stream. */
export type LogEntry = { time: string; line: string; stream?: 'stdout' | 'stderr' };

/** What the runtime knows of one container of a pod (compatible extension of the seam). */
export type ContainerInfo = {
  name: string;
  /** `kubesim://<64 hex>`, new for every start of the container. */
  containerID: string;
  /** Whether the container runs a real process (its command names an executable) or is simulated. */
  simulated: boolean;
  state: 'running' | 'terminated';
  /** metav1.Time (second precision), from the runtime's clock. */
  startedAt: string;
  finishedAt?: string;
  exitCode?: number;
  /** How many times the container was started again after it first started. */
  restartCount: number;
};

export type StartPodOptions = {
  /**
   * Environment values the kubelet resolved itself (from Secrets and ConfigMaps: `valueFrom.secretKeyRef`,
   * `configMapKeyRef`, `envFrom`), per container; they are added after the container's own plain values.
   */
  resolvedEnv?: Record<string /* container */, Record<string, string>>;
};

export type StopPodOptions = {
  /** Time between SIGTERM and SIGKILL; defaults to the pod's terminationGracePeriodSeconds, capped by the runtime. */
  gracePeriodMs?: number;
};

export interface ContainerRuntime {
  /**
   * Starts a pod's containers. A container whose command (command + args) names an executable present on the
   * host is run for real in the pod's sandbox (its output becomes its log, its exit code its termination);
   * any other container is simulated as a long-running process that logs that it started.
   * Calling it again for a known pod starts the containers that are not running (a restart).
   */
  startPod(pod: KubeObject, mounts: ContainerMounts, options?: StartPodOptions): Promise<void>;
  /** Listener for containers that run a real process and exit (not for those stopped by `stopPod`). */
  onContainerExit(listener: (podUid: string, container: string, exitCode: number) => void): void;
  stopPod(podUid: string, options?: StopPodOptions): Promise<void>;
  /**
   * The container's log lines, each with its RFC 3339 nano timestamp; undefined if unknown. With `previous`,
   * the log of the container's previous, terminated instance (undefined if it never restarted).
   */
  logs(podUid: string, container: string, options?: { previous?: boolean }): LogEntry[] | undefined;
  /**
   * Follows new log lines; returns an unsubscribe function. `onEnd` is called once when the current instance
   * of the container terminates or the pod stops (at once if it already has, or if the container is unknown).
   */
  followLogs(
    podUid: string,
    container: string,
    onLine: (entry: LogEntry) => void,
    onEnd?: () => void,
  ): () => void;
  exec(request: ExecRequest): Promise<ExecResult>;
  /** Whether commands run inside a private mount namespace (volumes at their mount paths) or in the fallback. */
  readonly isolation: 'mount-namespace' | 'none';
  close(): Promise<void>;

  // Compatible extensions: optional so that fakes of the seam keep compiling.

  /**
   * Runs one init container to completion and resolves with its exit code; a simulated one logs a line and
   * exits 0 at once. Its log stays readable like any container's.
   */
  runInitContainer?(
    pod: KubeObject,
    mounts: ContainerMounts,
    container: string,
    options?: StartPodOptions & { signal?: AbortSignal },
  ): Promise<ExecResult>;
  /** Starts a (terminated or running) container again; its current log becomes its `previous` log. */
  restartContainer?(podUid: string, container: string): Promise<void>;
  /** The runtime's view of a pod's containers (init containers included once run); undefined for unknown pods. */
  containers?(podUid: string): ContainerInfo[] | undefined;
  /**
   * Attaches to a running container: its new output goes to `stdout`/`stderr` (ended when the container ends or
   * `signal` aborts); `stdin` feeds the container's stdin when the container was declared with `stdin: true`.
   * Resolves with the container's exit code, or undefined when the attach ended first.
   */
  attach?(request: Omit<ExecRequest, 'command'>): Promise<ExecResult | undefined>;
}
