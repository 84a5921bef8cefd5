import { formatIssue, LABELS, type Schedule, validateResource } from '../api/index.ts';
import { type CronSchedule, dueFiring, parseCronSchedule } from '../core/cron/index.ts';
import { isLifeboatError } from '../core/errors.ts';
import type { KubeObject } from '../kube/types.ts';
import {
  type ControllerContext,
  patchStatus,
  type ReconcileResult,
  type Reconciler,
  timestamp,
} from './context.ts';
import { LIFEBOAT_RESOURCES, lifeboatResource } from './resources.ts';
import {
  backupPhase,
  FINISHED_BACKUP_PHASES,
  listScheduleBackups,
  scheduledBackupName,
} from './schedule-backups.ts';

/** The Schedule resource (not in LIFEBOAT_RESOURCES, which the shared resources file lists). */
export const SCHEDULES = lifeboatResource('Schedule');

/** The schedule metrics this controller feeds; the server's `ServerMetrics` implements it. */
export interface ScheduleMetrics {
  /** `lifeboat_schedule_expected_interval_seconds`; undefined removes the schedule's series. */
  scheduleInterval(schedule: string, seconds: number | undefined): void;
}

export interface ScheduleReconcilerOptions {
  metrics?: ScheduleMetrics;
  /** The server-wide default of `skipImmediately` for schedules that do not set it (Velero's flag). */
  skipImmediately?: boolean;
  /** Longest wait before a schedule is looked at again, so a clock jump is noticed (default 5 min). */
  maxRequeueMs?: number;
  /**
   * How long to wait before checking again while a previous backup still runs (default: 1 min, or the
   * schedule's interval when shorter, so an `@every 10s` schedule resumes as soon as its backup ends).
   */
  busyRequeueMs?: number;
}

/**
 * The Schedule controller, after Velero's (reference velero.md §8.1). A schedule that fails validation
 * (schema, cron expression, time zone) gets phase FailedValidation with its `validationErrors`; a valid one
 * is Enabled. While not paused it creates a Backup `<schedule>-<yyyyMMddHHmmss>` from the template when a
 * firing is due: never at creation (the first firing after it), once for any number of firings missed
 * while the server was down, and not while an earlier backup of the schedule is unfinished (as in Velero;
 * the firings missed meanwhile make one backup once it has finished). `skipImmediately` records
 * `lastSkipped` and resets itself. Each reconcile asks to be run again at the next firing.
 */
export class ScheduleReconciler implements Reconciler {
  readonly name = 'schedule';
  readonly resource = SCHEDULES;
  readonly #ctx: ControllerContext;
  readonly #o: ScheduleReconcilerOptions;

  constructor(ctx: ControllerContext, options: ScheduleReconcilerOptions = {}) {
    this.#ctx = ctx;
    this.#o = options;
  }

  async reconcile(name: string): Promise<ReconcileResult | undefined> {
    const ctx = this.#ctx;
    const log = ctx.logger.child({ controller: this.name, schedule: name });
    const object = await ctx.client.get(SCHEDULES, ctx.namespace, name);
    if (!object || object.metadata?.deletionTimestamp) {
      this.#o.metrics?.scheduleInterval(name, undefined);
      return undefined;
    }
    const parsed = validateResource('Schedule', object);
    const problems = parsed.ok ? [] : parsed.issues.map(formatIssue);
    let cron: CronSchedule | undefined;
    if (parsed.ok) {
      try {
        cron = parseCronSchedule(parsed.value.spec.schedule, parsed.value.spec.timezone);
      } catch (err) {
        if (!isLifeboatError(err, 'Invalid')) throw err;
        problems.push(err.message);
      }
    }
    const status = (object.status ?? {}) as { phase?: string; validationErrors?: string[] };
    if (!parsed.ok || !cron) {
      if (status.phase !== 'FailedValidation' || !sameList(status.validationErrors, problems)) {
        await patchStatus(ctx, SCHEDULES, name, { phase: 'FailedValidation', validationErrors: problems });
        ctx.events.record(object, 'Warning', 'FailedValidation', problems.join('; '));
        log.warn({ problems }, 'schedule failed validation');
      }
      this.#o.metrics?.scheduleInterval(name, undefined);
      return undefined;
    }
    const schedule = parsed.value;
    if (status.phase !== 'Enabled') {
      await patchStatus(ctx, SCHEDULES, name, { phase: 'Enabled', validationErrors: null });
      log.info({ schedule: schedule.spec.schedule, timezone: cron.timezone }, 'schedule enabled');
    }
    const now = ctx.clock.now();
    const interval = cron.expectedIntervalMs(now);
    this.#o.metrics?.scheduleInterval(name, interval === undefined ? undefined : interval / 1000);
    if (schedule.spec.paused) return undefined;

    if (schedule.spec.skipImmediately ?? this.#o.skipImmediately) {
      await patchStatus(ctx, SCHEDULES, name, { lastSkipped: timestamp(now) });
      // Reset even when the server default asked for the skip: it applies once, as in Velero.
      await ctx.client.patch(SCHEDULES, ctx.namespace, name, 'merge', { spec: { skipImmediately: false } });
      log.info('skipped the immediate run (skipImmediately)');
      return this.#requeueAt(cron.next(now), now);
    }

    const since = latest(
      schedule.status?.lastBackup,
      schedule.status?.lastSkipped,
      schedule.metadata.creationTimestamp,
    );
    const { due, next } = dueFiring(cron, since, now);
    if (!due) return this.#requeueAt(next, now);

    const running = (await listScheduleBackups(ctx, name)).filter(
      (b) => !FINISHED_BACKUP_PHASES.has(backupPhase(b)) && backupPhase(b) !== 'Deleting',
    );
    if (running.length > 0) {
      log.info(
        { running: running.map((b) => b.metadata?.name) },
        'a backup of this schedule is still running; not starting another',
      );
      return {
        requeueAfterMs: this.#o.busyRequeueMs ?? Math.max(1000, Math.min(60_000, interval ?? 60_000)),
      };
    }

    const backupName = scheduledBackupName(name, now);
    try {
      await ctx.client.create(
        LIFEBOAT_RESOURCES.Backup,
        backupFor(schedule, object, backupName, ctx.namespace),
      );
    } catch (err) {
      // Created by an earlier reconcile that failed before recording lastBackup: the run happened.
      if (!isLifeboatError(err, 'AlreadyExists')) throw err;
    }
    await patchStatus(ctx, SCHEDULES, name, { lastBackup: timestamp(now) });
    ctx.events.record(object, 'Normal', 'BackupCreated', `created backup ${backupName}`);
    log.info({ backup: backupName, firing: due.toISOString() }, 'scheduled backup created');
    return this.#requeueAt(cron.next(now), now);
  }

  #requeueAt(next: Date | undefined, now: Date): ReconcileResult | undefined {
    if (!next) return undefined;
    const wait = Math.max(1000, next.getTime() - now.getTime());
    return { requeueAfterMs: Math.min(wait, this.#o.maxRequeueMs ?? 300_000) };
  }
}

/**
 * The Backup a schedule creates: its template as the spec (plus the schedule's copyTo), labels from the
 * template's metadata (else the schedule's) with `lifeboat.io/schedule-name`, the schedule's annotations,
 * and the schedule as controlling owner when `useOwnerReferencesInBackup`.
 */
export function backupFor(
  schedule: Schedule,
  object: KubeObject,
  name: string,
  namespace: string,
): KubeObject {
  const { metadata: templateMetadata, ...template } = schedule.spec.template;
  const labels = {
    ...(templateMetadata?.labels ?? schedule.metadata.labels ?? {}),
    [LABELS.scheduleName]: object.metadata?.name ?? '',
  };
  const annotations = Object.fromEntries(
    Object.entries(schedule.metadata.annotations ?? {}).filter(
      ([k]) => k !== 'kubectl.kubernetes.io/last-applied-configuration',
    ),
  );
  const copyTo = [...new Set([...(template.copyTo ?? []), ...(schedule.spec.copyTo ?? [])])];
  return {
    apiVersion: 'lifeboat.io/v1',
    kind: 'Backup',
    metadata: {
      name,
      namespace,
      labels,
      ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
      ...(schedule.spec.useOwnerReferencesInBackup && object.metadata?.uid
        ? {
            ownerReferences: [
              {
                apiVersion: 'lifeboat.io/v1',
                kind: 'Schedule',
                name: object.metadata.name ?? '',
                uid: object.metadata.uid,
                controller: true,
              },
            ],
          }
        : {}),
    },
    spec: { ...template, ...(copyTo.length > 0 ? { copyTo } : {}) },
  };
}

function latest(...stamps: (string | null | undefined)[]): Date {
  let best = 0;
  for (const s of stamps) if (s) best = Math.max(best, new Date(s).getTime());
  return new Date(best);
}

function sameList(a: string[] | undefined, b: string[]): boolean {
  return (a ?? []).length === b.length && b.every((x, i) => a?.[i] === x);
}
