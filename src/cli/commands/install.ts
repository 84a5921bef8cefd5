import { type Command, Option } from 'commander';
import { pino } from 'pino';
import { stringify } from 'yaml';
import { UsageError } from '../../core/errors.ts';
import type { InstallObject, InstallValues } from '../../install/index.ts';
import type { KubeConnection } from '../../kube/client.ts';
import { positiveInt } from '../flags.ts';
import { type GlobalOptions, kubeconfigPath } from '../kube/session.ts';
import type { CliRuntime } from '../runtime.ts';
import { addValuesFlags, type ValuesFlags, valuesFromFlags } from './install-values.ts';

export type InstallFlags = ValuesFlags & {
  dryRun?: boolean;
  output?: 'yaml' | 'json';
  timeout: number;
};

export function registerInstall(program: Command, runtime: CliRuntime): void {
  addValuesFlags(
    program
      .command('install')
      .description(
        'install Lifeboat into a cluster: CRDs, namespace, RBAC, Secrets, the server Deployment, the node agent, default locations',
      ),
  )
    .option('--dry-run', 'print what would be applied (with -o) and change nothing')
    .addOption(new Option('-o, --output <format>', 'with --dry-run: yaml or json').choices(['yaml', 'json']))
    .option(
      '--timeout <seconds>',
      'how long to wait for the CRDs to be Established',
      positiveInt('--timeout'),
      60,
    )
    .action((flags: InstallFlags, command: Command) => runInstall(flags, command, runtime));
}

/** Parses the values of `install`/`upgrade`; shared so both read files and flags the same way. */
export async function installValuesOf(
  flags: ValuesFlags,
  command: Command,
  runtime: CliRuntime,
): Promise<InstallValues> {
  const globals = command.optsWithGlobals() as GlobalOptions;
  const install = await import('../../install/index.ts');
  return install.parseInstallValues(await valuesFromFlags(flags, globals, runtime));
}

/** Connects with the global flags. */
export async function connectFor(command: Command, runtime: CliRuntime): Promise<KubeConnection> {
  const globals = command.optsWithGlobals() as GlobalOptions;
  const { connect } = await import('../../kube/client.ts');
  return connect(kubeconfigPath(globals, runtime), globals.kubeContext);
}

/**
 * The values with the repository password settled: the values' own, else the one in the cluster (an upgrade
 * keeps it), else a fresh random one.
 */
export async function withRepositoryPassword(
  conn: KubeConnection,
  values: InstallValues,
): Promise<InstallValues> {
  if (values.crdsOnly || values.repositoryPassword !== undefined) return values;
  const { repositoryPasswordFor } = await import('../../install/inventory.ts');
  return { ...values, repositoryPassword: await repositoryPasswordFor(conn, values.namespace) };
}

async function runInstall(flags: InstallFlags, command: Command, runtime: CliRuntime): Promise<void> {
  if (flags.output && !flags.dryRun)
    throw new UsageError('-o/--output needs --dry-run (install prints what it would apply)');
  const values = await installValuesOf(flags, command, runtime);
  const install = await import('../../install/index.ts');
  if (flags.dryRun) {
    printDryRun(runtime, flags.output, install.renderInstall(values));
    if (!values.crdsOnly && values.repositoryPassword === undefined)
      runtime.stderr.write(
        'note: no repositoryPassword in the values: install keeps the cluster’s lifeboat-repo-credentials Secret or creates one with a random password; it is not printed.\n',
      );
    return;
  }
  const conn = await connectFor(command, runtime);
  const objects = install.renderInstall(await withRepositoryPassword(conn, values));
  const results = await install.applyInstall(conn, objects, {
    logger: pino({ level: 'silent' }),
    clock: runtime.clock,
    crdTimeoutMs: flags.timeout * 1000,
  });
  for (const r of results) runtime.stdout.write(`${r.kind}/${r.name}: ${r.action}\n`);
  runtime.stdout.write(
    values.crdsOnly
      ? 'The Lifeboat CRDs are installed.\n'
      : `Lifeboat ${values.version} is installed in namespace ${values.namespace}.\n`,
  );
}

/** `-o json`: one v1 List; `-o yaml`: a multi-document stream `kubectl apply -f` takes as it is. */
export function printDryRun(
  runtime: CliRuntime,
  format: InstallFlags['output'],
  objects: readonly InstallObject[],
): void {
  if (format === 'json')
    runtime.stdout.write(`${JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }, null, 2)}\n`);
  else if (format === 'yaml') runtime.stdout.write(objects.map((o) => stringify(o)).join('---\n'));
  else for (const o of objects) runtime.stdout.write(`${o.kind}/${o.metadata.name}: would be applied\n`);
}
