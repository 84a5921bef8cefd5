import { homedir } from 'node:os';
import { Command, CommanderError } from 'commander';
import { systemClock } from '../core/clock.ts';
import { isLifeboatError, type LifeboatError } from '../core/errors.ts';
import { LIFEBOAT_VERSION } from '../core/version.ts';
import { registerVersion } from './commands/version.ts';
import { CliExit } from './exit.ts';
import { INTERRUPTED_EXIT_CODE } from './interrupt.ts';
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

type Register = (program: Command, runtime: CliRuntime) => void;

/**
 * The nouns and where each is defined. A command line names one noun, and only that noun's modules load:
 * the API schemas, YAML and the Kubernetes client cost ~0.3 CPU-s at start-up that `repo` commands (and the
 * benchmarks timing them against restic) should not pay.
 */
const NOUNS: Record<string, (argv: readonly string[]) => Promise<Register>> = {
  install: async () => (await import('./commands/install.ts')).registerInstall,
  upgrade: async () => (await import('./commands/upgrade.ts')).registerUpgrade,
  uninstall: async () => (await import('./commands/uninstall.ts')).registerUninstall,
  debug: async () => (await import('./commands/debug/index.ts')).registerDebug,
  backup: async () => (await import('./commands/backup/index.ts')).registerBackup,
  restore: async () => (await import('./commands/restore/index.ts')).registerRestore,
  schedule: async () => (await import('./commands/schedule/index.ts')).registerSchedule,
  'backup-location': async () => (await import('./commands/backup-location/index.ts')).registerBackupLocation,
  dev: async () => {
    const { registerDev } = await import('./commands/dev/index.ts');
    return (program) => registerDev(program);
  },
  'node-agent': async () => (await import('./commands/node-agent.ts')).registerNodeAgent,
  repo: async (argv) => {
    const { loadRepoVerbs, registerRepo } = await import('./commands/repo/index.ts');
    const verbs = await loadRepoVerbs(argv);
    return (program) => registerRepo(program, verbs);
  },
};

/** Global options that take a value, so the noun can be found after them. */
const GLOBAL_OPTIONS_WITH_VALUE = new Set(['--kubeconfig', '--kube-context', '-n', '--namespace']);

/** The noun a command line names, or undefined (help, version, or a typo: then every noun is registered). */
export function nounOf(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (GLOBAL_OPTIONS_WITH_VALUE.has(arg)) {
      i++;
      continue;
    }
    if (arg.startsWith('-')) continue;
    return arg === 'server' || Object.hasOwn(NOUNS, arg) ? arg : undefined;
  }
  return undefined;
}

/** Builds the `lifeboat` command tree for `argv`: the noun it names, or every noun when it names none. */
export async function buildProgram(
  argv: readonly string[],
  runtime: CliRuntime = processRuntime(),
): Promise<Command> {
  const program = rootCommand(runtime);
  registerVersion(program, runtime);
  const noun = nounOf(argv);
  const order = [
    'install',
    'upgrade',
    'uninstall',
    'debug',
    'backup',
    'restore',
    'schedule',
    'backup-location',
    'server',
    'dev',
    'repo',
    'node-agent',
  ];
  for (const name of order) {
    if (noun !== undefined && name !== noun) continue;
    if (name === 'server') registerServerLazily(program, runtime);
    else (await NOUNS[name](argv))(program, runtime);
  }
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
  const program = await buildProgram(argv, runtime);
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
      const { code } = err as LifeboatError;
      // Only an interrupt cancels a CLI command (see interrupt.ts).
      if (code === 'Canceled') return INTERRUPTED_EXIT_CODE;
      return code === 'Usage' ? 2 : 1;
    }
    runtime.stderr.write(
      `internal error (please report it): ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    return 1;
  }
}
