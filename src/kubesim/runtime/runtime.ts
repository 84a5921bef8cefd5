/**
 * The container runtime itself: picks the sandbox kind once (namespace sandboxes when the probe shows the host
 * allows them, the plain fallback otherwise) and decides which of a pod's containers start, restart and stop,
 * and when. The single process's life is container-launch.ts's, the bookkeeping pod-records.ts's, exec and
 * attach container-exec.ts's.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { type Clock, systemClock } from '../../core/clock.ts';
import { LifeboatError } from '../../core/errors.ts';
import type { KubeObject } from '../registry/types.ts';
import { attachToContainer, execInContainer } from './container-exec.ts';
import { ContainerLauncher } from './container-launch.ts';
import { DEFAULT_LOG_LIMITS, type LogLimits } from './log-store.ts';
import { createNamespaceSandbox } from './namespace-sandbox.ts';
import { createPlainSandbox } from './plain-sandbox.ts';
import { enqueue, type Instance, notRunning, PodTable, type SandboxFactory } from './pod-records.ts';
import { regularContainers, terminationGraceMs } from './pod-spec.ts';
import { probeNamespaceSandbox } from './sandbox-probe.ts';
import { createLogClock } from './timestamps.ts';
import type {
  ContainerInfo,
  ContainerMounts,
  ContainerRuntime,
  ExecRequest,
  ExecResult,
  LogEntry,
  StartPodOptions,
  StopPodOptions,
} from './types.ts';

export type ContainerRuntimeOptions = {
  /** Directory for sandboxes (under `<dataDir>/runtime/`); removed again by `close`. */
  dataDir: string;
  logger?: Logger;
  /** Stamps log lines; process timing (grace periods) always uses real time. */
  clock?: Clock;
  /**
   * `auto` (the default) uses mount namespaces when a probe shows the host allows them and falls back
   * otherwise; `none` forces the fallback; `mount-namespace` fails when the host cannot.
   */
  isolation?: 'auto' | 'mount-namespace' | 'none';
  /** Environment every container and exec gets, before the container's own (e.g. KUBERNETES_SERVICE_HOST). */
  env?: Record<string, string>;
  logLimits?: LogLimits;
  /** Upper bound for the SIGTERM → SIGKILL grace period of `stopPod` (default 10 s). */
  maxGracePeriodMs?: number;
  /**
   * Namespace sandboxes inside a user namespace even when running as root (as they are anyway for other
   * users); mainly for testing that path.
   */
  rootless?: boolean;
};

/**
 * Creates the container runtime. It probes once whether this host can build namespace sandboxes (root,
 * util-linux, overlayfs); when it cannot, it logs a warning and runs everything in the fallback.
 */
export async function createContainerRuntime(options: ContainerRuntimeOptions): Promise<ContainerRuntime> {
  const logger = options.logger ?? pino({ level: 'silent' });
  const baseDir = join(options.dataDir, 'runtime');
  await mkdir(baseDir, { recursive: true });
  const wanted = options.isolation ?? 'auto';
  let factory: SandboxFactory = createPlainSandbox;
  let isolation: 'mount-namespace' | 'none' = 'none';
  if (wanted !== 'none') {
    const started = performance.now();
    const probe = await probeNamespaceSandbox(baseDir, options.rootless === true);
    if (typeof probe === 'string') {
      if (wanted === 'mount-namespace') {
        throw new LifeboatError('Unavailable', `mount-namespace sandboxes are not available: ${probe}`);
      }
      logger.warn(
        { reason: probe },
        'container sandboxes fall back to isolation "none": commands run on the host, volumes are under $KUBESIM_ROOT',
      );
    } else {
      const tools = probe;
      factory = (spec) => createNamespaceSandbox(spec, tools);
      isolation = 'mount-namespace';
      logger.debug(
        { probeMs: Math.round(performance.now() - started), userNamespace: tools.rootless },
        'container sandboxes use mount namespaces',
      );
    }
  }
  const clock = options.clock ?? systemClock;
  const env = options.env ?? {};
  const pods = new PodTable(baseDir, factory);
  const launcher = new ContainerLauncher({
    pods,
    clock,
    logger,
    logClock: createLogClock(clock),
    logLimits: options.logLimits ?? DEFAULT_LOG_LIMITS,
    isolation,
    env,
  });
  return new Runtime({
    baseDir,
    isolation,
    env,
    maxGraceMs: options.maxGracePeriodMs ?? 10_000,
    pods,
    launcher,
  });
}

type RuntimeConfig = {
  baseDir: string;
  isolation: 'mount-namespace' | 'none';
  env: Record<string, string>;
  maxGraceMs: number;
  pods: PodTable;
  launcher: ContainerLauncher;
};

class Runtime implements ContainerRuntime {
  readonly isolation: 'mount-namespace' | 'none';
  readonly #config: RuntimeConfig;
  readonly #pods: PodTable;
  readonly #launcher: ContainerLauncher;

  constructor(config: RuntimeConfig) {
    this.#config = config;
    this.isolation = config.isolation;
    this.#pods = config.pods;
    this.#launcher = config.launcher;
  }

  onContainerExit(listener: (podUid: string, container: string, exitCode: number) => void): void {
    this.#launcher.onExit(listener);
  }

  startPod(pod: KubeObject, mounts: ContainerMounts, options: StartPodOptions = {}): Promise<void> {
    const record = this.#pods.record(pod, mounts, options);
    return enqueue(record, async () => {
      if (record.stopping) return;
      for (const spec of regularContainers(record.pod)) {
        const container = this.#pods.container(record, spec.name);
        if (container.current?.state === 'running') continue;
        await this.#launcher.start(record, container);
      }
    });
  }

  async runInitContainer(
    pod: KubeObject,
    mounts: ContainerMounts,
    name: string,
    options: StartPodOptions & { signal?: AbortSignal } = {},
  ): Promise<ExecResult> {
    const record = this.#pods.record(pod, mounts, options);
    const instance = await enqueue(record, async () => {
      if (record.stopping) throw notRunning(name);
      const container = this.#pods.container(record, name);
      return this.#launcher.start(record, container, { init: true });
    });
    const onAbort = (): void => {
      if (instance.child) instance.sandbox?.kill(instance.child);
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.signal?.aborted) onAbort();
    try {
      return await instance.done;
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
    }
  }

  async restartContainer(uid: string, name: string): Promise<void> {
    const record = this.#pods.get(uid);
    if (!record) throw notRunning(name);
    await enqueue(record, async () => {
      if (record.stopping) throw notRunning(name);
      const container = this.#pods.container(record, name);
      const current = container.current;
      if (current?.state === 'running') await this.#launcher.stop(current, 0);
      await this.#launcher.start(record, container);
    });
  }

  stopPod(uid: string, options: StopPodOptions = {}): Promise<void> {
    const record = this.#pods.get(uid);
    if (!record) return Promise.resolve();
    record.stopping = true;
    const grace = Math.min(options.gracePeriodMs ?? terminationGraceMs(record.pod), this.#config.maxGraceMs);
    return enqueue(record, async () => {
      const running = [...record.containers.values()]
        .map((c) => c.current)
        .filter((i): i is Instance => i?.state === 'running');
      await Promise.all(running.map((i) => this.#launcher.stop(i, grace)));
      const sandboxes = [...record.containers.values()].map((c) => c.sandbox).filter((s) => s !== undefined);
      await Promise.all(sandboxes.map(async (s) => (await s.catch(() => undefined))?.destroy()));
      await rm(record.dir, { recursive: true, force: true });
      this.#pods.forget(record);
    });
  }

  logs(uid: string, name: string, options: { previous?: boolean } = {}): LogEntry[] | undefined {
    const container = this.#pods.get(uid)?.containers.get(name);
    const instance = options.previous ? container?.previous : container?.current;
    return instance?.log.entries();
  }

  followLogs(uid: string, name: string, onLine: (entry: LogEntry) => void, onEnd?: () => void): () => void {
    const instance = this.#pods.get(uid)?.containers.get(name)?.current;
    if (!instance) {
      if (onEnd) queueMicrotask(onEnd);
      return () => {};
    }
    return instance.log.follow(onLine, onEnd);
  }

  containers(uid: string): ContainerInfo[] | undefined {
    const record = this.#pods.get(uid);
    if (!record) return undefined;
    const out: ContainerInfo[] = [];
    for (const c of record.containers.values()) {
      const i = c.current;
      if (!i) continue;
      out.push({
        name: c.name,
        containerID: i.id,
        simulated: i.simulated,
        state: i.state,
        startedAt: i.startedAt,
        finishedAt: i.finishedAt,
        exitCode: i.exitCode,
        restartCount: c.restartCount,
      });
    }
    return out;
  }

  exec(request: ExecRequest): Promise<ExecResult> {
    return execInContainer(this.#pods, this.#config.env, request);
  }

  attach(request: Omit<ExecRequest, 'command'>): Promise<ExecResult | undefined> {
    return attachToContainer(this.#pods, request);
  }

  async close(): Promise<void> {
    if (!this.#pods.close()) return;
    await Promise.all(this.#pods.uids().map((uid) => this.stopPod(uid, { gracePeriodMs: 0 })));
    await rm(this.#config.baseDir, { recursive: true, force: true });
  }
}
