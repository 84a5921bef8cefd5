import type { Command } from 'commander';
import { LIFEBOAT_VERSION } from '../../core/version.ts';

export function registerVersion(program: Command): void {
  program
    .command('version')
    .description('print the client version')
    .action(() => {
      process.stdout.write(`Client:\n\tVersion: ${LIFEBOAT_VERSION}\n\tNode.js: ${process.version}\n`);
    });
}
