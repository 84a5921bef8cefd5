/**
 * The runs (backups or restores) a reconciler is executing now, by name: each can be cut short through its
 * abort signal, and shutdown waits for every one to record its final status.
 */
export class RunningSet {
  readonly #runs = new Map<string, { abort: AbortController; done: Promise<void> }>();
  readonly #shutdownReason: string;

  constructor(shutdownReason: string) {
    this.#shutdownReason = shutdownReason;
  }

  get names(): string[] {
    return [...this.#runs.keys()];
  }

  has(name: string): boolean {
    return this.#runs.has(name);
  }

  /** Runs `work` as `name` until it settles; its signal aborts when `abortAll` is called. */
  async run(name: string, work: (signal: AbortSignal) => Promise<void>): Promise<void> {
    let resolveDone!: () => void;
    const done = new Promise<void>((resolve) => {
      resolveDone = resolve;
    });
    const abort = new AbortController();
    this.#runs.set(name, { abort, done });
    try {
      await work(abort.signal);
    } finally {
      this.#runs.delete(name);
      resolveDone();
    }
  }

  /** Cuts every run short (each ends with `reason`) and waits for their final status. */
  async abortAll(reason = this.#shutdownReason): Promise<void> {
    for (const run of this.#runs.values()) run.abort.abort(new Error(reason));
    await this.idle();
  }

  /** Resolves when nothing is running (or at once). */
  async idle(): Promise<void> {
    await Promise.all([...this.#runs.values()].map((r) => r.done));
  }
}
