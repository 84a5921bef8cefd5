import type { Backup, HookStatus } from '../../api/resources/backup.ts';
import type { Clock } from '../../core/clock.ts';
import { errorMessage, isLifeboatError } from '../../core/errors.ts';
import type { ResultsCollector } from '../../core/results.ts';
import type { ExecResult, PodExec } from '../../kube/exec.ts';
import { clip, containerNames, containerState, podPhase } from '../../kube/exec-pod.ts';
import type { KubeObject } from '../../kube/types.ts';
import { type BackupHookPhase, type ResolvedBackupHook, resolveBackupHooks } from './resolve.ts';

/**
 * Where hook lines go: the backup's own log (`BackupLog`) or any pino logger; both have this shape.
 * Hook output is written here (clipped), so it reaches `<backup>-logs.gz`.
 */
export interface HookLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface BackupHooksDeps {
  backup: Backup;
  exec: PodExec;
  logger: HookLogger;
  results: ResultsCollector;
  clock: Clock;
  /** Aborting stops a running hook (its exec rejects with Canceled, which `pre`/`post` pass on). */
  signal?: AbortSignal;
}

/** Characters of a hook's stderr quoted in the backup's results. */
export const RESULT_OUTPUT_CHARS = 1024;
/** Characters of each output stream written to the backup log. */
export const LOG_OUTPUT_CHARS = 8192;

/**
 * Runs a backup's exec hooks in pods: `pre` before a pod (and its volumes) is backed up, `post` after. Hooks
 * come from the pod's annotations or, when it has none for the phase, from every matching entry of
 * `spec.hooks.resources`, and run one after another. Only running pods get hooks; others are skipped with a
 * log line.
 *
 * A failed hook (non-zero exit, timeout, container missing or not running, exec refused) is a log error line;
 * with `onError: Fail` (the default) the pod's remaining hooks are not run, an error naming the pod, the hook
 * and its stderr is filed under the pod's namespace (so the backup ends PartiallyFailed), and `pre` answers
 * `proceed: false`: the caller leaves that pod's volumes out, and its post hooks are not run. With `Continue`
 * a warning is filed and the next hook runs. Safe to call for many pods at once.
 */
export class BackupHooks {
  readonly #deps: BackupHooksDeps;
  readonly #stopped = new Set<string>();
  /** Each pod's pre hooks run once: the engine runs them before the pod is written, the volume session asks again. */
  readonly #pre = new Map<string, Promise<{ proceed: boolean }>>();
  #attempted = 0;
  #failed = 0;

  constructor(deps: BackupHooksDeps) {
    this.#deps = deps;
  }

  /** Runs the pod's pre hooks; `proceed: false` when a `Fail` hook failed. */
  pre(pod: KubeObject): Promise<{ proceed: boolean }> {
    const key = podKey(pod);
    let outcome = this.#pre.get(key);
    if (!outcome) {
      outcome = this.#run(pod, 'pre').then((proceed) => {
        if (!proceed) this.#stopped.add(key);
        return { proceed };
      });
      this.#pre.set(key, outcome);
    }
    return outcome;
  }

  /** Runs the pod's post hooks, unless its pre hooks stopped it. */
  async post(pod: KubeObject): Promise<void> {
    if (this.#stopped.has(podKey(pod))) {
      this.#deps.logger.info(
        { namespace: pod.metadata?.namespace, pod: pod.metadata?.name },
        'post hooks not run: a pre hook of this pod failed',
      );
      return;
    }
    await this.#run(pod, 'post');
  }

  /** Hooks run so far and how many of them failed: the Backup's `status.hookStatus`. */
  status(): Required<HookStatus> {
    return { hooksAttempted: this.#attempted, hooksFailed: this.#failed };
  }

  async #run(pod: KubeObject, phase: BackupHookPhase): Promise<boolean> {
    const { logger, results, backup } = this.#deps;
    const namespace = pod.metadata?.namespace ?? '';
    const name = pod.metadata?.name ?? '';
    const { hooks, problems } = resolveBackupHooks(pod, phase, backup.spec?.hooks);
    for (const problem of problems) {
      results.itemWarning(namespace, `pod ${namespace}/${name}: ${problem}`);
      logger.warn({ namespace, pod: name, phase }, problem);
    }
    if (hooks.length === 0) return true;
    const podState = podPhase(pod);
    if (podState !== 'Running') {
      logger.info(
        { namespace, pod: name, phase, podPhase: podState ?? 'unknown', hooks: hooks.length },
        `${phase} hooks skipped: the pod is not running`,
      );
      return true;
    }
    for (const hook of hooks) {
      const failure = await this.#runOne(pod, phase, hook);
      if (failure === undefined) continue;
      const what = `pod ${namespace}/${name}: ${phase} hook "${hook.name}" ${failure}`;
      if (hook.onError === 'Fail') {
        results.itemError(namespace, what);
        logger.error(
          { namespace, pod: name, phase, hook: hook.name },
          `${what}; remaining hooks of the pod not run`,
        );
        return false;
      }
      results.itemWarning(namespace, what);
      logger.warn(
        { namespace, pod: name, phase, hook: hook.name },
        `${what}; continuing (onError: Continue)`,
      );
    }
    return true;
  }

  /** Runs one hook; undefined when it succeeded, else what went wrong (with clipped stderr). */
  async #runOne(
    pod: KubeObject,
    phase: BackupHookPhase,
    hook: ResolvedBackupHook,
  ): Promise<string | undefined> {
    const { exec, logger, clock, signal } = this.#deps;
    const namespace = pod.metadata?.namespace ?? '';
    const name = pod.metadata?.name ?? '';
    this.#attempted++;
    const containers = containerNames(pod);
    const container = hook.container ?? containers[0];
    const fields = { namespace, pod: name, phase, hook: hook.name, source: hook.source, container };
    let problem: string | undefined;
    if (!container || !containers.includes(container))
      problem = `failed: the pod has no container "${container ?? ''}"`;
    else if (!containerState(pod, container).running)
      problem = `failed: container "${container}" is not running`;
    if (problem !== undefined) {
      this.#failed++;
      return problem;
    }
    logger.info({ ...fields, command: hook.command, timeoutMs: hook.timeoutMs }, `running ${phase} hook`);
    const started = clock.now().getTime();
    let result: ExecResult;
    try {
      result = await exec.exec({
        namespace,
        pod: name,
        container: container!,
        command: hook.command,
        timeoutMs: hook.timeoutMs,
        signal,
      });
    } catch (err) {
      if (isLifeboatError(err, 'Canceled')) throw err;
      this.#failed++;
      return `failed in container "${container}": ${errorMessage(err)}`;
    }
    const durationMs = clock.now().getTime() - started;
    logger.info(
      {
        ...fields,
        exitCode: result.exitCode,
        timedOut: result.timedOut,
        durationMs,
        stdout: clip(result.stdout, LOG_OUTPUT_CHARS),
        stderr: clip(result.stderr, LOG_OUTPUT_CHARS),
      },
      `${phase} hook finished`,
    );
    if (result.timedOut) {
      this.#failed++;
      return `timed out after ${hook.timeoutMs} ms in container "${container}"${stderrPart(result)}`;
    }
    if (result.exitCode !== 0) {
      this.#failed++;
      return `failed in container "${container}" with exit code ${result.exitCode}${stderrPart(result)}`;
    }
    return undefined;
  }
}

function stderrPart(result: ExecResult): string {
  const text = result.stderr.trim();
  return text === '' ? '' : `; stderr: ${clip(text, RESULT_OUTPUT_CHARS)}`;
}

function podKey(pod: KubeObject): string {
  return `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
}
