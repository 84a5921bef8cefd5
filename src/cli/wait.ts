import type { ResourceKind, ResourceTypes } from '../api/index.ts';
import type { Clock } from '../core/clock.ts';
import { LifeboatError } from '../core/errors.ts';
import type { LifeboatClient } from './kube/lifeboat-client.ts';
import type { ProgressDisplay } from './output/progress.ts';

/** How often `--wait` reads the object again. */
export const WAIT_POLL_MS = 500;

export interface WaitOptions<T> {
  clock: Clock;
  /** Shown each poll: a live line on a terminal, periodic lines elsewhere. */
  display: ProgressDisplay;
  /** The status line for the object as it stands. */
  line: (object: T) => string;
  /** Whether the object has reached a final state. */
  finished: (object: T) => boolean;
  intervalMs?: number;
  /** Give up after this long (default: wait forever, as Velero's `--wait`). */
  timeoutMs?: number;
}

/**
 * Reads `kind/name` every `intervalMs` until `finished` holds, showing `line` on the display, and returns the
 * final object. The object vanishing is `NotFound`; running past `timeoutMs` is `Timeout` (the work goes on
 * in the server either way).
 */
export async function waitForResource<K extends ResourceKind>(
  client: LifeboatClient,
  kind: K,
  name: string,
  options: WaitOptions<ResourceTypes[K]>,
): Promise<ResourceTypes[K]> {
  const started = options.clock.now().getTime();
  try {
    for (;;) {
      const object = await client.get(kind, name);
      if (object === undefined)
        throw new LifeboatError('NotFound', `${kind} "${name}" disappeared while waiting for it`);
      if (options.finished(object)) return object;
      options.display.update(options.line(object));
      if (options.timeoutMs !== undefined && options.clock.now().getTime() - started >= options.timeoutMs)
        throw new LifeboatError(
          'Timeout',
          `${kind} "${name}" did not finish within ${Math.round(options.timeoutMs / 1000)}s; it goes on in the server`,
        );
      await options.clock.sleep(options.intervalMs ?? WAIT_POLL_MS);
    }
  } finally {
    options.display.done();
  }
}

/**
 * The `--wait` status line: `Backup "x": InProgress  [###---]  30% (3/10 items)`, or, before the server has
 * taken the object up, a line saying it waits for that (the usual sign that no server is running).
 */
export function statusLine(
  kind: string,
  name: string,
  phase: string | undefined,
  done: number | undefined,
  total: number | undefined,
): string {
  if (!phase || phase === 'New') return `${kind} "${name}": waiting for the lifeboat server to start it`;
  return `${kind} "${name}": ${phase}  ${progressBar(done, total)}`;
}

/** `[##########----------]  50% (5/10 items)`, or just the count while the total is unknown. */
export function progressBar(done: number | undefined, total: number | undefined, width = 30): string {
  const d = done ?? 0;
  if (!total) return `${d} items`;
  const ratio = Math.min(1, d / total);
  const filled = Math.round(ratio * width);
  const percent = `${Math.floor(ratio * 100)}%`.padStart(4);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${percent} (${d}/${total} items)`;
}
