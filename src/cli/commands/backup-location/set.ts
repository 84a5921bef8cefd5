import type { Command } from 'commander';
import { LifeboatError, UsageError } from '../../../core/errors.ts';
import { optionalBool } from '../../flags.ts';
import type { LifeboatClient } from '../../kube/lifeboat-client.ts';
import { openSession } from '../../kube/session.ts';
import type { CliRuntime } from '../../runtime.ts';
import { checkResource } from '../../validate.ts';
import { caCertFlag, credentialFlag, LOCATION_FLAG_OF_FIELD } from './build.ts';

/** Makes `keep` the only default location: every other one loses its `default` flag. */
export async function clearOtherDefaults(client: LifeboatClient, keep: string): Promise<string[]> {
  const cleared: string[] = [];
  for (const location of await client.list('BackupStorageLocation'))
    if (location.metadata.name !== keep && location.spec.default) {
      await client.patch('BackupStorageLocation', location.metadata.name ?? '', { spec: { default: false } });
      cleared.push(location.metadata.name ?? '');
    }
  return cleared;
}

type SetFlags = { default?: boolean; credential?: { name: string; key: string }; cacert?: string };

export function registerLocationSet(parent: Command, runtime: CliRuntime): void {
  parent
    .command('set')
    .argument('<NAME>', 'the location')
    .description('change a backup storage location: default, credential, CA bundle')
    .option(
      '--default [bool]',
      'make it the default location (or, with false, not)',
      optionalBool('--default'),
    )
    .option('--credential <secret=key>', 'the Secret key holding its credentials', credentialFlag)
    .option('--cacert <file>', 'a PEM CA bundle for TLS to the storage service', caCertFlag)
    .action(async (name: string, flags: SetFlags, command: Command) => {
      if (flags.default === undefined && !flags.credential && !flags.cacert)
        throw new UsageError('nothing to set: give --default, --credential or --cacert');
      const { client } = await openSession(command, runtime);
      const location = await client.get('BackupStorageLocation', name);
      if (!location)
        throw new LifeboatError(
          'NotFound',
          `backup storage location "${name}" not found in namespace ${client.namespace}`,
        );
      const spec: Record<string, unknown> = {};
      if (flags.default !== undefined) spec.default = flags.default;
      if (flags.credential) spec.credential = flags.credential;
      if (flags.cacert) spec.objectStorage = { caCert: flags.cacert };
      const changed = {
        ...location,
        spec: {
          ...location.spec,
          ...spec,
          objectStorage: { ...location.spec.objectStorage, ...(spec.objectStorage as object) },
        },
      };
      checkResource('BackupStorageLocation', changed, LOCATION_FLAG_OF_FIELD);
      await client.patch('BackupStorageLocation', name, { spec });
      if (flags.default) await clearOtherDefaults(client, name);
      runtime.stdout.write(`Backup storage location "${name}" configured successfully.\n`);
    });
}
