import type { Command } from 'commander';

type RegisterVerb = (repo: Command) => void;

/**
 * Each verb's module, loaded only when the command line names that verb (or names none: help). Every verb
 * pulls in its part of the engine, and a `repo backup` that loaded them all (prune, check, the restorer…)
 * paid ~0.1 s at each start for modules it never runs.
 */
const VERBS: Record<string, () => Promise<RegisterVerb>> = {
  init: async () => (await import('./init.ts')).registerInit,
  backup: async () => (await import('./backup.ts')).registerBackup,
  snapshots: async () => (await import('./snapshots.ts')).registerSnapshots,
  restore: async () => (await import('./restore.ts')).registerRestore,
  ls: async () => (await import('./browse.ts')).registerBrowse,
  forget: async () => (await import('./forget.ts')).registerForget,
  prune: async () => (await import('./prune.ts')).registerPrune,
  check: async () => (await import('./check.ts')).registerCheck,
  stats: async () => (await import('./stats.ts')).registerStats,
  key: async () => (await import('./key.ts')).registerKey,
  unlock: async () => (await import('./unlock.ts')).registerUnlock,
};
/** Verbs registered by another verb's module. */
const ALIASES: Record<string, string> = { find: 'ls', diff: 'ls', dump: 'ls' };
/** `repo` options that take a value, so the verb can be found after them. */
const OPTIONS_WITH_VALUE = new Set([
  '-r',
  '--repo',
  '-p',
  '--password-file',
  '--compression',
  '--pack-size',
  '--credentials-file',
  '--profile',
]);

/** The verb after `repo` on a command line, or undefined (help, or a typo: then every verb is registered). */
export function repoVerbOf(argv: readonly string[]): string | undefined {
  const at = argv.indexOf('repo');
  if (at < 0) return undefined;
  for (let i = at + 1; i < argv.length; i++) {
    const arg = argv[i];
    if (OPTIONS_WITH_VALUE.has(arg)) {
      i++;
      continue;
    }
    if (arg.startsWith('-')) continue;
    const verb = ALIASES[arg] ?? arg;
    return Object.hasOwn(VERBS, verb) ? verb : undefined;
  }
  return undefined;
}

/** Loads the verbs `argv` needs: the one it names, or all of them, in the order help lists them. */
export async function loadRepoVerbs(argv: readonly string[]): Promise<RegisterVerb[]> {
  const verb = repoVerbOf(argv);
  const names = verb === undefined ? Object.keys(VERBS) : [verb];
  return Promise.all(names.map((name) => VERBS[name]()));
}

/**
 * `lifeboat repo …`: the volume-data repository (restic format) on its own, without Kubernetes. The repository
 * is `--repo` (a path, `s3:…`, `azure:…`) or LIFEBOAT_REPOSITORY; the password comes from `--password-file`,
 * LIFEBOAT_PASSWORD or RESTIC_PASSWORD, never from a default.
 */
export function registerRepo(program: Command, verbs: readonly RegisterVerb[]): void {
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
  for (const register of verbs) register(repo);
}
