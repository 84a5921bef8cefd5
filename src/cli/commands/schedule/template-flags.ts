import { Command, type Option } from 'commander';
import type { CliRuntime } from '../../runtime.ts';
import { BACKUP_FLAG_OF_FIELD, registerBackupCreate } from '../backup/create.ts';

/** `backup create` flags that do not describe a backup template (or that `schedule create` redefines). */
const NOT_TEMPLATE_FLAGS = new Set([
  '--from-schedule',
  '--wait',
  '--dry-run',
  '--output',
  '--labels',
  '--annotations',
]);

/**
 * The options of `backup create` that describe the backup (namespaces, resources, selectors, ttl, location,
 * volumes…), taken from that command itself so `schedule create` accepts exactly the same template flags
 * and parses them the same way.
 */
export function backupTemplateOptions(runtime: CliRuntime): Option[] {
  const scratch = new Command();
  registerBackupCreate(scratch, runtime);
  const create = scratch.commands.find((c) => c.name() === 'create');
  return (create?.options ?? []).filter((o) => !NOT_TEMPLATE_FLAGS.has(o.long ?? ''));
}

/** Which flag sets which Schedule field, for validation messages. */
export const SCHEDULE_FLAG_OF_FIELD: Readonly<Record<string, string>> = {
  ...Object.fromEntries(
    Object.entries(BACKUP_FLAG_OF_FIELD)
      .filter(([field]) => field.startsWith('spec.'))
      .map(([field, flag]) => [`spec.template.${field.slice('spec.'.length)}`, flag]),
  ),
  'metadata.name': 'NAME',
  'metadata.labels': '--labels',
  'metadata.annotations': '--annotations',
  'spec.template.metadata.labels': '--labels',
  'spec.schedule': '--schedule',
  'spec.timezone': '--timezone',
  'spec.keep': '--keep-*',
  'spec.copyTo': '--copy-to',
  'spec.notifications': '--webhook',
};
