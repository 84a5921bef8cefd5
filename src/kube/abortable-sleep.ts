import type { Clock } from '../core/clock.ts';

/**
 * Sleeps on `clock` but wakes at once, resolving false, when `signal` aborts; true when the time passed.
 * Needed because a clock may ignore signals (a ManualClock's sleepers wait for `advance`), and a loop that is
 * told to stop must not wait for time that tests never move.
 */
export function sleepUnlessAborted(clock: Clock, ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = (): void => resolve(false);
    signal.addEventListener('abort', onAbort, { once: true });
    clock.sleep(ms, signal).then(
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve(!signal.aborted);
      },
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve(false);
      },
    );
  });
}
