import { readFile } from 'node:fs/promises';
import { type Command, Option } from 'commander';
import { pino } from 'pino';
import { stringify } from 'yaml';
import { UsageError } from '../../core/errors.ts';
import type { InstallObject, InstallValuesInput } from '../../install/index.ts';

import type { StorageProvider } from '../../storage/factory.ts';
import { keyValueMap, positiveInt } from '../flags.ts';
import { type GlobalOptions, kubeconfigPath, serverNamespace } from '../kube/session.ts';
import type { CliRuntime } from '../runtime.ts';

export type InstallFlags = {
  provider?: string;
  bucket?: string;
  prefix?: string;
  config?: Record<string, string>;
  secretFile?: string;
  secret: boolean;
  defaultBackupLocation: boolean;
  crdsOnly?: boolean;
  labels?: Record<string, string>;
  dryRun?: boolean;
  output?: 'yaml' | 'json';
  timeout: number;
  backupLocationConfig?: Record<string, string>;
};

/** Providers whose location needs credentials unless `--no-secret` says the server finds its own. */
const PROVIDERS_WITH_SECRETS = ['aws', 'azure'];

export function registerInstall(program: Command, runtime: CliRuntime): void {
  program
    .command('install')
    .description(
      'install the Lifeboat resources into a cluster: namespace, CRDs, credentials Secret, default storage location',
    )
    .option('--provider <name>', 'storage provider of the default location: fs, aws or azure')
    .option('--bucket <name>', 'bucket of the default location (for fs: a directory under config root)')
    .option('--prefix <path>', 'prefix inside the bucket')
    .option(
      '--config <pairs>',
      'provider config of the default location (k=v,k2=v2; fs needs root=<dir>)',
      keyValueMap('--config'),
    )
    .option(
      '--backup-location-config <pairs>',
      "the same as --config (Velero's name)",
      keyValueMap('--backup-location-config'),
    )
    .option(
      '--secret-file <file>',
      'credentials file for the location, stored in the Secret cloud-credentials',
    )
    .option('--no-secret', 'create no credentials Secret (the server finds credentials itself)')
    .option('--no-default-backup-location', 'create no default backup storage location')
    .option('--crds-only', 'install only the CRDs')
    .option('--labels <pairs>', 'extra labels on every installed object (k=v,…)', keyValueMap('--labels'))
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

async function runInstall(flags: InstallFlags, command: Command, runtime: CliRuntime): Promise<void> {
  const globals = command.optsWithGlobals() as GlobalOptions;
  const namespace = serverNamespace(globals, runtime);
  const install = await import('../../install/index.ts');
  const values = install.parseInstallValues(await valuesFromFlags(flags, namespace));
  const objects = install.renderInstall(values);
  if (flags.dryRun) {
    printDryRun(runtime, flags.output, objects);
    return;
  }
  const { connect } = await import('../../kube/client.ts');
  const conn = connect(kubeconfigPath(globals, runtime), globals.kubeContext);
  const results = await install.applyInstall(conn, objects, {
    logger: pino({ level: 'silent' }),
    clock: runtime.clock,
    crdTimeoutMs: flags.timeout * 1000,
  });
  for (const r of results) runtime.stdout.write(`${r.kind}/${r.name}: ${r.action}\n`);
  runtime.stdout.write(
    flags.crdsOnly
      ? 'The Lifeboat CRDs are installed.\n'
      : `Lifeboat is installed in namespace ${namespace}. Start the server with \`lifeboat server -n ${namespace}\`.\n`,
  );
}

/** The install values the flags describe; contradictory or missing flags are usage errors. */
async function valuesFromFlags(flags: InstallFlags, namespace: string): Promise<InstallValuesInput> {
  const wantsLocation = flags.defaultBackupLocation && !flags.crdsOnly;
  if (wantsLocation && (!flags.provider || !flags.bucket))
    throw new UsageError(
      '--provider and --bucket are required, unless --no-default-backup-location or --crds-only',
    );
  const needsSecret = wantsLocation && PROVIDERS_WITH_SECRETS.includes(flags.provider ?? '');
  if (flags.secret && !flags.secretFile && needsSecret)
    throw new UsageError('--secret-file is required for this provider, unless --no-secret');
  if (flags.output && !flags.dryRun)
    throw new UsageError('-o/--output needs --dry-run (install prints what it would apply)');
  const credentials =
    flags.secret && flags.secretFile && !flags.crdsOnly ? await readSecretFile(flags.secretFile) : undefined;
  return {
    namespace,
    crdsOnly: flags.crdsOnly ?? false,
    labels: flags.labels,
    credentials,
    backupLocation: wantsLocation
      ? {
          provider: flags.provider as StorageProvider,
          bucket: flags.bucket ?? '',
          prefix: flags.prefix,
          config: { ...(flags.backupLocationConfig ?? {}), ...(flags.config ?? {}) },
        }
      : undefined,
  };
}

async function readSecretFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new UsageError(
      `--secret-file: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
    );
  }
}

/** `-o json`: one v1 List; `-o yaml`: a multi-document stream `kubectl apply -f` takes as it is. */
function printDryRun(
  runtime: CliRuntime,
  format: InstallFlags['output'],
  objects: readonly InstallObject[],
): void {
  if (format === 'json')
    runtime.stdout.write(`${JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }, null, 2)}\n`);
  else if (format === 'yaml') runtime.stdout.write(objects.map((o) => stringify(o)).join('---\n'));
  else for (const o of objects) runtime.stdout.write(`${o.kind}/${o.metadata.name}: would be applied\n`);
}
