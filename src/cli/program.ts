import { homedir } from 'node:os';
import { Command, CommanderError } from 'commander';
import { systemClock } from '../core/clock.ts';
import { isLifeboatError, type LifeboatError } from '../core/errors.ts';
import { LIFEBOAT_VERSION } from '../core/version.ts';
import { registerBackup } from './commands/backup/index.ts';
import { registerBackupLocation } from './commands/backup-location/index.ts';
import { registerDev } from './commands/dev/index.ts';
import { registerInstall } from './commands/install.ts';
import { registerRepo } from './commands/repo/index.ts';
import { registerRestore } from './commands/restore/index.ts';
import { registerVersion } from './commands/version.ts';
import { CliExit } from './exit.ts';
import type { CliRuntime } from './runtime.ts';

/** The runtime of the real process: its streams, environment and clock. */
export function processRuntime(): CliRuntime {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    clock: systemClock,
    home: homedir(),
  };
}

/** The root command with the global flags and the runtime's output streams, without subcommands. */
function rootCommand(runtime: CliRuntime): Command {
  return new Command('lifeboat')
    .description('Kubernetes backup, restore and migration')
    .version(LIFEBOAT_VERSION, '--client-version', 'print the client version and exit')
    .option('--kubeconfig <path>', 'kubeconfig file (default: KUBECONFIG, else ~/.kube/config)')
    .option('--kube-context <name>', 'the kubeconfig context to use (default: its current context)')
    .option(
      '-n, --namespace <namespace>',
      "the lifeboat server's namespace (default: LIFEBOAT_NAMESPACE, else lifeboat)",
    )
    .showSuggestionAfterError(true)
    .configureOutput(outputTo(runtime))
    .exitOverride();
}

function outputTo(runtime: CliRuntime) {
  return {
    writeOut: (text: string) => runtime.stdout.write(text),
    writeErr: (text: string) => runtime.stderr.write(text),
  };
}

/** Subcommands print through the runtime and throw instead of exiting, as the root does. */
function inheritOutput(command: Command, runtime: CliRuntime): void {
  for (const sub of command.commands) {
    sub.configureOutput(outputTo(runtime)).exitOverride();
    inheritOutput(sub, runtime);
  }
}

/** Builds the `lifeboat` command tree; each noun registers its own verbs. */
export function buildProgram(runtime: CliRuntime = processRuntime()): Command {
  const program = rootCommand(runtime);
  registerVersion(program);
  registerInstall(program, runtime);
  registerBackup(program, runtime);
  registerRestore(program, runtime);
  registerBackupLocation(program, runtime);
  registerServerLazily(program, runtime);
  registerDev(program);
  registerRepo(program);
  inheritOutput(program, runtime);
  return program;
}

/**
 * `lifeboat server` loads the server (controllers, engines, storage SDKs) only when it runs: a stand-in
 * takes the command line and hands all of it to a tree holding the real command.
 */
function registerServerLazily(program: Command, runtime: CliRuntime): void {
  program
    .command('server')
    .description('run the Lifeboat server: controllers, metrics, health and download endpoints')
    .helpOption(false)
    .allowUnknownOption(true)
    .allowExcessArguments(true)
    .argument('[flags...]', 'see lifeboat server --help')
    .action(async () => {
      const { registerServer } = await import('./commands/server.ts');
      const real = rootCommand(runtime);
      registerServer(real, runtime);
      inheritOutput(real, runtime);
      // Commander keeps the arguments it parsed as `rawArgs` (untyped); the real tree parses the same line.
      const argv = (program as unknown as { rawArgs: string[] }).rawArgs;
      await real.parseAsync(argv, { from: 'user' });
    });
}

/**
 * Runs the CLI and turns failures into an exit code: user errors print one line without a stack and exit 2,
 * other Lifeboat errors exit 1 with their message, and anything unexpected is shown in full as a bug.
 */
export async function runCli(argv: string[], runtime: CliRuntime = processRuntime()): Promise<number> {
  const program = buildProgram(runtime);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CliExit) return err.exitCode;
    if (err instanceof CommanderError) {
      // Commander has already printed its message (or help); only the code is ours to decide.
      return err.exitCode === 0 ? 0 : 2;
    }
    if (isLifeboatError(err)) {
      runtime.stderr.write(`error: ${err.message}\n`);
      return (err as LifeboatError).code === 'Usage' ? 2 : 1;
    }
    runtime.stderr.write(
      `internal error (please report it): ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    return 1;
  }
}
