/**
 * Starting and stopping one container instance: deciding whether it runs for real (its command names a
 * program its sandbox has) or is simulated, spawning it in its sandbox with its log fed from its output,
 * reporting its exit to the runtime's listeners, and stopping it with SIGTERM then SIGKILL. Everything about a
 * single process's life is here; which containers of a pod to start or stop is the runtime's.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../../core/clock.ts';
import { errorMessage } from '../../core/errors.ts';
import { containerArgv, containerEnv } from './env.ts';
import { hostView, type PathView, plannedView, resolveExecutable } from './executable.ts';
import { ContainerLog, LineSplitter, type LogLimits } from './log-store.ts';
import type { ContainerRecord, Instance, PodRecord, PodTable } from './pod-records.ts';
import { podName } from './pod-spec.ts';
import { closed, exitCodeOf } from './process.ts';
import type { LogClock } from './timestamps.ts';
import type { ExecResult } from './types.ts';

export type ExitListener = (podUid: string, container: string, exitCode: number) => void;

export type ContainerLauncherConfig = {
  pods: PodTable;
  clock: Clock;
  logger: Logger;
  logClock: LogClock;
  logLimits: LogLimits;
  isolation: 'mount-namespace' | 'none';
  /** Environment every container gets before its own. */
  env: Record<string, string>;
};

/** Starts, stops and watches container instances for one runtime. */
export class ContainerLauncher {
  readonly #config: ContainerLauncherConfig;
  readonly #listeners: ExitListener[] = [];

  constructor(config: ContainerLauncherConfig) {
    this.#config = config;
  }

  /** Adds a listener for containers that run a real process and exit on their own. */
  onExit(listener: ExitListener): void {
    this.#listeners.push(listener);
  }

  /**
   * Starts a new instance of the container (the current one becomes `previous`). A simulated one logs a line
   * and keeps running, or, as an init container, ends at once with exit 0; a failed start ends it with 128.
   */
  async start(
    record: PodRecord,
    container: ContainerRecord,
    options: { init?: boolean } = {},
  ): Promise<Instance> {
    const env = containerEnv(record.pod, container.spec, {
      base: this.#config.env,
      resolved: record.options.resolvedEnv?.[container.name],
    });
    const argv = containerArgv(container.spec, env);
    const simulated = !(await this.#runsForReal(container, argv, env));
    const log = new ContainerLog(this.#config.logClock, this.#config.logLimits);
    const instance = newInstance(log, simulated, metaTime(this.#config.clock.now()));
    if (container.current) {
      container.previous = container.current;
      container.restartCount++;
    }
    container.current = instance;
    const image = container.spec.image ?? '<none>';
    if (simulated) {
      if (options.init) {
        log.append(`kubesim: ran init container ${container.name} (image ${image})`);
        this.#terminate(record, container, instance, 0, false);
      } else {
        log.append(`kubesim: started container ${container.name} (image ${image})`);
      }
      return instance;
    }
    try {
      const sandbox = await this.#config.pods.sandbox(record, container);
      instance.sandbox = sandbox;
      const child = await sandbox.spawn({
        argv,
        env,
        workingDir: container.spec.workingDir,
        stdin: container.spec.stdin === true,
        stdout: true,
        stderr: true,
      });
      instance.child = child;
      instance.stdin = child.stdin ?? undefined;
      child.stdin?.on('error', () => {});
      this.#collectOutput(record, container, instance, child);
    } catch (err) {
      log.append(`kubesim: failed to start container ${container.name}: ${errorMessage(err)}`, 'stderr');
      this.#config.logger.warn(
        { pod: podName(record.pod), container: container.name, err },
        'container start failed',
      );
      this.#terminate(record, container, instance, 128, !options.init);
    }
    return instance;
  }

  /** SIGTERM, then SIGKILL after `graceMs`; a simulated container just ends (exit 0, as after a clean SIGTERM). */
  async stop(instance: Instance, graceMs: number): Promise<void> {
    instance.stopRequested = true;
    const { child, sandbox } = instance;
    if (!child || !sandbox) {
      finishInstance(instance, 0, this.#config.clock.now());
      return;
    }
    if (graceMs > 0) {
      sandbox.signal(child, 'SIGTERM');
      if (await settlesWithin(instance.done, graceMs)) return;
    }
    sandbox.kill(child);
    await instance.done;
  }

  /**
   * Whether the container's command (or, without one, its args, as an image without an entrypoint runs them)
   * names a program its sandbox will have; otherwise the container is simulated.
   */
  async #runsForReal(
    container: ContainerRecord,
    argv: string[],
    env: Record<string, string>,
  ): Promise<boolean> {
    if (argv.length === 0) return false;
    const view: PathView = this.#config.isolation === 'none' ? hostView : plannedView(container.mounts);
    return (await resolveExecutable(argv[0], env.PATH, view, container.spec.workingDir)) === 'ok';
  }

  #collectOutput(
    record: PodRecord,
    container: ContainerRecord,
    instance: Instance,
    child: ChildProcess,
  ): void {
    const out = new LineSplitter((line) => instance.log.append(line, 'stdout'));
    const err = new LineSplitter((line) => instance.log.append(line, 'stderr'));
    child.stdout?.on('data', (d: Buffer) => out.push(d));
    child.stderr?.on('data', (d: Buffer) => err.push(d));
    void closed(child).then(({ code, signal }) => {
      out.flush();
      err.flush();
      this.#terminate(record, container, instance, exitCodeOf(code, signal), container.kind !== 'init');
    });
  }

  #terminate(
    record: PodRecord,
    container: ContainerRecord,
    instance: Instance,
    exitCode: number,
    notify: boolean,
  ): void {
    if (!finishInstance(instance, exitCode, this.#config.clock.now())) return;
    if (!notify || record.stopping || instance.stopRequested || container.current !== instance) return;
    for (const listener of this.#listeners) {
      try {
        listener(record.uid, container.name, exitCode);
      } catch (err) {
        this.#config.logger.error({ err }, 'onContainerExit listener failed');
      }
    }
  }
}

function newInstance(log: ContainerLog, simulated: boolean, startedAt: string): Instance {
  let settle: (r: ExecResult) => void = () => {};
  const done = new Promise<ExecResult>((resolve) => {
    settle = resolve;
  });
  return {
    id: `kubesim://${randomBytes(32).toString('hex')}`,
    log,
    simulated,
    state: 'running',
    startedAt,
    done,
    settle,
  };
}

/** Marks an instance terminated and ends its log; true if it was still running. */
function finishInstance(instance: Instance, exitCode: number, now: Date): boolean {
  if (instance.state === 'terminated') return false;
  instance.state = 'terminated';
  instance.exitCode = exitCode;
  instance.finishedAt = metaTime(now);
  instance.log.end();
  instance.settle({ exitCode });
  return true;
}

/** A Kubernetes `metav1.Time`: RFC 3339 with second precision. */
function metaTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Whether `promise` settles within `ms` (the timer is cleared either way, so it never holds Node open). */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
