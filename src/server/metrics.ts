import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The server's Prometheus metrics: Velero's names (reference velero.md §11) with the `velero_` prefix
 * changed to `lifeboat_`, so dashboards port by a rename. Every backup and restore metric is labelled by
 * `schedule` (empty for ad-hoc runs, as Velero does) and, a Lifeboat addition, `backup_location_name`, so
 * one location's failures stand out. Each server instance owns its registry: two servers in one process
 * (tests, failover) never share counters.
 */

/** Backups and restores finish faster here than in Velero; its buckets start at a minute, these at a second. */
const DURATION_BUCKETS = [1, 5, 10, 30, 60, 300, 600, 900, 1800, 3600, 7200, 10800, 14400];

type RunLabels = 'schedule' | 'backup_location_name';

/** How a backup or a restore ended, as the metrics count it. */
export type RunOutcome = 'Completed' | 'PartiallyFailed' | 'Failed' | 'FailedValidation';

export interface RunLabelValues {
  schedule?: string;
  location?: string;
}

export interface BackupFinish extends RunLabelValues {
  outcome: RunOutcome;
  durationSeconds?: number;
  items?: number;
  errors?: number;
  warnings?: number;
  tarballBytes?: number;
  /** When it finished, for `lifeboat_backup_last_successful_timestamp`. */
  finishedAt?: Date;
}

export interface RestoreFinish extends RunLabelValues {
  outcome: RunOutcome;
  durationSeconds?: number;
  items?: number;
}

export class ServerMetrics {
  readonly registry = new Registry();
  #counts: (() => { backups: number; restores: number }) | undefined;

  readonly backupTotal: Gauge;
  readonly backupAttempt: Counter<RunLabels>;
  readonly backupSuccess: Counter<RunLabels>;
  readonly backupPartialFailure: Counter<RunLabels>;
  readonly backupFailure: Counter<RunLabels>;
  readonly backupValidationFailure: Counter<RunLabels>;
  readonly backupDuration: Histogram<RunLabels>;
  readonly backupTarballSize: Gauge<RunLabels>;
  readonly backupLastSuccessfulTimestamp: Gauge<RunLabels>;
  readonly backupItemsTotal: Gauge<RunLabels>;
  readonly backupItemsErrors: Gauge<RunLabels>;
  readonly backupWarningTotal: Counter<RunLabels>;
  readonly backupLastStatus: Gauge<RunLabels>;
  readonly backupDeletionAttempt: Counter<RunLabels>;
  readonly backupDeletionSuccess: Counter<RunLabels>;
  readonly backupDeletionFailure: Counter<RunLabels>;
  readonly locationStatus: Gauge<'backup_location_name'>;
  readonly restoreTotal: Gauge;
  readonly restoreAttempt: Counter<RunLabels>;
  readonly restoreSuccess: Counter<RunLabels>;
  readonly restorePartialFailure: Counter<RunLabels>;
  readonly restoreFailed: Counter<RunLabels>;
  readonly restoreValidationFailed: Counter<RunLabels>;
  readonly restoreDuration: Histogram<RunLabels>;
  readonly restoreItemsTotal: Gauge<RunLabels>;
  readonly scheduleExpectedInterval: Gauge<'schedule'>;
  readonly gcDeletions: Counter<'reason' | 'schedule'>;
  readonly gcSkippedTotal: Counter<'reason'>;
  readonly notificationSent: Counter<'schedule'>;
  readonly notificationFailure: Counter<'schedule'>;

  constructor() {
    const registers = [this.registry];
    const labelNames: RunLabels[] = ['schedule', 'backup_location_name'];
    const counter = (name: string, help: string) => new Counter({ name, help, labelNames, registers });
    const gauge = (name: string, help: string) => new Gauge({ name, help, labelNames, registers });
    const counts = () => this.#counts?.() ?? { backups: 0, restores: 0 };
    this.backupTotal = new Gauge({
      name: 'lifeboat_backup_total',
      help: 'Current number of Backups',
      registers,
      collect() {
        this.set(counts().backups);
      },
    });
    this.backupAttempt = counter('lifeboat_backup_attempt_total', 'Backups attempted');
    this.backupSuccess = counter('lifeboat_backup_success_total', 'Backups that completed');
    this.backupPartialFailure = counter(
      'lifeboat_backup_partial_failure_total',
      'Backups that partially failed',
    );
    this.backupFailure = counter('lifeboat_backup_failure_total', 'Backups that failed');
    this.backupValidationFailure = counter(
      'lifeboat_backup_validation_failure_total',
      'Backups that failed validation',
    );
    this.backupDuration = new Histogram({
      name: 'lifeboat_backup_duration_seconds',
      help: 'Time a backup took, in seconds',
      labelNames,
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.backupTarballSize = gauge(
      'lifeboat_backup_tarball_size_bytes',
      'Size of the last backup tarball, in bytes',
    );
    this.backupLastSuccessfulTimestamp = gauge(
      'lifeboat_backup_last_successful_timestamp',
      'When the last successful backup finished, in Unix seconds',
    );
    this.backupItemsTotal = gauge('lifeboat_backup_items_total', 'Items in the last backup');
    this.backupItemsErrors = gauge('lifeboat_backup_items_errors', 'Errors of the last backup');
    this.backupWarningTotal = counter('lifeboat_backup_warning_total', 'Warnings of backups');
    this.backupLastStatus = gauge(
      'lifeboat_backup_last_status',
      'Last backup status: 1 succeeded, 0 did not',
    );
    this.backupDeletionAttempt = counter(
      'lifeboat_backup_deletion_attempt_total',
      'Backup deletions attempted',
    );
    this.backupDeletionSuccess = counter(
      'lifeboat_backup_deletion_success_total',
      'Backup deletions that succeeded',
    );
    this.backupDeletionFailure = counter(
      'lifeboat_backup_deletion_failure_total',
      'Backup deletions that failed',
    );
    this.locationStatus = new Gauge({
      name: 'lifeboat_backup_location_status_gauge',
      help: 'Backup storage location availability: 1 Available, 0 Unavailable',
      labelNames: ['backup_location_name'],
      registers,
    });
    this.restoreTotal = new Gauge({
      name: 'lifeboat_restore_total',
      help: 'Current number of Restores',
      registers,
      collect() {
        this.set(counts().restores);
      },
    });
    this.restoreAttempt = counter('lifeboat_restore_attempt_total', 'Restores attempted');
    this.restoreSuccess = counter('lifeboat_restore_success_total', 'Restores that completed');
    this.restorePartialFailure = counter(
      'lifeboat_restore_partial_failure_total',
      'Restores that partially failed',
    );
    this.restoreFailed = counter('lifeboat_restore_failed_total', 'Restores that failed');
    this.restoreValidationFailed = counter(
      'lifeboat_restore_validation_failed_total',
      'Restores that failed validation',
    );
    this.restoreDuration = new Histogram({
      name: 'lifeboat_restore_duration_seconds',
      help: 'Time a restore took, in seconds',
      labelNames,
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.restoreItemsTotal = gauge('lifeboat_restore_items_total', 'Items of the last restore');
    this.scheduleExpectedInterval = new Gauge({
      name: 'lifeboat_schedule_expected_interval_seconds',
      help: 'Expected time between two backups of a schedule, in seconds',
      labelNames: ['schedule'],
      registers,
    });
    this.gcDeletions = new Counter({
      name: 'lifeboat_gc_deletions_total',
      help: 'DeleteBackupRequests created by garbage collection, by reason (expired, retention)',
      labelNames: ['reason', 'schedule'],
      registers,
    });
    this.gcSkippedTotal = new Counter({
      name: 'lifeboat_gc_skipped_total',
      help: 'Backups due for deletion that garbage collection left alone, by reason (BSLReadOnly, BSLNotFound, BSLUnavailable)',
      labelNames: ['reason'],
      registers,
    });
    this.notificationSent = new Counter({
      name: 'lifeboat_notification_sent_total',
      help: 'Backup outcome notifications delivered to a webhook',
      labelNames: ['schedule'],
      registers,
    });
    this.notificationFailure = new Counter({
      name: 'lifeboat_notification_failure_total',
      help: 'Backup outcome notifications given up after every retry',
      labelNames: ['schedule'],
      registers,
    });
  }

  /** Where `lifeboat_backup_total` and `lifeboat_restore_total` come from, read at each scrape. */
  countResources(counts: (() => { backups: number; restores: number }) | undefined): void {
    this.#counts = counts;
  }

  /** The exposition text and its content type, for `/metrics`. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  backupStarted(labels: RunLabelValues): void {
    this.backupAttempt.inc(runLabels(labels));
  }

  backupFinished(finish: BackupFinish): void {
    const labels = runLabels(finish);
    switch (finish.outcome) {
      case 'Completed':
        this.backupSuccess.inc(labels);
        this.backupLastSuccessfulTimestamp.set(labels, (finish.finishedAt ?? new Date()).getTime() / 1000);
        break;
      case 'PartiallyFailed':
        this.backupPartialFailure.inc(labels);
        break;
      case 'Failed':
        this.backupFailure.inc(labels);
        break;
      case 'FailedValidation':
        this.backupValidationFailure.inc(labels);
        break;
    }
    this.backupLastStatus.set(labels, finish.outcome === 'Completed' ? 1 : 0);
    if (finish.durationSeconds !== undefined) this.backupDuration.observe(labels, finish.durationSeconds);
    if (finish.items !== undefined) this.backupItemsTotal.set(labels, finish.items);
    if (finish.errors !== undefined) this.backupItemsErrors.set(labels, finish.errors);
    if (finish.warnings) this.backupWarningTotal.inc(labels, finish.warnings);
    if (finish.tarballBytes !== undefined) this.backupTarballSize.set(labels, finish.tarballBytes);
  }

  restoreStarted(labels: RunLabelValues): void {
    this.restoreAttempt.inc(runLabels(labels));
  }

  restoreFinished(finish: RestoreFinish): void {
    const labels = runLabels(finish);
    switch (finish.outcome) {
      case 'Completed':
        this.restoreSuccess.inc(labels);
        break;
      case 'PartiallyFailed':
        this.restorePartialFailure.inc(labels);
        break;
      case 'Failed':
        this.restoreFailed.inc(labels);
        break;
      case 'FailedValidation':
        this.restoreValidationFailed.inc(labels);
        break;
    }
    if (finish.durationSeconds !== undefined) this.restoreDuration.observe(labels, finish.durationSeconds);
    if (finish.items !== undefined) this.restoreItemsTotal.set(labels, finish.items);
  }

  deletionAttempted(labels: RunLabelValues): void {
    this.backupDeletionAttempt.inc(runLabels(labels));
  }

  deletionFinished(labels: RunLabelValues, ok: boolean): void {
    (ok ? this.backupDeletionSuccess : this.backupDeletionFailure).inc(runLabels(labels));
  }

  locationAvailability(location: string, available: boolean): void {
    this.locationStatus.set({ backup_location_name: location }, available ? 1 : 0);
  }

  locationRemoved(location: string): void {
    this.locationStatus.remove({ backup_location_name: location });
  }

  /** Schedule controller: the schedule's expected interval; undefined drops its series (deleted, invalid). */
  scheduleInterval(schedule: string, seconds: number | undefined): void {
    if (seconds === undefined) this.scheduleExpectedInterval.remove({ schedule });
    else this.scheduleExpectedInterval.set({ schedule }, seconds);
  }

  /** Garbage collection requested a backup's deletion. */
  gcCollected(reason: 'expired' | 'retention', schedule: string | undefined): void {
    this.gcDeletions.inc({ reason, schedule: schedule ?? '' });
  }

  /** Garbage collection left a due backup alone. */
  gcSkipped(reason: string): void {
    this.gcSkippedTotal.inc({ reason });
  }

  /** A notification was delivered (`ok`) or given up on. */
  notification(schedule: string | undefined, ok: boolean): void {
    (ok ? this.notificationSent : this.notificationFailure).inc({ schedule: schedule ?? '' });
  }
}

function runLabels(values: RunLabelValues): Record<RunLabels, string> {
  return { schedule: values.schedule ?? '', backup_location_name: values.location ?? '' };
}
