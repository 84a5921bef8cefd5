import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import { finished } from 'node:stream/promises';

/**
 * Small process helpers shared by the sandboxes and the runtime: exit codes as container runtimes report
 * them, signalling whole process groups, and piping several outputs into one stream.
 */

/** A process's exit code as runtimes report it: the code, or 128 + the number of the signal that killed it. */
export function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  if (signal !== null) return 128 + (constants.signals[signal] ?? 0);
  return 255;
}

/** Signals a process group (children spawned with `detached: true` lead their own); a gone group is fine. */
export function signalGroup(pgid: number | undefined, signal: NodeJS.Signals): void {
  if (!pgid) return;
  try {
    process.kill(-pgid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

/** Signals one process; a gone process is fine. */
export function signalProcess(pid: number | undefined, signal: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(pid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

/** The direct children of a process, from /proc (empty when it has none or is gone). */
export function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter((s) => s !== '')
      .map(Number);
  } catch {
    return [];
  }
}

/**
 * Resolves with the child's exit code and signal once it has exited and its output streams have closed.
 * Call it right after spawning: 'close' is an event, not a state.
 */
export function closed(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => {
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
}

/**
 * Pipes every source into `dest`, ends `dest` once all sources have ended, and resolves when `dest` has
 * finished (or failed: a client that went away is not an error here).
 */
export async function pipeAllInto(sources: Readable[], dest: Writable): Promise<void> {
  let open = sources.length;
  const done = (): void => {
    open--;
    if (open === 0) dest.end();
  };
  for (const source of sources) {
    source.once('end', done);
    source.once('error', done);
    source.pipe(dest, { end: false });
  }
  if (sources.length === 0) dest.end();
  await finished(dest).catch(() => {});
}
