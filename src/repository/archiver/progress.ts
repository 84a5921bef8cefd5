import { lstatSync, readdirSync, type Stats } from 'node:fs';
import { join } from 'node:path';

export interface BackupProgress {
  filesDone: number;
  filesTotal: number;
  bytesDone: number;
  bytesTotal: number;
  /** False while the scan that computes the totals is still running. */
  totalsFinal: boolean;
}

/** Entries the totals scan handles before letting the backup run again. */
const SCAN_SLICE = 512;

/** Counts progress and emits it at most every `intervalMs` (the final event always). */
export class ProgressTracker {
  readonly #emit: ((p: BackupProgress) => void) | undefined;
  readonly #interval: number;
  #last = 0;
  #stopped = false;
  readonly state: BackupProgress = {
    filesDone: 0,
    filesTotal: 0,
    bytesDone: 0,
    bytesTotal: 0,
    totalsFinal: false,
  };

  constructor(emit: ((p: BackupProgress) => void) | undefined, intervalMs: number) {
    this.#emit = emit;
    this.#interval = intervalMs;
  }

  /**
   * Counts files and bytes (metadata only) so events carry real totals. It runs beside the backup in slices,
   * so the first files are being read while the totals are still growing (`totalsFinal` false until done).
   */
  async scan(paths: string[], signal?: AbortSignal): Promise<void> {
    const stack = [...paths].reverse();
    let n = 0;
    while (stack.length > 0 && !signal?.aborted) {
      const p = stack.pop() as string;
      if (++n % SCAN_SLICE === 0) await new Promise((r) => setImmediate(r));
      let st: Stats;
      try {
        st = lstatSync(p);
      } catch {
        continue;
      }
      if (st.isFile()) {
        this.state.filesTotal++;
        this.state.bytesTotal += st.size;
      } else if (st.isDirectory()) {
        let names: string[];
        try {
          names = readdirSync(p);
        } catch {
          continue;
        }
        for (let i = names.length - 1; i >= 0; i--) stack.push(join(p, names[i]));
      }
    }
    this.state.totalsFinal = true;
  }

  read(bytes: number): void {
    this.state.bytesDone += bytes;
    this.#maybeEmit();
  }

  fileDone(skippedBytes: number): void {
    this.state.filesDone++;
    this.state.bytesDone += skippedBytes;
    this.#maybeEmit();
  }

  finish(): void {
    this.#emit?.({ ...this.state, totalsFinal: true });
  }

  /** No events from now on (a cancelled backup: what workers still report comes after the caller's end). */
  stop(): void {
    this.#stopped = true;
  }

  #maybeEmit(): void {
    if (!this.#emit || this.#stopped) return;
    const now = Date.now();
    if (now - this.#last < this.#interval) return;
    this.#last = now;
    this.#emit({ ...this.state });
  }
}
