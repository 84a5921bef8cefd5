import type { Command } from 'commander';
import { registerBackup } from './backup.ts';
import { registerBrowse } from './browse.ts';
import { registerCheck } from './check.ts';
import { registerForget } from './forget.ts';
import { registerInit } from './init.ts';
import { registerKey } from './key.ts';
import { registerPrune } from './prune.ts';
import { registerRestore } from './restore.ts';
import { registerSnapshots } from './snapshots.ts';
import { registerStats } from './stats.ts';
import { registerUnlock } from './unlock.ts';

/**
 * `lifeboat repo …`: the volume-data repository (restic format) on its own, without Kubernetes. The repository
 * is `--repo` (a path, `s3:…`, `azure:…`) or LIFEBOAT_REPOSITORY; the password comes from `--password-file`,
 * LIFEBOAT_PASSWORD or RESTIC_PASSWORD, never from a default.
 */
export function registerRepo(program: Command): void {
  const repo = program
    .command('repo')
    .description(
      'work with a volume-data repository (restic format): backup, restore, forget, prune, check, …',
    )
    .option(
      '-r, --repo <location>',
      'repository: a path, s3:https://host[:port]/bucket/prefix or azure:container:/prefix (env LIFEBOAT_REPOSITORY)',
    )
    .option(
      '-p, --password-file <file>',
      'file holding the repository password (env LIFEBOAT_PASSWORD, RESTIC_PASSWORD)',
    )
    .option('--json', 'print results as JSON')
    .option('--no-lock', 'do not lock the repository (read-only commands; forget with --dry-run)')
    .option('-q, --quiet', 'print only results and errors')
    .option('--compression <mode>', 'compression of new data: auto, off, max')
    .option('--pack-size <MiB>', 'target size of new pack files, in MiB')
    .option(
      '--credentials-file <file>',
      'AWS-style credentials file for s3 (else AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)',
    )
    .option('--profile <name>', 'profile in the credentials file');
  registerInit(repo);
  registerBackup(repo);
  registerSnapshots(repo);
  registerRestore(repo);
  registerBrowse(repo);
  registerForget(repo);
  registerPrune(repo);
  registerCheck(repo);
  registerStats(repo);
  registerKey(repo);
  registerUnlock(repo);
}
