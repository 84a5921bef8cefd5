import { readFile } from 'node:fs/promises';
import { type Command, Option } from 'commander';
import { parse } from 'yaml';
import { UsageError } from '../../core/errors.ts';
import type { InstallValuesInput } from '../../install/index.ts';
import type { StorageProvider } from '../../storage/factory.ts';
import { keyValueMap } from '../flags.ts';
import type { GlobalOptions } from '../kube/session.ts';
import type { CliRuntime } from '../runtime.ts';

/** The flags install and upgrade share: each overrides the same setting of the values file. */
export type ValuesFlags = {
  values?: string;
  provider?: string;
  bucket?: string;
  prefix?: string;
  config?: Record<string, string>;
  backupLocationConfig?: Record<string, string>;
  secretFile?: string;
  secret: boolean;
  defaultBackupLocation: boolean;
  crdsOnly?: boolean;
  labels?: Record<string, string>;
  lifeboatVersion?: string;
  image?: string;
  useNodeAgent?: boolean;
  snapshotLocationProvider?: string;
  logLevel?: string;
};

/** Providers whose location needs credentials unless `--no-secret` says the server finds its own. */
const PROVIDERS_WITH_SECRETS = ['aws', 'azure'];

/** Adds the values flags to `install` or `upgrade`. */
export function addValuesFlags(command: Command): Command {
  return command
    .option('--values <file>', 'YAML values file with every setting (flags override it); see docs/install.md')
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
    .option('--lifeboat-version <version>', 'the Lifeboat version to run (the image tag follows it)')
    .option('--image <ref>', 'the image (repository[:tag]) of the server and node agent')
    .option('--use-node-agent', 'run the node agent (file-system backup of pod volumes) on every node')
    .option(
      '--snapshot-location-provider <name>',
      'create a default VolumeSnapshotLocation with this provider (csi)',
    )
    .addOption(
      new Option('--log-level <level>', 'the server’s log level').choices([
        'trace',
        'debug',
        'info',
        'warn',
        'error',
      ]),
    );
}

type Mutable = Record<string, unknown>;

/**
 * The install values: the values file (when given), with every flag that was set laid over it. The namespace
 * is `-n` when given, else the file's, else LIFEBOAT_NAMESPACE or `lifeboat`.
 */
export async function valuesFromFlags(
  flags: ValuesFlags,
  globals: GlobalOptions,
  runtime: CliRuntime,
): Promise<InstallValuesInput> {
  const file = flags.values ? await readValuesFile(flags.values) : {};
  const values: Mutable = { ...file };
  values.namespace =
    globals.namespace ||
    (file.namespace as string | undefined) ||
    runtime.env.LIFEBOAT_NAMESPACE ||
    'lifeboat';
  overlaySettings(values, file, flags);
  const crdsOnly = values.crdsOnly === true;
  values.backupLocation = !flags.defaultBackupLocation || crdsOnly ? undefined : locationOf(file, flags);
  await settleCredentials(values, file, flags, crdsOnly);
  return values as InstallValuesInput;
}

function overlaySettings(values: Mutable, file: Mutable, flags: ValuesFlags): void {
  if (flags.crdsOnly) values.crdsOnly = true;
  if (flags.labels) values.labels = { ...(file.labels as Mutable | undefined), ...flags.labels };
  if (flags.lifeboatVersion) values.version = flags.lifeboatVersion;
  if (flags.image) {
    const at = flags.image.lastIndexOf(':');
    const hasTag = at > flags.image.lastIndexOf('/');
    values.image = {
      ...(file.image as Mutable | undefined),
      repository: hasTag ? flags.image.slice(0, at) : flags.image,
      ...(hasTag ? { tag: flags.image.slice(at + 1) } : {}),
    };
  }
  if (flags.useNodeAgent) values.nodeAgent = { ...(file.nodeAgent as Mutable | undefined), enabled: true };
  if (flags.logLevel) values.server = { ...(file.server as Mutable | undefined), logLevel: flags.logLevel };
  if (flags.snapshotLocationProvider)
    values.snapshotLocation = {
      ...(file.snapshotLocation as Mutable | undefined),
      provider: flags.snapshotLocationProvider,
    };
}

function locationOf(file: Mutable, flags: ValuesFlags): Mutable {
  const fileLocation = file.backupLocation as Mutable | undefined;
  const flagConfig = { ...(flags.backupLocationConfig ?? {}), ...(flags.config ?? {}) };
  const location: Mutable = { ...fileLocation };
  if (flags.provider) location.provider = flags.provider as StorageProvider;
  if (flags.bucket) location.bucket = flags.bucket;
  if (flags.prefix) location.prefix = flags.prefix;
  if (Object.keys(flagConfig).length > 0)
    location.config = { ...(fileLocation?.config as Mutable | undefined), ...flagConfig };
  if (!location.provider || !location.bucket)
    throw new UsageError(
      '--provider and --bucket (or backupLocation in --values) are required, unless --no-default-backup-location or --crds-only',
    );
  return location;
}

async function settleCredentials(
  values: Mutable,
  file: Mutable,
  flags: ValuesFlags,
  crdsOnly: boolean,
): Promise<void> {
  if (!flags.secret || crdsOnly) {
    values.credentials = undefined;
    values.credentialsFile = undefined;
  } else {
    const path = flags.secretFile ?? (file.credentialsFile as string | undefined);
    if (path) values.credentials = await readSecretFile(path);
    values.credentialsFile = undefined;
    const provider = (values.backupLocation as Mutable | undefined)?.provider as string | undefined;
    if (values.credentials === undefined && provider && PROVIDERS_WITH_SECRETS.includes(provider))
      throw new UsageError(
        '--secret-file (or credentialsFile in --values) is required for this provider, unless --no-secret',
      );
  }
}

async function readValuesFile(path: string): Promise<Mutable> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new UsageError(`--values: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  let parsed: unknown;
  try {
    parsed = parse(text);
  } catch (err) {
    throw new UsageError(`--values: ${path} is not YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed))
    throw new UsageError(`--values: ${path} must hold a mapping of settings`);
  return parsed as Mutable;
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
