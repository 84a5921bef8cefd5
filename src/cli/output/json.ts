import type { Writable } from 'node:stream';

/** Writes `value` as one line of JSON (the `--json` output of every command; JSON-lines for streams of events). */
export function writeJson(out: Writable, value: unknown): void {
  out.write(`${JSON.stringify(value)}\n`);
}
