import type { ChildProcess } from 'node:child_process';
import type { PathView } from './executable.ts';
import type { PodMount } from './types.ts';

/**
 * One container's sandbox: the file-system view its processes get (the pod's volumes at their mount paths)
 * and the way processes are started in it and stopped. Two kinds exist: a private mount namespace
 * (namespace-sandbox.ts) and the fallback that runs on the host in a per-container directory (plain-sandbox.ts).
 */
export type SandboxSpec = {
  /** Host directory that belongs to this sandbox alone; created by the sandbox, removed by `destroy`. */
  dir: string;
  /** The pod's name: the sandbox's host name. */
  hostname: string;
  podIP?: string;
  mounts: PodMount[];
};

export type SpawnRequest = {
  argv: string[];
  env: Record<string, string>;
  /** Working directory inside the container (created when missing, as runtimes do); `/` when unset. */
  workingDir?: string;
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
};

export interface Sandbox {
  readonly isolation: 'mount-namespace' | 'none';
  /** Where paths inside the container are found from the host, for resolving executables. */
  readonly view: PathView;
  /**
   * Starts a process in the sandbox, leading its own process group. Its stdio are pipes for the streams
   * asked for and /dev/null otherwise.
   */
  spawn(request: SpawnRequest): Promise<ChildProcess>;
  /** Sends `signal` to the program itself (not to the helper that entered the sandbox for it). */
  signal(child: ChildProcess, signal: NodeJS.Signals): void;
  /** Kills a process and everything it started (for aborts: no grace). */
  kill(child: ChildProcess): void;
  /** Kills every process still in the sandbox and removes its directory. */
  destroy(): Promise<void>;
}
