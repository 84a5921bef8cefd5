import type { Clock } from '../core/clock.ts';
import type { BackupProgressUpdate } from './types.ts';

/** Progress reports no more often than this (Velero patches at most once a second; the CLI bar wants ~2/s). */
export const PROGRESS_INTERVAL_MS = 500;

/** Item counts of a running backup, reported through a throttled callback. */
export class ProgressTracker {
  totalItems = 0;
  itemsBackedUp = 0;
  readonly #clock: Clock;
  readonly #report: ((p: BackupProgressUpdate) => void) | undefined;
  #last = Number.NEGATIVE_INFINITY;

  constructor(clock: Clock, report?: (p: BackupProgressUpdate) => void) {
    this.#clock = clock;
    this.#report = report;
  }

  snapshot(): BackupProgressUpdate {
    return { totalItems: this.totalItems, itemsBackedUp: this.itemsBackedUp };
  }

  /** Reports when the interval has passed since the last report. */
  tick(): void {
    if (!this.#report) return;
    const now = this.#clock.now().getTime();
    if (now - this.#last < PROGRESS_INTERVAL_MS) return;
    this.#last = now;
    this.#report(this.snapshot());
  }

  /** Reports now, whatever the interval. */
  flush(): void {
    this.#last = this.#clock.now().getTime();
    this.#report?.(this.snapshot());
  }
}
