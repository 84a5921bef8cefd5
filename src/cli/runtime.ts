import type { Readable, Writable } from 'node:stream';
import type { Clock } from '../core/clock.ts';

/** A writable the CLI prints to; `isTTY`/`columns` decide between a live progress line and periodic lines. */
export type CliStream = Writable & { isTTY?: boolean; columns?: number };

/**
 * The CLI's view of the outside world, built once at the entry point: output streams, the environment and
 * the clock. Tests run the CLI in-process with their own streams, environment and clock.
 */
export interface CliRuntime {
  stdout: CliStream;
  stderr: CliStream;
  stdin: Readable & { isTTY?: boolean };
  env: Readonly<Record<string, string | undefined>>;
  clock: Clock;
  /** The user's home directory (for `~/.kube/config`). */
  home: string;
}
