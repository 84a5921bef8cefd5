import { Cron } from 'croner';
import type { KubeObject } from '../registry/types.ts';
import { ignoreNotFound, isAlreadyExists } from './runtime/api-errors.ts';
import type { ClusterContext } from './runtime/context.ts';
import { Controller } from './runtime/controller.ts';
import { objectKey, splitKey } from './runtime/informer.ts';
import { clone, conditionTrue, controllerRef, isControlledBy, metaTime } from './runtime/objects.ts';

const COMPONENT = 'cronjob-controller';
const SCHEDULED_AT = 'batch.kubernetes.io/cronjob-scheduled-timestamp';

type CronJobSpec = {
  schedule?: string;
  timeZone?: string;
  suspend?: boolean;
  concurrencyPolicy?: 'Allow' | 'Forbid' | 'Replace';
  startingDeadlineSeconds?: number;
  successfulJobsHistoryLimit?: number;
  failedJobsHistoryLimit?: number;
  jobTemplate?: {
    metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
    spec?: Record<string, unknown>;
  };
};

const jobReference = (j: KubeObject): Record<string, unknown> => ({
  kind: 'Job',
  namespace: j.metadata.namespace,
  name: j.metadata.name,
  uid: j.metadata.uid,
  apiVersion: 'batch/v1',
  resourceVersion: j.metadata.resourceVersion,
});

const finished = (job: KubeObject): boolean => conditionTrue(job, 'Complete') || conditionTrue(job, 'Failed');

/**
 * The CronJob controller: at each scheduled time (on the injected clock) creates the Job
 * `<name>-<minutes since epoch>` from the job template, honours suspend, concurrencyPolicy and
 * startingDeadlineSeconds, keeps the configured history of finished Jobs, and reports active,
 * lastScheduleTime and lastSuccessfulTime.
 */
export function startCronJobController(ctx: ClusterContext): Controller {
  const { api, refs, informers } = ctx;
  const cronJobs = informers.get(refs.cronJobs);
  const controller = new Controller(ctx, 'cronjob', (key) => reconcile(key), 2);
  controller.watch(cronJobs, objectKey);
  controller.watch(informers.get(refs.jobs), (job) => {
    const owner = job.metadata.ownerReferences?.find((o) => o.controller && o.kind === 'CronJob');
    return owner ? `${job.metadata.namespace}/${owner.name}` : undefined;
  });
  controller.resync(() => cronJobs.list().map(objectKey), Math.min(ctx.timing.resyncMs, 10_000));

  function reconcile(key: string): { requeueAfterMs: number } | undefined {
    const { namespace, name } = splitKey(key);
    const cj = ignoreNotFound(() => api.get(refs.cronJobs, namespace, name));
    if (!cj || cj.metadata.deletionTimestamp) return undefined;
    const spec = cj.spec as CronJobSpec;
    const status = (cj.status ?? {}) as { lastScheduleTime?: string; lastSuccessfulTime?: string };
    const jobs = api.list(refs.jobs, { namespace }).items.filter((j) => isControlledBy(j, cj));
    const now = ctx.clock.now();
    let cron: Cron;
    try {
      cron = new Cron(spec.schedule ?? '', { paused: true, timezone: spec.timeZone });
    } catch {
      ctx.events.record(
        cj,
        'Warning',
        'UnparseableSchedule',
        `unparseable schedule: "${spec.schedule}"`,
        COMPONENT,
      );
      return undefined;
    }
    // The latest scheduled time that has passed since the last one handled.
    const since = new Date(status.lastScheduleTime ?? cj.metadata.creationTimestamp ?? now.toISOString());
    let due: Date | undefined;
    for (let next = cron.nextRun(since); next && next <= now; next = cron.nextRun(next)) due = next;
    let active = jobs.filter((j) => !finished(j));
    if (due) active = run(cj, due, active, now);
    pruneHistory(jobs, spec);
    const lastSuccess = jobs
      .filter((j) => conditionTrue(j, 'Complete'))
      .map((j) => (j.status as { completionTime?: string } | undefined)?.completionTime)
      .filter((t): t is string => Boolean(t))
      .sort()
      .pop();
    const lastScheduleTime = due ? metaTime(due) : status.lastScheduleTime;
    const lastSuccessfulTime = lastSuccess ?? status.lastSuccessfulTime;
    const next = {
      active: active.length > 0 ? active.map(jobReference) : null,
      ...(lastScheduleTime ? { lastScheduleTime } : {}),
      ...(lastSuccessfulTime ? { lastSuccessfulTime } : {}),
    };
    ignoreNotFound(() =>
      api.patch(refs.cronJobs, namespace, name, 'merge', { status: next }, { subresource: 'status' }),
    );
    const upcoming = cron.nextRun(now);
    return upcoming
      ? { requeueAfterMs: Math.max(100, Math.min(upcoming.getTime() - now.getTime(), 60_000)) }
      : undefined;
  }

  /**
   * Starts the run scheduled at `due` unless suspended, past startingDeadlineSeconds or forbidden by the
   * concurrency policy (a skipped run still counts as scheduled). Returns the active Jobs afterwards.
   */
  function run(cj: KubeObject, due: Date, active: KubeObject[], now: Date): KubeObject[] {
    const spec = cj.spec as CronJobSpec;
    const namespace = cj.metadata.namespace!;
    const late =
      spec.startingDeadlineSeconds !== undefined &&
      now.getTime() - due.getTime() > spec.startingDeadlineSeconds * 1000;
    const policy = spec.concurrencyPolicy ?? 'Allow';
    if (spec.suspend || late || (policy === 'Forbid' && active.length > 0)) return active;
    if (policy === 'Replace') {
      for (const job of active) {
        ignoreNotFound(() =>
          api.delete(refs.jobs, namespace, job.metadata.name!, { propagationPolicy: 'Background' }),
        );
      }
      active = [];
    }
    const jobName = `${cj.metadata.name}-${Math.floor(due.getTime() / 60_000)}`;
    try {
      const job = api.create(refs.jobs, namespace, {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: {
          name: jobName,
          namespace,
          labels: spec.jobTemplate?.metadata?.labels,
          annotations: { ...(spec.jobTemplate?.metadata?.annotations ?? {}), [SCHEDULED_AT]: metaTime(due) },
          ownerReferences: [controllerRef(cj, 'batch/v1', 'CronJob')],
        },
        spec: clone(spec.jobTemplate?.spec ?? {}),
      });
      ctx.events.record(cj, 'Normal', 'SuccessfulCreate', `Created job ${jobName}`, COMPONENT);
      return [...active, job];
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      return active;
    }
  }

  /** Keeps the newest successfulJobsHistoryLimit (3) and failedJobsHistoryLimit (1) finished Jobs. */
  function pruneHistory(jobs: KubeObject[], spec: CronJobSpec): void {
    const byAge = (a: KubeObject, b: KubeObject): number =>
      (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '');
    for (const [condition, limit] of [
      ['Complete', spec.successfulJobsHistoryLimit ?? 3],
      ['Failed', spec.failedJobsHistoryLimit ?? 1],
    ] as const) {
      const old = jobs.filter((j) => conditionTrue(j, condition)).sort(byAge);
      for (const job of old.slice(0, Math.max(0, old.length - limit))) {
        ignoreNotFound(() =>
          api.delete(refs.jobs, job.metadata.namespace, job.metadata.name!, {
            propagationPolicy: 'Background',
          }),
        );
      }
    }
  }

  return controller;
}
