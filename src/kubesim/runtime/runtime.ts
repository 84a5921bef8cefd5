import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';
import { type Clock, systemClock } from '../../core/clock.ts';
import { errorMessage, LifeboatError } from '../../core/errors.ts';
import type { KubeObject } from '../registry/types.ts';
import { containerArgv, containerEnv } from './env.ts';
import {
  execFailureExitCode,
  execFailureMessage,
  hostView,
  type PathView,
  plannedView,
  resolveExecutable,
} from './executable.ts';
import { ContainerLog, DEFAULT_LOG_LIMITS, LineSplitter, type LogLimits } from './log-store.ts';
import { createNamespaceSandbox, findNamespaceTools, type NamespaceTools } from './namespace-sandbox.ts';
import { createPlainSandbox } from './plain-sandbox.ts';
import {
  type ContainerKind,
  type ContainerSpec,
  findContainer,
  podIP,
  podName,
  podUid,
  regularContainers,
  terminationGraceMs,
} from './pod-spec.ts';
import { closed, exitCodeOf, pipeAllInto } from './process.ts';
import type { Sandbox, SandboxSpec } from './sandbox.ts';
import { createLogClock, type LogClock } from './timestamps.ts';
import type {
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

type Instance = {
  id: string;
  log: ContainerLog;
  simulated: boolean;
  state: 'running' | 'terminated';
  startedAt: string;
  finishedAt?: string;
  exitCode?: number;
  child?: ChildProcess;
  stdin?: Writable;
  sandbox?: Sandbox;
  /** Set when the runtime itself stops the instance: its exit is not reported to listeners. */
  stopRequested?: boolean;
  done: Promise<ExecResult>;
  settle: (result: ExecResult) => void;
};

type ContainerRecord = {
  name: string;
  kind: ContainerKind;
  spec: ContainerSpec;
  mounts: PodMount[];
  current?: Instance;
  previous?: Instance;
  restartCount: number;
  sandbox?: Promise<Sandbox>;
};

type PodRecord = {
  uid: string;
  /** Host directory of this pod's sandboxes (unique per record, so a restart never shares a teardown). */
  dir: string;
  pod: KubeObject;
  mounts: ContainerMounts;
  options: StartPodOptions;
  containers: Map<string, ContainerRecord>;
  stopping: boolean;
  /** Serialises start/stop/restart of this pod's containers. */
  queue: Promise<unknown>;
};

type SandboxFactory = (spec: SandboxSpec) => Promise<Sandbox>;

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
  return new Runtime({
    baseDir,
    clock,
    logger,
    logClock: createLogClock(clock),
    factory,
    isolation,
    env: options.env ?? {},
    logLimits: options.logLimits ?? DEFAULT_LOG_LIMITS,
    maxGraceMs: options.maxGracePeriodMs ?? 10_000,
  });
}

/**
 * Finds how this host can build namespace sandboxes: as root directly, else (or when asked) inside a user
 * namespace. Returns the tools of the first way that works, or why none does.
 */
async function probeNamespaceSandbox(
  baseDir: string,
  forceRootless: boolean,
): Promise<NamespaceTools | string> {
  if (process.platform !== 'linux') return `platform ${process.platform} has no mount namespaces`;
  const asRoot = process.getuid?.() === 0 && !forceRootless;
  const first = await probeOnce(baseDir, !asRoot);
  if (typeof first !== 'string' || !asRoot) return first;
  const second = await probeOnce(baseDir, true);
  return typeof second === 'string' ? `${first}; in a user namespace: ${second}` : second;
}

/** Builds a throw-away sandbox with one volume and round-trips a file through it: the tools or why not. */
async function probeOnce(baseDir: string, rootless: boolean): Promise<NamespaceTools | string> {
  const tools = findNamespaceTools(rootless);
  if (typeof tools === 'string') return tools;
  const dir = join(baseDir, `probe-${randomBytes(4).toString('hex')}`);
  const volume = join(dir, 'volume');
  const token = randomBytes(8).toString('hex');
  try {
    await mkdir(volume, { recursive: true });
    await writeFile(join(volume, 'token'), token);
    const sandbox = await createNamespaceSandbox(
      {
        dir: join(dir, 'sandbox'),
        hostname: 'kubesim-probe',
        mounts: [{ volume: 'probe', hostPath: volume, mountPath: '/etc/kubesim-probe', readOnly: false }],
      },
      tools,
    );
    try {
      const child = await sandbox.spawn({
        argv: ['sh', '-c', 'cat /etc/kubesim-probe/token > /etc/kubesim-probe/echo'],
        env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
        stdin: false,
        stdout: false,
        stderr: false,
      });
      const { code } = await closed(child);
      const echoed = await readFile(join(volume, 'echo'), 'utf8').catch(() => '');
      if (code !== 0 || echoed !== token) return `probe command in the sandbox failed (exit ${code})`;
    } finally {
      await sandbox.destroy();
    }
    return tools;
  } catch (err) {
    return errorMessage(err);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

type RuntimeConfig = {
  baseDir: string;
  clock: Clock;
  logger: Logger;
  logClock: LogClock;
  factory: SandboxFactory;
  isolation: 'mount-namespace' | 'none';
  env: Record<string, string>;
  logLimits: LogLimits;
  maxGraceMs: number;
};

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

function notRunning(container: string): LifeboatError {
  return new LifeboatError('NotFound', `container not found ("${container}")`);
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

/** Quotes one argument for `sh -c`. */
function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`;
}

/**
 * With `tty`, runs the command on a real pseudo-terminal through util-linux `script` when the sandbox has it
 * (echo, `\r\n`, an interactive shell's prompt, `tty` answering a device), so `kubectl exec -it` behaves; without
 * `script`, stdout and stderr are merged and there is no terminal.
 */
async function withTerminal(
  command: string[],
  env: Record<string, string>,
  view: PathView,
  size: ExecRequest['terminalSize'],
): Promise<string[]> {
  if ((await resolveExecutable('script', env.PATH, view)) !== 'ok') return command;
  env.SHELL = '/bin/sh';
  const resize =
    size && Number.isInteger(size.width) && Number.isInteger(size.height) && size.width > 0 && size.height > 0
      ? `stty cols ${size.width} rows ${size.height} 2>/dev/null; `
      : '';
  const line = `${resize}exec ${command.map(shellQuote).join(' ')}`;
  return ['script', '--quiet', '--flush', '--return', '--command', line, '/dev/null'];
}

/** A Kubernetes `metav1.Time`: RFC 3339 with second precision. */
function metaTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
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

class Runtime implements ContainerRuntime {
  readonly isolation: 'mount-namespace' | 'none';
  readonly #config: RuntimeConfig;
  readonly #pods = new Map<string, PodRecord>();
  readonly #listeners: ((podUid: string, container: string, exitCode: number) => void)[] = [];
  #closed = false;

  constructor(config: RuntimeConfig) {
    this.#config = config;
    this.isolation = config.isolation;
  }

  onContainerExit(listener: (podUid: string, container: string, exitCode: number) => void): void {
    this.#listeners.push(listener);
  }

  startPod(pod: KubeObject, mounts: ContainerMounts, options: StartPodOptions = {}): Promise<void> {
    const record = this.#podRecord(pod, mounts, options);
    return this.#enqueue(record, async () => {
      if (record.stopping) return;
      for (const spec of regularContainers(record.pod)) {
        const container = this.#containerRecord(record, spec.name);
        if (container.current?.state === 'running') continue;
        await this.#startInstance(record, container);
      }
    });
  }

  async runInitContainer(
    pod: KubeObject,
    mounts: ContainerMounts,
    name: string,
    options: StartPodOptions & { signal?: AbortSignal } = {},
  ): Promise<ExecResult> {
    const record = this.#podRecord(pod, mounts, options);
    const instance = await this.#enqueue(record, async () => {
      if (record.stopping) throw notRunning(name);
      const container = this.#containerRecord(record, name);
      return this.#startInstance(record, container, { init: true });
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
    await this.#enqueue(record, async () => {
      if (record.stopping) throw notRunning(name);
      const container = this.#containerRecord(record, name);
      const current = container.current;
      if (current?.state === 'running') await this.#stopInstance(current, 0);
      await this.#startInstance(record, container);
    });
  }

  stopPod(uid: string, options: StopPodOptions = {}): Promise<void> {
    const record = this.#pods.get(uid);
    if (!record) return Promise.resolve();
    record.stopping = true;
    const grace = Math.min(options.gracePeriodMs ?? terminationGraceMs(record.pod), this.#config.maxGraceMs);
    return this.#enqueue(record, async () => {
      const running = [...record.containers.values()]
        .map((c) => c.current)
        .filter((i): i is Instance => i?.state === 'running');
      await Promise.all(running.map((i) => this.#stopInstance(i, grace)));
      const sandboxes = [...record.containers.values()].map((c) => c.sandbox).filter((s) => s !== undefined);
      await Promise.all(sandboxes.map(async (s) => (await s.catch(() => undefined))?.destroy()));
      await rm(record.dir, { recursive: true, force: true });
      if (this.#pods.get(uid) === record) this.#pods.delete(uid);
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

  async exec(request: ExecRequest): Promise<ExecResult> {
    const { record, container } = this.#running(request.podUid, request.container);
    const sandbox = await this.#sandbox(record, container);
    const env = containerEnv(record.pod, container.spec, {
      base: this.#config.env,
      resolved: record.options.resolvedEnv?.[container.name],
      tty: request.tty,
    });
    const stdoutDest = request.stdout;
    const stderrDest = request.tty ? undefined : request.stderr;
    const program = request.command[0] ?? '';
    const resolution = await resolveExecutable(program, env.PATH, sandbox.view, container.spec.workingDir);
    if (resolution !== 'ok') {
      const message = execFailureMessage(program, resolution);
      const target = stderrDest ?? (request.tty ? stdoutDest : undefined);
      target?.write(message);
      await Promise.all([
        stdoutDest && pipeAllInto([], stdoutDest),
        stderrDest && pipeAllInto([], stderrDest),
      ]);
      return { exitCode: execFailureExitCode(resolution) };
    }
    if (request.signal?.aborted) {
      stdoutDest?.end();
      stderrDest?.end();
      return { exitCode: 137, signal: 'SIGKILL' };
    }
    const child = await sandbox.spawn({
      argv: request.tty
        ? await withTerminal(request.command, env, sandbox.view, request.terminalSize)
        : request.command,
      env,
      workingDir: container.spec.workingDir,
      stdin: request.stdin !== undefined,
      stdout: stdoutDest !== undefined,
      stderr: request.tty ? stdoutDest !== undefined : stderrDest !== undefined,
    });
    const exited = closed(child);
    const onAbort = (): void => sandbox.kill(child);
    request.signal?.addEventListener('abort', onAbort, { once: true });
    if (request.signal?.aborted) onAbort();
    if (request.stdin && child.stdin) {
      const stdin = child.stdin;
      stdin.on('error', () => {}); // the program may exit without reading its input
      request.stdin.pipe(stdin);
      void exited.then(() => request.stdin?.unpipe(stdin));
    }
    const outputs: Promise<void>[] = [];
    if (stdoutDest) {
      const sources = [child.stdout, request.tty ? child.stderr : null].filter((s) => s !== null);
      outputs.push(pipeAllInto(sources, stdoutDest));
    }
    if (stderrDest && child.stderr) outputs.push(pipeAllInto([child.stderr], stderrDest));
    try {
      const [{ code, signal }] = await Promise.all([exited, ...outputs]);
      return signal ? { exitCode: exitCodeOf(code, signal), signal } : { exitCode: exitCodeOf(code, null) };
    } finally {
      request.signal?.removeEventListener('abort', onAbort);
    }
  }

  async attach(request: Omit<ExecRequest, 'command'>): Promise<ExecResult | undefined> {
    const { container } = this.#running(request.podUid, request.container);
    const instance = container.current!;
    return new Promise((resolve) => {
      let finished = false;
      const finish = (result: ExecResult | undefined): void => {
        if (finished) return;
        finished = true;
        unsubscribe();
        request.signal?.removeEventListener('abort', onAbort);
        request.stdin?.off('data', onStdin);
        request.stdout?.end();
        if (request.stderr !== request.stdout) request.stderr?.end();
        resolve(result);
      };
      const onAbort = (): void => finish(undefined);
      const onStdin = (d: Buffer): void => {
        instance.stdin?.write(d);
      };
      const unsubscribe = instance.log.follow(
        (entry) => {
          const dest =
            entry.stream === 'stderr' ? (request.tty ? request.stdout : request.stderr) : request.stdout;
          dest?.write(`${entry.line}\n`);
        },
        () => finish(instance.exitCode === undefined ? undefined : { exitCode: instance.exitCode }),
      );
      request.signal?.addEventListener('abort', onAbort, { once: true });
      if (request.signal?.aborted) onAbort();
      if (request.stdin && instance.stdin) {
        request.stdin.on('data', onStdin);
        request.stdin.once('end', () => {
          if (container.spec.stdinOnce) instance.stdin?.end();
        });
      }
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#pods.keys()].map((uid) => this.stopPod(uid, { gracePeriodMs: 0 })));
    await rm(this.#config.baseDir, { recursive: true, force: true });
  }

  // --- internals ---

  #podRecord(pod: KubeObject, mounts: ContainerMounts, options: StartPodOptions): PodRecord {
    if (this.#closed) throw new LifeboatError('Unavailable', 'the container runtime is closed');
    const uid = podUid(pod);
    if (!uid)
      throw new LifeboatError('Invalid', `pod ${podName(pod)} has no metadata.uid`, {
        field: 'metadata.uid',
      });
    let record = this.#pods.get(uid);
    // A pod being stopped finishes its teardown on its own; starting it again begins afresh.
    if (!record || record.stopping) {
      record = {
        uid,
        dir: join(this.#config.baseDir, 'pods', `${uid}-${randomBytes(3).toString('hex')}`),
        pod,
        mounts,
        options,
        containers: new Map(),
        stopping: false,
        queue: Promise.resolve(),
      };
      this.#pods.set(uid, record);
    } else {
      record.pod = pod;
      record.mounts = mounts;
      record.options = options;
    }
    return record;
  }

  #containerRecord(record: PodRecord, name: string): ContainerRecord {
    let container = record.containers.get(name);
    if (!container) {
      const found = findContainer(record.pod, name);
      if (!found)
        throw new LifeboatError('NotFound', `container ${name} is not valid for pod ${podName(record.pod)}`);
      container = {
        name,
        kind: found.kind,
        spec: found.container,
        mounts: record.mounts[name] ?? [],
        restartCount: 0,
      };
      record.containers.set(name, container);
    }
    return container;
  }

  #running(uid: string, name: string): { record: PodRecord; container: ContainerRecord } {
    const record = this.#pods.get(uid);
    const container = record?.containers.get(name);
    if (!record || record.stopping || !container || container.current?.state !== 'running')
      throw notRunning(name);
    return { record, container };
  }

  #enqueue<T>(record: PodRecord, task: () => Promise<T>): Promise<T> {
    const run = record.queue.then(task, task);
    record.queue = run.catch(() => {});
    return run;
  }

  #sandbox(record: PodRecord, container: ContainerRecord): Promise<Sandbox> {
    if (!container.sandbox) {
      const spec: SandboxSpec = {
        dir: join(record.dir, container.name),
        hostname: podName(record.pod),
        podIP: podIP(record.pod),
        mounts: container.mounts,
      };
      const created = this.#config.factory(spec);
      container.sandbox = created;
      created.catch(() => {
        if (container.sandbox === created) container.sandbox = undefined;
      });
    }
    return container.sandbox;
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
    const view: PathView = this.isolation === 'none' ? hostView : plannedView(container.mounts);
    return (await resolveExecutable(argv[0], env.PATH, view, container.spec.workingDir)) === 'ok';
  }

  async #startInstance(
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
      const sandbox = await this.#sandbox(record, container);
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

  /** SIGTERM, then SIGKILL after `graceMs`; a simulated container just ends (exit 0, as after a clean SIGTERM). */
  async #stopInstance(instance: Instance, graceMs: number): Promise<void> {
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
}
