import { type Command, Option } from 'commander';
import {
  API_VERSION,
  type Backup,
  LABELS,
  RESTORE_FINISHED_PHASES,
  type Restore,
  type RestoreInput,
} from '../../../api/index.ts';
import { LifeboatError, UsageError } from '../../../core/errors.ts';
import { readGunzipped, withDownloadUrl } from '../../download.ts';
import { CliExit } from '../../exit.ts';
import {
  csvList,
  keyValueMap,
  labelSelectorObject,
  namespaceMappings,
  optionalBool,
  orLabelSelectors,
  positiveInt,
} from '../../flags.ts';
import type { LifeboatClient } from '../../kube/lifeboat-client.ts';
import { openSession } from '../../kube/session.ts';
import { timestampedName } from '../../names.ts';
import { ProgressDisplay } from '../../output/progress.ts';
import { type OutputFormat, parseOutputFormat, printStructured } from '../../output/resources.ts';
import type { CliRuntime } from '../../runtime.ts';
import { checkResource } from '../../validate.ts';
import { statusLine, waitForResource } from '../../wait.ts';
import { restoreTable } from './table.ts';

export type RestoreCreateFlags = {
  fromBackup?: string;
  fromSchedule?: string;
  allowPartiallyFailed?: boolean;
  includeNamespaces?: string[];
  excludeNamespaces?: string[];
  includeResources?: string[];
  excludeResources?: string[];
  namespaceMappings?: Record<string, string>;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  existingResourcePolicy?: string;
  statusIncludeResources?: string[];
  statusExcludeResources?: string[];
  selector?: string;
  orSelector?: string;
  itemOperationTimeout?: string;
  restoreVolumes?: boolean;
  preserveNodeports?: boolean;
  includeClusterResources?: boolean;
  resourceModifierConfigmap?: string;
  writeSparseFiles?: boolean;
  parallelFilesDownload?: number;
  wait?: boolean;
  dryRun?: boolean;
  output?: OutputFormat;
};

export const RESTORE_FLAG_OF_FIELD: Readonly<Record<string, string>> = {
  'metadata.name': 'NAME',
  'metadata.labels': '--labels',
  'metadata.annotations': '--annotations',
  'spec.backupName': '--from-backup',
  'spec.scheduleName': '--from-schedule',
  'spec.includedNamespaces': '--include-namespaces',
  'spec.excludedNamespaces': '--exclude-namespaces',
  'spec.includedResources': '--include-resources',
  'spec.excludedResources': '--exclude-resources',
  'spec.namespaceMapping': '--namespace-mappings',
  'spec.existingResourcePolicy': '--existing-resource-policy',
  'spec.restoreStatus.includedResources': '--status-include-resources',
  'spec.restoreStatus.excludedResources': '--status-exclude-resources',
  'spec.labelSelector': '--selector',
  'spec.orLabelSelectors': '--or-selector',
  'spec.itemOperationTimeout': '--item-operation-timeout',
  'spec.includeClusterResources': '--include-cluster-resources',
  'spec.resourceModifier': '--resource-modifier-configmap',
};

/** The Restore the flags describe (not yet validated). */
export function buildRestore(name: string, flags: RestoreCreateFlags): RestoreInput {
  const restoreStatus =
    flags.statusIncludeResources || flags.statusExcludeResources
      ? { includedResources: flags.statusIncludeResources, excludedResources: flags.statusExcludeResources }
      : undefined;
  const uploaderConfig =
    flags.writeSparseFiles !== undefined || flags.parallelFilesDownload !== undefined
      ? { writeSparseFiles: flags.writeSparseFiles, parallelFilesDownload: flags.parallelFilesDownload }
      : undefined;
  const spec: Record<string, unknown> = {
    backupName: flags.fromBackup,
    scheduleName: flags.fromSchedule,
    includedNamespaces: flags.includeNamespaces,
    excludedNamespaces: flags.excludeNamespaces,
    includedResources: flags.includeResources,
    excludedResources: flags.excludeResources,
    namespaceMapping: flags.namespaceMappings,
    labelSelector:
      flags.selector === undefined ? undefined : labelSelectorObject('--selector', flags.selector),
    orLabelSelectors: flags.orSelector === undefined ? undefined : orLabelSelectors(flags.orSelector),
    restorePVs: flags.restoreVolumes,
    restoreStatus,
    preserveNodePorts: flags.preserveNodeports,
    includeClusterResources: flags.includeClusterResources,
    existingResourcePolicy: flags.existingResourcePolicy,
    itemOperationTimeout: flags.itemOperationTimeout,
    resourceModifier: flags.resourceModifierConfigmap
      ? { kind: 'ConfigMap', name: flags.resourceModifierConfigmap }
      : undefined,
    uploaderConfig,
    dryRun: flags.dryRun ? true : undefined,
  };
  return {
    apiVersion: API_VERSION,
    kind: 'Restore',
    metadata: {
      name,
      ...(flags.labels ? { labels: flags.labels } : {}),
      ...(flags.annotations ? { annotations: flags.annotations } : {}),
    },
    spec: Object.fromEntries(Object.entries(spec).filter(([, v]) => v !== undefined)),
  };
}

export function registerRestoreCreate(restore: Command, runtime: CliRuntime): void {
  restore
    .command('create')
    .argument('[NAME]', 'the restore name (default: <backup or schedule>-<timestamp>)')
    .description('create a restore')
    .option('--from-backup <name>', 'the backup to restore from')
    .option('--from-schedule <name>', 'restore from the latest completed backup of this schedule')
    .option('--allow-partially-failed', 'with --from-schedule: a PartiallyFailed backup may be the latest')
    .option('--include-namespaces <list>', 'namespaces to restore (globs allowed; default all)', csvList)
    .option('--exclude-namespaces <list>', 'namespaces not to restore', csvList)
    .option('--include-resources <list>', 'resources to restore', csvList)
    .option('--exclude-resources <list>', 'resources not to restore', csvList)
    .option(
      '--namespace-mappings <pairs>',
      'restore namespaces under other names: src1:dst1,src2:dst2',
      namespaceMappings,
    )
    .option('--labels <pairs>', 'labels on the restore (k=v,…)', keyValueMap('--labels'))
    .option('--annotations <pairs>', 'annotations on the restore (k=v,…)', keyValueMap('--annotations'))
    .option(
      '--existing-resource-policy <policy>',
      'existing objects that differ: none (skip with a warning) or update',
    )
    .option('--status-include-resources <list>', 'resources whose status is restored too', csvList)
    .option('--restore-status <list>', 'the same as --status-include-resources', csvList)
    .option('--status-exclude-resources <list>', 'resources whose status is never restored', csvList)
    .option('-l, --selector <selector>', 'only restore objects matching this label selector')
    .option('--or-selector <selectors>', 'restore objects matching any of these selectors ("a=b or c=d")')
    .option('--item-operation-timeout <duration>', 'how long asynchronous plugin operations may take')
    .option('--restore-volumes [bool]', 'restore volumes from snapshots', optionalBool('--restore-volumes'))
    .option(
      '--preserve-nodeports [bool]',
      "keep the services' node ports",
      optionalBool('--preserve-nodeports'),
    )
    .option(
      '--include-cluster-resources [bool]',
      'restore cluster-scoped resources (true/false; unset: only when all namespaces are restored)',
      optionalBool('--include-cluster-resources'),
    )
    .option('--resource-modifier-configmap <name>', 'a ConfigMap of resource modifier rules')
    .option(
      '--write-sparse-files [bool]',
      'write sparse files when restoring volumes',
      optionalBool('--write-sparse-files'),
    )
    .option(
      '--parallel-files-download <n>',
      'files restored in parallel per volume',
      positiveInt('--parallel-files-download'),
    )
    .option('-w, --wait', 'wait for the restore to finish, showing progress')
    .option(
      '--dry-run',
      'show per object what the restore would do (create, update, skip, conflict); change nothing',
    )
    .addOption(
      new Option(
        '-o, --output <format>',
        'print the restore (table|json|yaml) instead of creating it',
      ).argParser(parseOutputFormat),
    )
    .action(
      (
        nameArg: string | undefined,
        flags: RestoreCreateFlags & { restoreStatus?: string[] },
        command: Command,
      ) =>
        runRestoreCreate(
          nameArg,
          { ...flags, statusIncludeResources: flags.statusIncludeResources ?? flags.restoreStatus },
          command,
          runtime,
        ),
    );
}

async function runRestoreCreate(
  nameArg: string | undefined,
  flags: RestoreCreateFlags,
  command: Command,
  runtime: CliRuntime,
): Promise<void> {
  if (Boolean(flags.fromBackup) === Boolean(flags.fromSchedule))
    throw new UsageError('give exactly one of --from-backup and --from-schedule');
  if (flags.allowPartiallyFailed && !flags.fromSchedule)
    throw new UsageError('--allow-partially-failed goes with --from-schedule');
  const name = nameArg ?? timestampedName(flags.fromBackup ?? flags.fromSchedule ?? '', runtime.clock.now());
  let restore = checkResource('Restore', buildRestore(name, flags), RESTORE_FLAG_OF_FIELD);
  if (flags.output) {
    if (!printStructured(runtime.stdout, flags.output, [restore], true))
      runtime.stdout.write(restoreTable([restore]));
    return;
  }
  const { client } = await openSession(command, runtime);
  if (flags.fromBackup && !(await client.get('Backup', flags.fromBackup)))
    throw new LifeboatError(
      'NotFound',
      `backup "${flags.fromBackup}" not found in namespace ${client.namespace}`,
    );
  if (flags.fromSchedule && !(await client.get('Schedule', flags.fromSchedule)))
    throw new LifeboatError(
      'NotFound',
      `schedule "${flags.fromSchedule}" not found in namespace ${client.namespace}`,
    );
  if (flags.fromSchedule && flags.allowPartiallyFailed) {
    const backup = await latestBackupOfSchedule(client, flags.fromSchedule);
    restore = checkResource(
      'Restore',
      buildRestore(name, { ...flags, fromSchedule: undefined, fromBackup: backup }),
    );
  }
  await client.create('Restore', restore);
  if (flags.dryRun) return dryRun(client, name, runtime);
  runtime.stdout.write(`Restore request "${name}" submitted successfully.\n`);
  if (!flags.wait) {
    runtime.stdout.write(
      `Run \`lifeboat restore describe ${name}\` or \`lifeboat restore logs ${name}\` for more details.\n`,
    );
    return;
  }
  runtime.stdout.write(
    'Waiting for restore to complete. You may safely press ctrl-c to stop waiting - your restore will continue in the background.\n',
  );
  const done = await waitForRestore(client, name, runtime);
  const phase = done.status?.phase ?? 'Unknown';
  runtime.stdout.write(
    `Restore completed with status: ${phase}. You may check for more information using the commands \`lifeboat restore describe ${name}\` and \`lifeboat restore logs ${name}\`.\n`,
  );
  if (phase !== 'Completed') throw new CliExit(1);
}

/** The newest Completed or PartiallyFailed backup a schedule made (Velero's `--allow-partially-failed`). */
async function latestBackupOfSchedule(client: LifeboatClient, schedule: string): Promise<string> {
  const backups = await client.list('Backup', { labelSelector: `${LABELS.scheduleName}=${schedule}` });
  const usable = backups
    .filter((b: Backup) => b.status?.phase === 'Completed' || b.status?.phase === 'PartiallyFailed')
    .sort((a, b) => (b.status?.startTimestamp ?? '').localeCompare(a.status?.startTimestamp ?? ''));
  const name = usable[0]?.metadata.name;
  if (!name)
    throw new LifeboatError('NotFound', `schedule "${schedule}" has no Completed or PartiallyFailed backup`);
  return name;
}

/** Waits until the restore has finished, with the progress display on stderr. */
export function waitForRestore(client: LifeboatClient, name: string, runtime: CliRuntime): Promise<Restore> {
  return waitForResource(client, 'Restore', name, {
    clock: runtime.clock,
    display: new ProgressDisplay({ stream: runtime.stderr }),
    finished: (r) => (RESTORE_FINISHED_PHASES as readonly string[]).includes(r.status?.phase ?? ''),
    line: (r) =>
      statusLine(
        'Restore',
        name,
        r.status?.phase,
        r.status?.progress?.itemsRestored,
        r.status?.progress?.totalItems,
      ),
  });
}

/** `--dry-run`: wait for the server's verdict, then download the plan and print it. */
async function dryRun(client: LifeboatClient, name: string, runtime: CliRuntime): Promise<void> {
  const done = await waitForRestore(client, name, runtime);
  if (done.status?.phase !== 'Completed') {
    runtime.stdout.write(`Dry run of restore "${name}" ended ${done.status?.phase ?? 'without a result'}.\n`);
    for (const problem of [...(done.status?.validationErrors ?? []), done.status?.failureReason ?? ''].filter(
      Boolean,
    ))
      runtime.stdout.write(`  ${problem}\n`);
    throw new CliExit(1);
  }
  const bytes = await withDownloadUrl(
    client,
    { kind: 'RestoreDryRunPlan', name },
    { clock: runtime.clock },
    (url) => readGunzipped(url, `the dry-run plan of restore "${name}"`),
  );
  const { formatPlan } = await import('../../../restore/index.ts');
  runtime.stdout.write(formatPlan(JSON.parse(bytes.toString('utf8'))));
  runtime.stdout.write(
    `\nNothing was changed. The restore object "${name}" records the summary; delete it with \`lifeboat restore delete ${name}\`.\n`,
  );
}
