/**
 * kubesim's container runtime: where a simulated pod's containers and `kubectl exec` commands actually run.
 *
 * - `createContainerRuntime` gives each container a sandbox on first need: a private mount, UTS and PID
 *   namespace whose root is built from the host's `/usr` and `/etc` (overlays, so writes stay inside), `/dev`,
 *   a fresh `/proc`, an empty `/tmp`, and the pod's volumes bind-mounted at their mount paths (namespace-sandbox.ts).
 *   As root it needs only util-linux; other users get the same inside a user namespace where the kernel
 *   allows one. Hosts that allow neither fall back to running on the host in a per-container directory
 *   (plain-sandbox.ts) and report `isolation: 'none'`.
 * - A container whose command (or args) names a program the sandbox has is run for real: its output is its
 *   log, its exit is reported through `onContainerExit`. Any other container is simulated: it logs one start
 *   line and runs until its pod stops.
 * - `createPodStreamHandlers` serves `pods/exec` and `pods/attach` over WebSocket (v5/v4 channel protocols)
 *   and `pods/log` for kubesim's router (http.ts).
 */
export { type BoundPodStreamHandlers, createPodStreamHandlers, handlePodExec, handlePodLog } from './http.ts';
export { type ContainerRuntimeOptions, createContainerRuntime } from './runtime.ts';
export { DEFAULT_EXEC_TIMEOUT_MS, type PodStreamContext } from './stream-context.ts';
export type {
  ContainerInfo,
  ContainerMounts,
  ContainerRuntime,
  ExecRequest,
  ExecResult,
  LogEntry,
  PodMount,
  StartPodOptions,
  StopPodOptions,
} from './types.ts';
