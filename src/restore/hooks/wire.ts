import type { Restore } from '../../api/resources/restore.ts';
import type { Clock } from '../../core/clock.ts';
import type { ResultsCollector } from '../../core/results.ts';
import type { PodExec } from '../../kube/exec.ts';
import type { DynamicClient, ResourceCatalog } from '../../kube/types.ts';
import { addInitContainerHooks } from './init-containers.ts';
import { type HookLogger, RestoreHooks } from './restore-hooks.ts';

export interface RestoreHookServiceDeps {
  exec: PodExec;
  client: DynamicClient;
  catalog: ResourceCatalog;
  clock: Clock;
  /** The restore's abort signal: waiting and running hooks stop with it. */
  signal?: AbortSignal;
  /** For hooks that set no `waitTimeout` (the server's pod-volume or restore timeout, say). */
  defaultWaitTimeoutMs?: number;
}

/**
 * The hook part of the restore engine's `volumes` dep (`RestoreDeps.volumes`): spread it beside the volume
 * session, `volumes: { ...restoreVolumeServices(run, options), ...restoreHookServices({ exec, … }) }`.
 * `initContainerHooks` is pure; `hooks` makes one `RestoreHooks` per restore, writing to that restore's log
 * and results.
 */
export function restoreHookServices(deps: RestoreHookServiceDeps): {
  initContainerHooks: (
    pod: Parameters<typeof addInitContainerHooks>[0],
    restore: Restore,
  ) => ReturnType<typeof addInitContainerHooks>;
  hooks: (run: { restore: Restore; results: ResultsCollector; log: HookLogger }) => RestoreHooks;
} {
  return {
    initContainerHooks: addInitContainerHooks,
    hooks: (run) =>
      new RestoreHooks({
        restore: run.restore,
        exec: deps.exec,
        client: deps.client,
        catalog: deps.catalog,
        clock: deps.clock,
        logger: run.log,
        results: run.results,
        ...(deps.signal ? { signal: deps.signal } : {}),
        ...(deps.defaultWaitTimeoutMs ? { defaultWaitTimeoutMs: deps.defaultWaitTimeoutMs } : {}),
      }),
  };
}
