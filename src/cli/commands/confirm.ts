import { createInterface } from 'node:readline/promises';
import type { CliRuntime } from '../runtime.ts';

/** Asks `question (Y/N)` on the terminal; anything but y/yes is no. Without a terminal the answer is no. */
export async function confirm(runtime: CliRuntime, question: string): Promise<boolean> {
  runtime.stdout.write(`${question} (Y/N)? `);
  const rl = createInterface({ input: runtime.stdin, terminal: false });
  try {
    const answer = await new Promise<string>((resolve) => {
      rl.once('line', resolve);
      rl.once('close', () => resolve(''));
    });
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
