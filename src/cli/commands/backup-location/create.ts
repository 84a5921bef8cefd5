import { type Command, Option } from 'commander';
import { ACCESS_MODES, API_VERSION, type BackupStorageLocationInput } from '../../../api/index.ts';
import { keyValueMap } from '../../flags.ts';
import { openSession } from '../../kube/session.ts';
import { type OutputFormat, parseOutputFormat, printStructured } from '../../output/resources.ts';
import type { CliRuntime } from '../../runtime.ts';
import { checkResource } from '../../validate.ts';
import { caCertFlag, credentialFlag, LOCATION_FLAG_OF_FIELD } from './build.ts';
import { clearOtherDefaults } from './set.ts';
import { locationTable } from './table.ts';

export type LocationCreateFlags = {
  provider?: string;
  bucket?: string;
  prefix?: string;
  config?: Record<string, string>;
  default?: boolean;
  accessMode?: string;
  credential?: { name: string; key: string };
  cacert?: string;
  backupSyncPeriod?: string;
  validationFrequency?: string;
  labels?: Record<string, string>;
  output?: OutputFormat;
};

export function buildLocation(name: string, flags: LocationCreateFlags): BackupStorageLocationInput {
  const spec: Record<string, unknown> = {
    provider: flags.provider,
    objectStorage: {
      bucket: flags.bucket,
      ...(flags.prefix ? { prefix: flags.prefix } : {}),
      ...(flags.cacert ? { caCert: flags.cacert } : {}),
    },
    config: flags.config,
    credential: flags.credential,
    default: flags.default,
    accessMode: flags.accessMode,
    backupSyncPeriod: flags.backupSyncPeriod,
    validationFrequency: flags.validationFrequency,
  };
  return {
    apiVersion: API_VERSION,
    kind: 'BackupStorageLocation',
    metadata: { name, ...(flags.labels ? { labels: flags.labels } : {}) },
    spec: Object.fromEntries(Object.entries(spec).filter(([, v]) => v !== undefined)) as never,
  };
}

export function registerLocationCreate(parent: Command, runtime: CliRuntime): void {
  parent
    .command('create')
    .argument('<NAME>', 'the location name')
    .description('create a backup storage location')
    .option('--provider <name>', 'storage provider: fs, aws or azure')
    .option('--bucket <name>', 'the bucket (for fs: a directory under config root)')
    .option('--prefix <path>', 'prefix inside the bucket')
    .option('--config <pairs>', 'provider config (k=v,k2=v2; fs needs root=<dir>)', keyValueMap('--config'))
    .option('--default', 'make this the default location (the others stop being default)')
    .addOption(new Option('--access-mode <mode>', 'ReadWrite or ReadOnly').choices([...ACCESS_MODES]))
    .option('--credential <secret=key>', 'the Secret key holding this location’s credentials', credentialFlag)
    .option('--cacert <file>', 'a PEM CA bundle for TLS to the storage service', caCertFlag)
    .option(
      '--backup-sync-period <duration>',
      'how often backups in storage are synced into the cluster (0: never)',
    )
    .option('--validation-frequency <duration>', 'how often the location is checked (0: never)')
    .option('--labels <pairs>', 'labels on the location (k=v,…)', keyValueMap('--labels'))
    .addOption(
      new Option(
        '-o, --output <format>',
        'print the location (table|json|yaml) instead of creating it',
      ).argParser(parseOutputFormat),
    )
    .action(async (name: string, flags: LocationCreateFlags, command: Command) => {
      const location = checkResource(
        'BackupStorageLocation',
        buildLocation(name, flags),
        LOCATION_FLAG_OF_FIELD,
      );
      if (flags.output) {
        if (!printStructured(runtime.stdout, flags.output, [location], true))
          runtime.stdout.write(locationTable([location]));
        return;
      }
      const { client } = await openSession(command, runtime);
      await client.create('BackupStorageLocation', location);
      if (flags.default) await clearOtherDefaults(client, name);
      runtime.stdout.write(`Backup storage location "${name}" configured successfully.\n`);
    });
}
