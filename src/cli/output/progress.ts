import type { Writable } from 'node:stream';

export interface ProgressDisplayOptions {
  /** Where progress goes (stderr by default in the commands, so stdout stays the result). */
  stream: Writable & { isTTY?: boolean; columns?: number };
  /** A live, rewritten line (terminal) or periodic full lines (logs, pipes). Default: the stream's `isTTY`. */
  live?: boolean;
  /** Without a terminal, the least time between two printed lines (default 10 s). */
  intervalMs?: number;
  now?: () => number;
}

/**
 * Shows a changing status line. On a terminal it rewrites one line in place (cut to the terminal's width);
 * elsewhere it prints a full line at most every `intervalMs`, so logs get a steady, readable trace.
 */
export class ProgressDisplay {
  readonly #stream: ProgressDisplayOptions['stream'];
  readonly #live: boolean;
  readonly #interval: number;
  readonly #now: () => number;
  #lastPrinted = Number.NEGATIVE_INFINITY;
  #shown = false;

  constructor(options: ProgressDisplayOptions) {
    this.#stream = options.stream;
    this.#live = options.live ?? options.stream.isTTY === true;
    this.#interval = options.intervalMs ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  get live(): boolean {
    return this.#live;
  }

  update(line: string): void {
    if (this.#live) {
      const width = this.#stream.columns ?? 80;
      this.#stream.write(`\r\x1b[2K${line.length >= width ? line.slice(0, width - 1) : line}`);
      this.#shown = true;
      return;
    }
    const now = this.#now();
    if (now - this.#lastPrinted < this.#interval) return;
    this.#lastPrinted = now;
    this.#stream.write(`${line}\n`);
  }

  /** Ends the display: clears the live line (the caller prints its summary after). */
  done(): void {
    if (this.#live && this.#shown) this.#stream.write('\r\x1b[2K');
    this.#shown = false;
  }
}
