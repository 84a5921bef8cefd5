import { Command, CommanderError } from 'commander';
import { isLifeboatError, type LifeboatError } from '../core/errors.ts';
import { LIFEBOAT_VERSION } from '../core/version.ts';
import { registerDev } from './commands/dev/index.ts';
import { registerRepo } from './commands/repo/index.ts';
import { registerVersion } from './commands/version.ts';

/** Builds the `lifeboat` command tree; each noun registers its own verbs. */
export function buildProgram(): Command {
  const program = new Command('lifeboat')
    .description('Kubernetes backup, restore and migration')
    .version(LIFEBOAT_VERSION, '--client-version', 'print the client version and exit')
    .showSuggestionAfterError(true)
    .exitOverride();
  registerVersion(program);
  registerDev(program);
  registerRepo(program);
  return program;
}

/**
 * Runs the CLI and turns failures into an exit code: user errors print one line without a stack and exit 2,
 * other Lifeboat errors exit 1 with their message, and anything unexpected is shown in full as a bug.
 */
export async function runCli(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander has already printed its message (or help); only the code is ours to decide.
      return err.exitCode === 0 ? 0 : 2;
    }
    if (isLifeboatError(err)) {
      process.stderr.write(`error: ${err.message}\n`);
      return (err as LifeboatError).code === 'Usage' ? 2 : 1;
    }
    process.stderr.write(
      `internal error (please report it): ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    return 1;
  }
}
