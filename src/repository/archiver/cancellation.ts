import { LifeboatError } from '../../core/errors.ts';

/**
 * The cancellation of one backup or restore by an AbortSignal. It turns the signal into one error with code
 * `Canceled` (the signal's reason as its cause, or the reason itself when it already is such an error), runs
 * `onAbort` once, synchronously, when the signal fires (to stop feeding workers at once), and lets the
 * operation's steps give up waiting (`race`) or stop at their checkpoints (`throwIfRequested`).
 * Without a signal it never fires and costs nothing.
 */
export class Cancellation {
  readonly #signal: AbortSignal | undefined;
  readonly #what: string;
  readonly #listener: (() => void) | undefined;
  readonly #fired: Promise<never>;
  #reject: (err: LifeboatError) => void = () => undefined;
  #error: LifeboatError | undefined;

  /** `what` names the operation in the error message (`backup cancelled`). */
  constructor(signal: AbortSignal | undefined, what: string, onAbort?: (err: LifeboatError) => void) {
    this.#signal = signal;
    this.#what = what;
    this.#fired = new Promise<never>((_, reject) => {
      this.#reject = reject;
    });
    // Only ever observed through `race`: not an unhandled rejection when nobody is racing at the time.
    this.#fired.catch(() => undefined);
    if (!signal) return;
    this.#listener = () => {
      const err = this.error;
      onAbort?.(err);
      this.#reject(err);
    };
    if (signal.aborted) this.#listener();
    else signal.addEventListener('abort', this.#listener, { once: true });
  }

  /** Whether the signal has fired. */
  get requested(): boolean {
    return this.#signal?.aborted === true;
  }

  /** The `Canceled` error this operation rejects with (the same object every time). */
  get error(): LifeboatError {
    this.#error ??= canceledError(this.#signal?.reason, this.#what);
    return this.#error;
  }

  throwIfRequested(): void {
    if (this.requested) throw this.error;
  }

  /** `p`, or the cancellation error as soon as the signal fires (`p` goes on; its outcome is ignored then). */
  race<T>(p: Promise<T>): Promise<T> {
    if (!this.#signal) return p;
    if (this.requested) {
      p.catch(() => undefined);
      return Promise.reject(this.error);
    }
    return Promise.race([p, this.#fired]);
  }

  /** Stops listening to the signal (call when the operation is over, whichever way). */
  dispose(): void {
    if (this.#listener) this.#signal?.removeEventListener('abort', this.#listener);
  }
}

/** A `Canceled` error for `reason` (an AbortSignal's reason): kept when it is one already. */
export function canceledError(reason: unknown, what: string): LifeboatError {
  if (reason instanceof LifeboatError && reason.code === 'Canceled') return reason;
  const why = reason instanceof Error && reason.name !== 'AbortError' ? `: ${reason.message}` : '';
  return new LifeboatError('Canceled', `${what} cancelled${why}`, { cause: reason, retryable: false });
}
