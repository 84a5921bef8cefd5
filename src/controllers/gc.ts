import { LABELS, validateResource } from '../api/index.ts';
import { parseCronSchedule } from '../core/cron/index.ts';
import { type KeepRules, selectRetained } from '../core/retention/index.ts';
import type { KubeObject } from '../kube/types.ts';
import { labelValue } from '../restore/restore-labels.ts';
import type { ControllerContext, ReconcileResult, Reconciler } from './context.ts';
import { LIFEBOAT_RESOURCES } from './resources.ts';
import { SCHEDULES } from './schedule.ts';
import {
  backupPhase,
  FINISHED_BACKUP_PHASES,
  listScheduleBackups,
  SUCCESSFUL_BACKUP_PHASES,
  takenAt,
} from './schedule-backups.ts';

/** Why garbage collection asked for a backup's deletion. */
export type CollectReason = 'expired' | 'retention';

/** The counts GC feeds; the server's `ServerMetrics` implements it. */
export interface GcMetrics {
  /** A DeleteBackupRequest was created for a backup (`lifeboat_gc_deletions_total`). */
  gcCollected(reason: CollectReason, schedule: string | undefined): void;
  /** A due backup was left alone: `BSLReadOnly`, `BSLNotFound`, `BSLUnavailable` (`lifeboat_gc_skipped_total`). */
  gcSkipped(reason: string): void;
}

export interface GarbageCollectionOptions {
  /** How often every backup is looked at again (default 1 h, Velero's `--garbage-collection-frequency`). */
  frequencyMs?: number;
  metrics?: GcMetrics;
}

/**
 * Garbage collection (reference velero.md §8.2), one Backup at a time, each looked at again every
 * `frequencyMs` (and as soon as its expiration comes, when sooner). A finished backup is due when its
 * schedule has `keep` rules and they no longer select it (the rules replace its TTL then), or otherwise when
 * `status.expiration` has passed. A due backup gets a DeleteBackupRequest (the deletion controller does the
 * rest) unless one is already pending, it is on legal hold (`lifeboat.io/retain=true`: never), or its
 * location is missing or ReadOnly (labelled `lifeboat.io/gc-failure` = BSLNotFound / BSLReadOnly and left
 * alone) or Unavailable (tried again later). Each request is logged, recorded as an event and counted.
 */
export class GarbageCollectionReconciler implements Reconciler {
  readonly name = 'gc';
  readonly resource = LIFEBOAT_RESOURCES.Backup;
  readonly #ctx: ControllerContext;
  readonly #frequencyMs: number;
  readonly #metrics: GcMetrics | undefined;

  constructor(ctx: ControllerContext, options: GarbageCollectionOptions = {}) {
    this.#ctx = ctx;
    this.#frequencyMs = options.frequencyMs ?? 3_600_000;
    this.#metrics = options.metrics;
  }

  async reconcile(name: string): Promise<ReconcileResult | undefined> {
    const ctx = this.#ctx;
    const later = { requeueAfterMs: this.#frequencyMs };
    const backup = await ctx.client.get(this.resource, ctx.namespace, name);
    if (!backup || backup.metadata?.deletionTimestamp) return undefined;
    if (!FINISHED_BACKUP_PHASES.has(backupPhase(backup))) return later;
    if (backup.metadata?.labels?.[LABELS.retain] === 'true') return later;

    const verdict = await this.#verdict(backup);
    // The newest backup of a schedule judges its siblings at once, so retention acts when a run finishes
    // rather than at each sibling's next pass; the others judge only themselves (no N² at start-up).
    for (const sibling of verdict.siblingsDue ?? []) await this.#collect(sibling, 'retention');
    if (verdict.reason !== undefined) {
      await this.#collect(backup, verdict.reason);
      return later;
    }
    const wait = verdict.expiresInMs;
    return { requeueAfterMs: wait === undefined ? this.#frequencyMs : Math.min(this.#frequencyMs, wait) };
  }

  /** Requests the deletion of a due backup, unless its location forbids it or a request is pending. */
  async #collect(backup: KubeObject, reason: CollectReason): Promise<void> {
    const ctx = this.#ctx;
    const name = backup.metadata?.name ?? '';
    const log = ctx.logger.child({ controller: this.name, backup: name });
    const locationName = String((backup.spec as { storageLocation?: unknown })?.storageLocation ?? '');
    const location = locationName ? await ctx.locations.get(locationName) : undefined;
    const failure = !location
      ? 'BSLNotFound'
      : location.spec.accessMode === 'ReadOnly'
        ? 'BSLReadOnly'
        : undefined;
    if (failure) {
      if (backup.metadata?.labels?.[LABELS.gcFailure] !== failure) await this.#label(name, failure);
      log.info({ location: locationName, failure }, 'backup due for deletion but its location forbids it');
      this.#metrics?.gcSkipped(failure);
      return;
    }
    if (location?.status?.phase === 'Unavailable') {
      this.#metrics?.gcSkipped('BSLUnavailable');
      return;
    }
    if (backup.metadata?.labels?.[LABELS.gcFailure] !== undefined) await this.#label(name, null);
    if (await this.#deletionPending(name)) return;

    await ctx.client.create(LIFEBOAT_RESOURCES.DeleteBackupRequest, {
      apiVersion: 'lifeboat.io/v1',
      kind: 'DeleteBackupRequest',
      metadata: {
        generateName: `${name.slice(0, 50)}-`,
        namespace: ctx.namespace,
        labels: {
          [LABELS.backupName]: labelValue(name),
          ...(backup.metadata?.uid ? { [LABELS.backupUid]: backup.metadata.uid } : {}),
        },
      },
      spec: { backupName: name },
    });
    const schedule = backup.metadata?.labels?.[LABELS.scheduleName];
    const why =
      reason === 'expired'
        ? `expired at ${String((backup.status as { expiration?: string }).expiration)}`
        : `no longer selected by the keep rules of schedule ${schedule}`;
    log.info({ reason, schedule }, `garbage collection: deleting the backup (${why})`);
    ctx.events.record(backup, 'Normal', 'GarbageCollected', `deletion requested: ${why}`);
    this.#metrics?.gcCollected(reason, schedule);
  }

  async #verdict(
    backup: KubeObject,
  ): Promise<{ reason?: CollectReason; expiresInMs?: number; siblingsDue?: KubeObject[] }> {
    const ctx = this.#ctx;
    const scheduleName = backup.metadata?.labels?.[LABELS.scheduleName];
    if (scheduleName) {
      const rules = await this.#keepRules(scheduleName);
      if (rules) {
        const siblings = (await listScheduleBackups(ctx, scheduleName)).filter((b) =>
          FINISHED_BACKUP_PHASES.has(backupPhase(b)),
        );
        const decision = selectRetained(
          siblings.map((b) => ({
            name: b.metadata?.name ?? '',
            takenAt: takenAt(b),
            successful: SUCCESSFUL_BACKUP_PHASES.has(backupPhase(b)),
            legalHold: b.metadata?.labels?.[LABELS.retain] === 'true',
          })),
          rules.keep,
          rules.timezone,
        );
        const name = backup.metadata?.name ?? '';
        const newest = siblings.reduce((a, b) => (takenAt(b) > takenAt(a) ? b : a), backup);
        const removed = new Set(decision.remove);
        const siblingsDue =
          newest === backup
            ? siblings.filter((b) => b.metadata?.name !== name && removed.has(b.metadata?.name ?? ''))
            : [];
        return decision.keep.has(name) ? { siblingsDue } : { reason: 'retention', siblingsDue };
      }
    }
    const expiration = (backup.status as { expiration?: string } | undefined)?.expiration;
    if (!expiration) return {};
    const left = new Date(expiration).getTime() - ctx.clock.now().getTime();
    return left <= 0 ? { reason: 'expired' } : { expiresInMs: left };
  }

  /** The schedule's keep rules and time zone, or undefined when it is gone, invalid or has none. */
  async #keepRules(schedule: string): Promise<{ keep: KeepRules; timezone: string } | undefined> {
    const object = await this.#ctx.client.get(SCHEDULES, this.#ctx.namespace, schedule);
    if (!object) return undefined;
    const parsed = validateResource('Schedule', object);
    if (!parsed.ok || !parsed.value.spec.keep) return undefined;
    let timezone = 'UTC';
    try {
      timezone = parseCronSchedule(parsed.value.spec.schedule, parsed.value.spec.timezone).timezone;
    } catch {
      // An invalid schedule keeps no backups from being judged: its periods are counted in UTC.
    }
    return { keep: parsed.value.spec.keep, timezone };
  }

  async #deletionPending(backup: string): Promise<boolean> {
    for await (const page of this.#ctx.client.listPages(LIFEBOAT_RESOURCES.DeleteBackupRequest, {
      namespace: this.#ctx.namespace,
      labelSelector: `${LABELS.backupName}=${labelValue(backup)}`,
    }))
      for (const request of page.items) {
        const phase = (request.status as { phase?: string } | undefined)?.phase;
        if (phase === undefined || phase === 'New' || phase === 'InProgress') return true;
      }
    return false;
  }

  async #label(backup: string, value: string | null): Promise<void> {
    await this.#ctx.client.patch(this.resource, this.#ctx.namespace, backup, 'merge', {
      metadata: { labels: { [LABELS.gcFailure]: value } },
    });
  }
}
