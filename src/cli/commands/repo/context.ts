import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { UsageError } from '../../../core/errors.ts';
import { type CompressionMode, CompressionModes } from '../../../repository/blobs/compression.ts';
import { openRepository, type Repository } from '../../../repository/repo/repository.ts';
import type { ObjectStore } from '../../../storage/object-store.ts';
import { createStore, describeLocation, parseRepoLocation, type RepoLocation } from './location.ts';

/** The options every `lifeboat repo` command takes (declared on the `repo` group). */
export interface RepoGlobalOptions {
  repo?: string;
  passwordFile?: string;
  json?: boolean;
  /** Commander's `--no-lock`: false when given. */
  lock: boolean;
  quiet?: boolean;
  compression?: string;
  packSize?: string;
  credentialsFile?: string;
  profile?: string;
}

/**
 * One command's view of the repository: the parsed location, the password, the store and the streams. This is
 * the entry point of the repo commands, so it is where the environment is read (once, here).
 */
export class RepoContext {
  readonly options: RepoGlobalOptions;
  readonly env: NodeJS.ProcessEnv;
  readonly out: NodeJS.WriteStream;
  readonly err: NodeJS.WriteStream;
  #location: RepoLocation | undefined;
  #store: ObjectStore | undefined;

  constructor(command: Command) {
    this.options = command.optsWithGlobals<RepoGlobalOptions>();
    this.env = process.env;
    this.out = process.stdout;
    this.err = process.stderr;
  }

  get json(): boolean {
    return this.options.json === true;
  }

  get quiet(): boolean {
    return this.options.quiet === true;
  }

  get location(): RepoLocation {
    if (!this.#location) {
      const text = this.options.repo ?? this.env.LIFEBOAT_REPOSITORY ?? this.env.RESTIC_REPOSITORY;
      if (!text) throw new UsageError('no repository given: use --repo or set LIFEBOAT_REPOSITORY');
      this.#location = parseRepoLocation(text);
    }
    return this.#location;
  }

  get locationText(): string {
    return describeLocation(this.location);
  }

  async store(): Promise<ObjectStore> {
    this.#store ??= await createStore(this.location, this.env, {
      credentialsFile: this.options.credentialsFile,
      profile: this.options.profile,
    });
    return this.#store;
  }

  get compression(): CompressionMode | undefined {
    const c = this.options.compression;
    if (c === undefined) return undefined;
    if (!(CompressionModes as readonly string[]).includes(c)) {
      throw new UsageError(`--compression must be one of ${CompressionModes.join(', ')}, not "${c}"`);
    }
    return c as CompressionMode;
  }

  get packSize(): number | undefined {
    const text = this.options.packSize;
    if (text === undefined) return undefined;
    const mib = Number(text);
    if (!Number.isInteger(mib) || mib < 4 || mib > 128) {
      throw new UsageError(`--pack-size is in MiB, a whole number from 4 to 128, not "${text}"`);
    }
    return mib * 1024 * 1024;
  }

  /**
   * The repository password: `--password-file`, else LIFEBOAT_PASSWORD_FILE / RESTIC_PASSWORD_FILE, else
   * LIFEBOAT_PASSWORD / RESTIC_PASSWORD. Never a default. Surrounding whitespace is dropped as restic does.
   */
  password(): string {
    const file =
      this.options.passwordFile ?? this.env.LIFEBOAT_PASSWORD_FILE ?? this.env.RESTIC_PASSWORD_FILE;
    if (file) return readPasswordFile(file, '--password-file');
    const pw = this.env.LIFEBOAT_PASSWORD || this.env.RESTIC_PASSWORD;
    if (pw) return pw;
    throw new UsageError('no repository password: use --password-file or set LIFEBOAT_PASSWORD');
  }

  /** Opens the repository with the password; a wrong password is the one line `wrong password or no key found`. */
  async open(): Promise<Repository> {
    const password = this.password();
    return openRepository(await this.store(), password, {
      compression: this.compression,
      packSize: this.packSize,
    });
  }

  /** Lines for the person at the terminal (stderr), unless `--quiet` or `--json`. */
  note(line: string): void {
    if (!this.quiet && !this.json) this.err.write(`${line}\n`);
  }

  async close(): Promise<void> {
    await this.#store?.close?.();
  }
}

/** Reads a password file; a missing file is a usage error naming the path (never the content). */
export function readPasswordFile(path: string, flag: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new UsageError(`${flag}: cannot read ${path} (${code})`);
  }
  const pw = text.trim();
  if (!pw) throw new UsageError(`${flag}: ${path} is empty`);
  return pw;
}

/**
 * Runs a repo command: builds the context, opens the repository when `open` is set, always closes the store.
 * The action receives the context and (when opened) the repository.
 */
export async function runRepoCommand(
  command: Command,
  action: (ctx: RepoContext, repo: Repository) => Promise<void>,
): Promise<void> {
  const ctx = new RepoContext(command);
  try {
    const repo = await ctx.open();
    await action(ctx, repo);
  } finally {
    await ctx.close();
  }
}

/** Whole number ≥ `min` from an option, or a usage error naming the flag. */
export function wholeNumber(flag: string, text: string | undefined, min = 0): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min)
    throw new UsageError(`${flag} must be a whole number ≥ ${min}, not "${text}"`);
  return n;
}

/** Collects a repeatable option's values (commander's `argParser` for `--tag a --tag b`). */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
