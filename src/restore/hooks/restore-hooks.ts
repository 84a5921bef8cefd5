import type { Restore } from '../../api/resources/restore.ts';
import type { Clock } from '../../core/clock.ts';
import { errorMessage, isLifeboatError } from '../../core/errors.ts';
import type { ResultsCollector } from '../../core/results.ts';
import type { ExecResult, PodExec } from '../../kube/exec.ts';
import { clip, containerNames, containerState, podPhase } from '../../kube/exec-pod.ts';
import type { ApiResourceInfo, DynamicClient, KubeObject, ResourceCatalog } from '../../kube/types.ts';
import type { RestoreLog } from '../restore-log.ts';
import { type ResolvedRestoreExecHook, resolveRestoreExecHooks } from './resolve.ts';

/** Where hook lines go: pino's argument order (fields, message). `restoreLogSink` adapts a RestoreLog. */
export interface HookLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface RestoreHooksDeps {
  restore: Restore;
  exec: PodExec;
  client: DynamicClient;
  catalog: ResourceCatalog;
  logger: HookLogger;
  results: ResultsCollector;
  clock: Clock;
  /** Aborting stops waiting and running; hooks not run count as failed. */
  signal?: AbortSignal;
  /** How often a pod is read while waiting for its container (default 250 ms, growing to 2 s). */
  pollIntervalMs?: number;
  /**
   * The wait of hooks that set no `waitTimeout` (the server's restore timeout, say); unset: they wait until the
   * container runs, the pod goes, or `signal` aborts, as the schema documents.
   */
  defaultWaitTimeoutMs?: number;
}

/** Counts for the Restore's `status.hookStatus`. */
export interface HookSummary {
  hooksAttempted: number;
  hooksFailed: number;
}

export const RESULT_OUTPUT_CHARS = 1024;
export const LOG_OUTPUT_CHARS = 8192;
const MAX_POLL_MS = 2000;

/**
 * Post-restore exec hooks. `afterPodCreated` starts, in the background, the pod's hooks (annotations, else
 * matching spec entries): each waits until its container is Running (Ready with `waitForReady`) within its
 * `waitTimeout`, then runs with its `execTimeout` (30 s by default). Hooks of one pod run one after another;
 * pods run independently. A failed hook (exit code, timeout, wait timeout, the pod gone or finished) is
 * counted; with `onError: Fail` the pod's remaining hooks are not run and an error naming the pod, the hook
 * and its stderr is filed (the restore ends PartiallyFailed); with `Continue` (the default) a warning is filed.
 * Hook output goes to the log. `finished` waits for every pod's hooks and returns the counts.
 */
export class RestoreHooks {
  readonly #deps: RestoreHooksDeps;
  readonly #running: Promise<void>[] = [];
  readonly #pods: ApiResourceInfo | undefined;
  #attempted = 0;
  #failed = 0;

  constructor(deps: RestoreHooksDeps) {
    this.#deps = deps;
    this.#pods = deps.catalog.resolve('pods');
  }

  /** Starts the pod's exec hooks in the background; returns at once. */
  afterPodCreated(pod: KubeObject): void {
    const resolved = resolveRestoreExecHooks(pod, this.#deps.restore);
    const problems = resolved.problems;
    const fallback = this.#deps.defaultWaitTimeoutMs;
    const hooks = resolved.hooks.map((h) =>
      h.waitTimeoutMs === undefined && fallback ? { ...h, waitTimeoutMs: fallback } : h,
    );
    const namespace = pod.metadata?.namespace ?? '';
    const name = pod.metadata?.name ?? '';
    for (const problem of problems) {
      this.#deps.results.itemWarning(namespace, `pod ${namespace}/${name}: ${problem}`);
      this.#deps.logger.warn({ namespace, pod: name }, problem);
    }
    if (hooks.length === 0) return;
    this.#deps.logger.info({ namespace, pod: name, hooks: hooks.length }, 'post-restore hooks scheduled');
    this.#running.push(
      this.#runPod(pod, hooks).catch((err: unknown) => {
        // #runPod files its own failures; anything reaching here is a bug, still not a reason to hang the restore.
        this.#deps.logger.error(
          { namespace, pod: name, err: errorMessage(err) },
          'post-restore hooks crashed',
        );
      }),
    );
  }

  /** Resolves once every started hook has finished (or failed), with the counts so far. */
  async finished(): Promise<HookSummary> {
    // Pods may be added while waiting (a restore still creating pods): wait until the list stops growing.
    let seen = -1;
    while (seen !== this.#running.length) {
      seen = this.#running.length;
      await Promise.all(this.#running);
    }
    return { hooksAttempted: this.#attempted, hooksFailed: this.#failed };
  }

  async #runPod(pod: KubeObject, hooks: ResolvedRestoreExecHook[]): Promise<void> {
    const { logger, results, clock } = this.#deps;
    const namespace = pod.metadata?.namespace ?? '';
    const name = pod.metadata?.name ?? '';
    const start = clock.now().getTime();
    let current = pod;
    for (let i = 0; i < hooks.length; i++) {
      const hook = hooks[i];
      this.#attempted++;
      const outcome = await this.#runOne(current, hook, start);
      current = outcome.pod ?? current;
      if (outcome.failure === undefined) continue;
      this.#failed++;
      const what = `pod ${namespace}/${name}: post-restore hook "${hook.name}" ${outcome.failure}`;
      if (hook.onError === 'Fail') {
        results.itemError(namespace, what);
        const skipped = hooks.length - i - 1;
        logger.error(
          { namespace, pod: name, hook: hook.name, skipped },
          `${what}; remaining hooks of the pod not run`,
        );
        return;
      }
      results.itemWarning(namespace, what);
      logger.warn({ namespace, pod: name, hook: hook.name }, `${what}; continuing (onError: Continue)`);
    }
  }

  async #runOne(
    pod: KubeObject,
    hook: ResolvedRestoreExecHook,
    start: number,
  ): Promise<{ failure?: string; pod?: KubeObject }> {
    const { exec, logger, clock, signal } = this.#deps;
    const namespace = pod.metadata?.namespace ?? '';
    const name = pod.metadata?.name ?? '';
    const containers = containerNames(pod);
    const container = hook.container ?? containers[0];
    if (!container || !containers.includes(container))
      return { failure: `failed: the pod has no container "${container ?? ''}"` };
    const waited = await this.#waitFor(pod, container, hook, start);
    if ('failure' in waited) return waited;
    const fields = { namespace, pod: name, hook: hook.name, source: hook.source, container };
    logger.info(
      { ...fields, command: hook.command, timeoutMs: hook.execTimeoutMs },
      'running post-restore hook',
    );
    const began = clock.now().getTime();
    let result: ExecResult;
    try {
      result = await exec.exec({
        namespace,
        pod: name,
        container,
        command: hook.command,
        timeoutMs: hook.execTimeoutMs,
        signal,
      });
    } catch (err) {
      const reason = isLifeboatError(err, 'Canceled') ? 'canceled: the restore stopped' : errorMessage(err);
      return { failure: `failed in container "${container}": ${reason}`, pod: waited.pod };
    }
    logger.info(
      {
        ...fields,
        exitCode: result.exitCode,
        timedOut: result.timedOut,
        durationMs: clock.now().getTime() - began,
        stdout: clip(result.stdout, LOG_OUTPUT_CHARS),
        stderr: clip(result.stderr, LOG_OUTPUT_CHARS),
      },
      'post-restore hook finished',
    );
    if (result.timedOut)
      return {
        failure: `timed out after ${hook.execTimeoutMs} ms in container "${container}"${stderrPart(result)}`,
        pod: waited.pod,
      };
    if (result.exitCode !== 0)
      return {
        failure: `failed in container "${container}" with exit code ${result.exitCode}${stderrPart(result)}`,
        pod: waited.pod,
      };
    return { pod: waited.pod };
  }

  /** Polls the pod until the container runs (or is ready); a failure when the wait cannot succeed. */
  async #waitFor(
    pod: KubeObject,
    container: string,
    hook: ResolvedRestoreExecHook,
    start: number,
  ): Promise<{ pod: KubeObject } | { failure: string }> {
    const { client, clock, signal } = this.#deps;
    const namespace = pod.metadata?.namespace ?? '';
    const name = pod.metadata?.name ?? '';
    let interval = this.#deps.pollIntervalMs ?? 250;
    let current: KubeObject | undefined = pod;
    for (;;) {
      const now = podVerdict(current, container, hook.waitForReady);
      if (now !== undefined) return now;
      if (signal?.aborted) return { failure: 'not run: the restore stopped' };
      const elapsed = clock.now().getTime() - start;
      if (hook.waitTimeoutMs !== undefined && elapsed >= hook.waitTimeoutMs)
        return {
          failure: `not run: container "${container}" was not ${hook.waitForReady ? 'ready' : 'running'} within the wait timeout of ${hook.waitTimeoutMs} ms`,
        };
      const pause =
        hook.waitTimeoutMs === undefined
          ? interval
          : Math.max(1, Math.min(interval, hook.waitTimeoutMs - elapsed));
      try {
        await clock.sleep(pause, signal);
      } catch {
        return { failure: 'not run: the restore stopped' };
      }
      interval = Math.min(interval * 2, MAX_POLL_MS);
      if (!this.#pods) return { failure: 'not run: the cluster does not serve pods' };
      try {
        current = await client.get(this.#pods, namespace, name);
      } catch (err) {
        // A failed read is not the pod's fault: keep waiting on the last state we saw.
        this.#deps.logger.warn(
          { namespace, pod: name, err: errorMessage(err) },
          'cannot read pod while waiting for hook',
        );
      }
    }
  }
}

/** Whether waiting is over: the pod to run in, a failure, or undefined to keep waiting. */
function podVerdict(
  pod: KubeObject | undefined,
  container: string,
  waitForReady: boolean,
): { pod: KubeObject } | { failure: string } | undefined {
  const wanted = waitForReady ? 'ready' : 'running';
  if (!pod) return { failure: `not run: the pod was deleted before container "${container}" was ${wanted}` };
  const state = containerState(pod, container);
  if (waitForReady ? state.ready && state.running : state.running) return { pod };
  const phase = podPhase(pod);
  if (phase === 'Succeeded' || phase === 'Failed')
    return {
      failure: `not run: the pod ended (phase ${phase}) before container "${container}" was ${wanted}`,
    };
  return undefined;
}

function stderrPart(result: ExecResult): string {
  const text = result.stderr.trim();
  return text === '' ? '' : `; stderr: ${clip(text, RESULT_OUTPUT_CHARS)}`;
}

/** A RestoreLog as a hook logger: structured values that are not scalars are written as JSON text. */
export function restoreLogSink(log: RestoreLog): HookLogger {
  const flat = (fields: object): Record<string, string | number | boolean | undefined> => {
    const out: Record<string, string | number | boolean | undefined> = {};
    for (const [k, v] of Object.entries(fields))
      out[k] =
        v === undefined || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean'
          ? v
          : JSON.stringify(v);
    return out;
  };
  return {
    info: (fields, message) => log.info(message, flat(fields)),
    warn: (fields, message) => log.warn(message, flat(fields)),
    error: (fields, message) => log.error(message, flat(fields)),
  };
}
