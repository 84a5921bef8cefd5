import type { KubeObject } from '../registry/types.ts';
import { type PodTemplate, podFromTemplate } from './pod-template.ts';
import { ignoreNotFound } from './runtime/api-errors.ts';
import type { ClusterContext } from './runtime/context.ts';
import { Controller } from './runtime/controller.ts';
import { objectKey, splitKey } from './runtime/informer.ts';
import {
  type Condition,
  controllerOf,
  isControlledBy,
  isPodActive,
  isPodReady,
  metaTime,
  podPhase,
  setCondition,
} from './runtime/objects.ts';

const COMPONENT = 'job-controller';
export const COMPLETION_INDEX = 'batch.kubernetes.io/job-completion-index';

type JobSpec = {
  parallelism?: number;
  completions?: number | null;
  backoffLimit?: number;
  completionMode?: 'NonIndexed' | 'Indexed';
  suspend?: boolean;
  template?: PodTemplate;
  ttlSecondsAfterFinished?: number;
  activeDeadlineSeconds?: number;
};
type JobStatus = { startTime?: string; completionTime?: string; conditions?: Condition[] };

/** The labels that tie a Job's pods to it (the API server also defaults them onto the template and selector). */
export function jobPodLabels(job: KubeObject): Record<string, string> {
  const uid = job.metadata.uid!;
  const name = job.metadata.name!;
  return {
    'batch.kubernetes.io/controller-uid': uid,
    'batch.kubernetes.io/job-name': name,
    'controller-uid': uid,
    'job-name': name,
  };
}

function finished(job: KubeObject): 'Complete' | 'Failed' | undefined {
  const conditions = (job.status as JobStatus | undefined)?.conditions ?? [];
  if (conditions.some((c) => c.type === 'Complete' && c.status === 'True')) return 'Complete';
  if (conditions.some((c) => c.type === 'Failed' && c.status === 'True')) return 'Failed';
  return undefined;
}

/** `0,2-4` from a set of indexes, as `status.completedIndexes` writes it. */
function intervals(indexes: number[]): string {
  const sorted = [...new Set(indexes)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(i === j ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

const indexOf = (p: KubeObject): number => Number(p.metadata.annotations?.[COMPLETION_INDEX] ?? -1);

type Observed = {
  active: KubeObject[];
  succeeded: number;
  failed: number;
  completedIndexes: number[];
  reachedCompletions: boolean;
};

/** What a Job's pods say: active ones, successes (distinct indexes when Indexed), failures. */
function observe(spec: JobSpec, pods: KubeObject[]): Observed {
  const succeededPods = pods.filter((p) => podPhase(p) === 'Succeeded');
  const active = pods.filter(isPodActive);
  const indexed = spec.completionMode === 'Indexed';
  const completedIndexes = indexed ? [...new Set(succeededPods.map(indexOf).filter((i) => i >= 0))] : [];
  const succeeded = indexed ? completedIndexes.length : succeededPods.length;
  const completions = spec.completions ?? null;
  return {
    active,
    succeeded,
    failed: pods.filter((p) => podPhase(p) === 'Failed').length,
    completedIndexes,
    // Without completions (a work queue), the first success with nothing left running completes the Job.
    reachedCompletions:
      completions === null ? succeededPods.length > 0 && active.length === 0 : succeeded >= completions,
  };
}

type Reason = { reason: string; message: string };
type Outcome =
  | { kind: 'run' }
  | {
      kind: 'complete' | 'fail' | 'suspend';
      conditions: string[];
      reason: Reason;
      event?: 'Normal' | 'Warning';
    };

/** The Job's next state, with the real controller's condition types, reasons and messages. */
function decide(spec: JobSpec, seen: Observed, pastDeadline: boolean): Outcome {
  const overdue = pastDeadline && !seen.reachedCompletions;
  if (seen.failed > (spec.backoffLimit ?? 6) || overdue) {
    const reason = overdue
      ? { reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' }
      : { reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' };
    return { kind: 'fail', conditions: ['FailureTarget', 'Failed'], reason, event: 'Warning' };
  }
  if (seen.reachedCompletions) {
    const reason = { reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' };
    return { kind: 'complete', conditions: ['SuccessCriteriaMet', 'Complete'], reason, event: 'Normal' };
  }
  if (spec.suspend) {
    return {
      kind: 'suspend',
      conditions: ['Suspended'],
      reason: { reason: 'JobSuspended', message: 'Job suspended' },
    };
  }
  return { kind: 'run' };
}

/**
 * The Job controller: runs up to `parallelism` pods until `completions` have succeeded (NonIndexed or
 * Indexed, each Indexed pod carrying its completion index), replaces failed pods until `backoffLimit`, then
 * sets SuccessCriteriaMet+Complete or FailureTarget+Failed with the real reasons, startTime/completionTime,
 * active/ready/succeeded/failed counts; honours `suspend` and `ttlSecondsAfterFinished`.
 */
export function startJobController(ctx: ClusterContext): Controller {
  const { api, refs, informers } = ctx;
  const jobs = informers.get(refs.jobs);
  const controller = new Controller(ctx, 'job', (key) => reconcile(key));
  controller.watch(jobs, objectKey);
  controller.watch(informers.get(refs.pods), (pod) => {
    const owner = controllerOf(pod);
    return owner?.kind === 'Job' ? `${pod.metadata.namespace}/${owner.name}` : undefined;
  });
  controller.resync(() => jobs.list().map(objectKey));

  function reconcile(key: string): { requeueAfterMs: number } | undefined {
    const { namespace, name } = splitKey(key);
    const job = ignoreNotFound(() => api.get(refs.jobs, namespace, name));
    if (!job || job.metadata.deletionTimestamp) return undefined;
    const spec = job.spec as JobSpec;
    const status = (job.status ?? {}) as JobStatus;
    const now = ctx.clock.now();
    if (finished(job)) return expire(job, spec, status, now);
    const pods = api.list(refs.pods, { namespace }).items.filter((p) => isControlledBy(p, job));
    const seen = observe(spec, pods);
    const startedAt = status.startTime ? Date.parse(status.startTime) : now.getTime();
    const deadline =
      spec.activeDeadlineSeconds === undefined ? undefined : startedAt + spec.activeDeadlineSeconds * 1000;
    const outcome = decide(spec, seen, deadline !== undefined && now.getTime() >= deadline);
    let conditions = status.conditions;
    let active = seen.active;
    if (outcome.kind === 'run') {
      if (conditions?.some((c) => c.type === 'Suspended' && c.status === 'True')) {
        conditions = setCondition(
          conditions,
          { type: 'Suspended', status: 'False', reason: 'JobResumed', message: 'Job resumed' },
          now,
        );
      }
      active = [...active, ...createMissing(job, spec, seen)];
    } else {
      for (const pod of active) remove(pod);
      active = [];
      for (const type of outcome.conditions)
        conditions = setCondition(conditions, { type, status: 'True', ...outcome.reason }, now);
      if (outcome.event)
        ctx.events.record(
          job,
          outcome.event,
          outcome.reason.reason,
          outcome.event === 'Normal' ? 'Job completed' : outcome.reason.message,
          COMPONENT,
        );
    }
    const next: Record<string, unknown> = {
      startTime: status.startTime ?? (spec.suspend ? undefined : metaTime(now)),
      active: active.length,
      ready: active.filter(isPodReady).length,
      succeeded: seen.succeeded,
      failed: seen.failed,
      terminating: 0,
      uncountedTerminatedPods: {},
      ...(conditions ? { conditions } : {}),
      ...(outcome.kind === 'complete' ? { completionTime: metaTime(now) } : {}),
      ...(spec.completionMode === 'Indexed' ? { completedIndexes: intervals(seen.completedIndexes) } : {}),
    };
    ignoreNotFound(() =>
      api.patch(refs.jobs, namespace, name, 'merge', { status: next }, { subresource: 'status' }),
    );
    // A running Job with a deadline is looked at again when the deadline passes.
    if (deadline !== undefined && active.length > 0) {
      return { requeueAfterMs: Math.max(50, Math.min(deadline - now.getTime(), 60_000)) };
    }
    return undefined;
  }

  /** Creates pods up to parallelism for the completions still missing (each free index, when Indexed). */
  function createMissing(job: KubeObject, spec: JobSpec, seen: Observed): KubeObject[] {
    const completions = spec.completions ?? null;
    const parallelism = spec.parallelism ?? 1;
    const want = Math.min(parallelism, completions === null ? parallelism : completions - seen.succeeded);
    const created: KubeObject[] = [];
    let running = seen.active.length;
    if (spec.completionMode !== 'Indexed') {
      for (; running < want; running++) created.push(createPod(job, undefined));
      return created;
    }
    const busy = new Set([...seen.completedIndexes, ...seen.active.map(indexOf)]);
    for (let index = 0; index < (completions ?? 0) && running < want; index++) {
      if (busy.has(index)) continue;
      created.push(createPod(job, index));
      running++;
    }
    return created;
  }

  function expire(
    job: KubeObject,
    spec: JobSpec,
    status: JobStatus,
    now: Date,
  ): { requeueAfterMs: number } | undefined {
    const ttl = spec.ttlSecondsAfterFinished;
    if (ttl === undefined) return undefined;
    const finishedAt = Date.parse(
      status.completionTime ?? status.conditions?.find((c) => c.type === 'Failed')?.lastTransitionTime ?? '',
    );
    if (Number.isNaN(finishedAt)) return undefined;
    const left = finishedAt + ttl * 1000 - now.getTime();
    if (left > 0) return { requeueAfterMs: Math.min(left, 60_000) };
    ignoreNotFound(() =>
      api.delete(refs.jobs, job.metadata.namespace, job.metadata.name!, {
        propagationPolicy: 'Background',
        preconditions: { uid: job.metadata.uid },
      }),
    );
    return undefined;
  }

  function createPod(job: KubeObject, index: number | undefined): KubeObject {
    const template = (job.spec as JobSpec).template ?? {};
    const labels: Record<string, string> = { ...jobPodLabels(job) };
    const annotations: Record<string, string> = {};
    if (index !== undefined) {
      labels[COMPLETION_INDEX] = String(index);
      annotations[COMPLETION_INDEX] = String(index);
    }
    const pod = podFromTemplate(
      template,
      job,
      { apiVersion: 'batch/v1', kind: 'Job' },
      { generateName: index === undefined ? `${job.metadata.name}-` : `${job.metadata.name}-${index}-` },
      { labels, annotations },
    );
    if (index !== undefined) {
      const spec = pod.spec as { hostname?: string; subdomain?: string };
      if (spec.subdomain) spec.hostname = `${job.metadata.name}-${index}`;
    }
    const created = api.create(refs.pods, job.metadata.namespace, pod);
    ctx.events.record(job, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name}`, COMPONENT);
    return created;
  }

  function remove(pod: KubeObject): void {
    ignoreNotFound(() =>
      api.delete(refs.pods, pod.metadata.namespace, pod.metadata.name!, {
        preconditions: { uid: pod.metadata.uid },
      }),
    );
  }

  return controller;
}
