import type { Clock } from '../core/clock.ts';
import type { RestoreProgressReport } from './types.ts';

/** Counts restored items and reports at most once per interval (and always the final figures on `flush`). */
export class ProgressTracker {
  totalItems = 0;
  itemsRestored = 0;
  readonly #report: ((p: RestoreProgressReport) => void) | undefined;
  readonly #clock: Clock;
  readonly #intervalMs: number;
  #lastAt = -Infinity;

  constructor(report: ((p: RestoreProgressReport) => void) | undefined, clock: Clock, intervalMs: number) {
    this.#report = report;
    this.#clock = clock;
    this.#intervalMs = intervalMs;
  }

  done(): void {
    this.itemsRestored++;
    if (this.itemsRestored > this.totalItems) this.totalItems = this.itemsRestored;
    const now = this.#clock.now().getTime();
    if (now - this.#lastAt >= this.#intervalMs) this.#emit(now);
  }

  flush(): void {
    this.#emit(this.#clock.now().getTime());
  }

  snapshot(): RestoreProgressReport {
    return { totalItems: this.totalItems, itemsRestored: this.itemsRestored };
  }

  #emit(now: number): void {
    this.#lastAt = now;
    try {
      this.#report?.(this.snapshot());
    } catch {
      // A failing progress sink must not fail the restore.
    }
  }
}
