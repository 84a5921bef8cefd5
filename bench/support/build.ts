/**
 * Benchmarks run Lifeboat as users run it: compiled by `tsc -p tsconfig.build.json` (what `npm run build`
 * does), here into a private directory so a benchmark never disturbs the working tree's `dist/`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';

/** Compiles into `<base>/build/dist` with node_modules reachable; returns the CLI's entry file. */
export function buildCli(base: string, mustExist: readonly string[] = []): string {
  const root = new URL('../..', import.meta.url).pathname;
  const out = join(base, 'build');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  symlinkSync(join(root, 'node_modules'), join(out, 'node_modules'));
  // tsc emits even where files elsewhere in the tree have type errors (work in progress); what the
  // benchmark runs must have been emitted, which is checked below.
  spawnSync(
    join(root, 'node_modules/.bin/tsc'),
    ['-p', join(root, 'tsconfig.build.json'), '--outDir', join(out, 'dist')],
    {
      encoding: 'utf8',
    },
  );
  const cli = join(out, 'dist/cli/main.js');
  for (const file of [cli, ...mustExist.map((f) => join(out, 'dist', f))]) {
    if (!existsSync(file)) throw new Error(`build did not produce ${file}`);
  }
  return cli;
}
