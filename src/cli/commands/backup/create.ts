import { type Command, Option } from 'commander';
import {
  API_VERSION,
  BACKUP_FINISHED_PHASES,
  type Backup,
  type BackupInput,
  LABELS,
} from '../../../api/index.ts';
import { LifeboatError, UsageError } from '../../../core/errors.ts';
import { CliExit } from '../../exit.ts';
import {
  csvList,
  keyValueMap,
  labelSelectorObject,
  optionalBool,
  orderedResources,
  orLabelSelectors,
  positiveInt,
} from '../../flags.ts';
import { openSession, type Session } from '../../kube/session.ts';
import { timestampedName } from '../../names.ts';
import { renderColumns } from '../../output/columns.ts';
import { ProgressDisplay } from '../../output/progress.ts';
import { type OutputFormat, parseOutputFormat, printStructured } from '../../output/resources.ts';
import type { CliRuntime } from '../../runtime.ts';
import { checkResource } from '../../validate.ts';
import { statusLine, waitForResource } from '../../wait.ts';
import { backupTable } from './table.ts';

export type BackupCreateFlags = {
  includeNamespaces?: string[];
  excludeNamespaces?: string[];
  includeResources?: string[];
  excludeResources?: string[];
  includeClusterScopedResources?: string[];
  excludeClusterScopedResources?: string[];
  includeNamespaceScopedResources?: string[];
  excludeNamespaceScopedResources?: string[];
  includeClusterResources?: boolean;
  selector?: string;
  orSelector?: string;
  ttl?: string;
  storageLocation?: string;
  volumeSnapshotLocations?: string[];
  orderedResources?: Record<string, string>;
  csiSnapshotTimeout?: string;
  itemOperationTimeout?: string;
  snapshotVolumes?: boolean;
  snapshotMoveData?: boolean;
  defaultVolumesToFsBackup?: boolean;
  resourcePoliciesConfigmap?: string;
  dataMover?: string;
  parallelFilesUpload?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  fromSchedule?: string;
  wait?: boolean;
  dryRun?: boolean;
  output?: OutputFormat;
};

/** Which flag sets which field, so validation errors can name both. */
export const BACKUP_FLAG_OF_FIELD: Readonly<Record<string, string>> = {
  'metadata.name': 'NAME',
  'metadata.labels': '--labels',
  'metadata.annotations': '--annotations',
  'spec.includedNamespaces': '--include-namespaces',
  'spec.excludedNamespaces': '--exclude-namespaces',
  'spec.includedResources': '--include-resources',
  'spec.excludedResources': '--exclude-resources',
  'spec.includedClusterScopedResources': '--include-cluster-scoped-resources',
  'spec.excludedClusterScopedResources': '--exclude-cluster-scoped-resources',
  'spec.includedNamespaceScopedResources': '--include-namespace-scoped-resources',
  'spec.excludedNamespaceScopedResources': '--exclude-namespace-scoped-resources',
  'spec.includeClusterResources': '--include-cluster-resources',
  'spec.labelSelector': '--selector',
  'spec.orLabelSelectors': '--or-selector',
  'spec.ttl': '--ttl',
  'spec.storageLocation': '--storage-location',
  'spec.volumeSnapshotLocations': '--volume-snapshot-locations',
  'spec.orderedResources': '--ordered-resources',
  'spec.csiSnapshotTimeout': '--csi-snapshot-timeout',
  'spec.itemOperationTimeout': '--item-operation-timeout',
  'spec.resourcePolicy': '--resource-policies-configmap',
};

/**
 * The Backup the flags describe (not yet validated). With `--from-schedule`, `template` is the schedule's
 * backup template; flags given on the command line are not merged into it (as Velero).
 */
export function buildBackup(name: string, flags: BackupCreateFlags, template?: Backup['spec']): BackupInput {
  const spec: Record<string, unknown> = template
    ? structuredClone(template)
    : {
        includedNamespaces: flags.includeNamespaces,
        excludedNamespaces: flags.excludeNamespaces,
        includedResources: flags.includeResources,
        excludedResources: flags.excludeResources,
        includedClusterScopedResources: flags.includeClusterScopedResources,
        excludedClusterScopedResources: flags.excludeClusterScopedResources,
        includedNamespaceScopedResources: flags.includeNamespaceScopedResources,
        excludedNamespaceScopedResources: flags.excludeNamespaceScopedResources,
        includeClusterResources: flags.includeClusterResources,
        labelSelector:
          flags.selector === undefined ? undefined : labelSelectorObject('--selector', flags.selector),
        orLabelSelectors: flags.orSelector === undefined ? undefined : orLabelSelectors(flags.orSelector),
        ttl: flags.ttl,
        storageLocation: flags.storageLocation,
        volumeSnapshotLocations: flags.volumeSnapshotLocations,
        orderedResources: flags.orderedResources,
        csiSnapshotTimeout: flags.csiSnapshotTimeout,
        itemOperationTimeout: flags.itemOperationTimeout,
        snapshotVolumes: flags.snapshotVolumes,
        snapshotMoveData: flags.snapshotMoveData,
        defaultVolumesToFsBackup: flags.defaultVolumesToFsBackup,
        resourcePolicy: flags.resourcePoliciesConfigmap
          ? { kind: 'configmap', name: flags.resourcePoliciesConfigmap }
          : undefined,
        datamover: flags.dataMover,
        uploaderConfig:
          flags.parallelFilesUpload === undefined
            ? undefined
            : { parallelFilesUpload: flags.parallelFilesUpload },
      };
  if (flags.dryRun) spec.dryRun = true;
  if (template) delete spec.metadata;
  const labels = { ...(template?.metadata?.labels ?? {}), ...(flags.labels ?? {}) };
  if (flags.fromSchedule) labels[LABELS.scheduleName] = flags.fromSchedule;
  return {
    apiVersion: API_VERSION,
    kind: 'Backup',
    metadata: {
      name,
      ...(Object.keys(labels).length > 0 ? { labels } : {}),
      ...(flags.annotations ? { annotations: flags.annotations } : {}),
    },
    spec: Object.fromEntries(Object.entries(spec).filter(([, v]) => v !== undefined)),
  };
}

export function registerBackupCreate(backup: Command, runtime: CliRuntime): void {
  backup
    .command('create')
    .argument('[NAME]', 'the backup name (default with --from-schedule: <schedule>-<timestamp>)')
    .description('create a backup')
    .option('--include-namespaces <list>', 'namespaces to include (globs allowed; default all)', csvList)
    .option('--exclude-namespaces <list>', 'namespaces to exclude', csvList)
    .option(
      '--include-resources <list>',
      'resources to include (plural, kind, short name or resource.group)',
      csvList,
    )
    .option('--exclude-resources <list>', 'resources to exclude', csvList)
    .option(
      '--include-cluster-scoped-resources <list>',
      'cluster-scoped resources to include (* for all)',
      csvList,
    )
    .option('--exclude-cluster-scoped-resources <list>', 'cluster-scoped resources to exclude', csvList)
    .option('--include-namespace-scoped-resources <list>', 'namespace-scoped resources to include', csvList)
    .option('--exclude-namespace-scoped-resources <list>', 'namespace-scoped resources to exclude', csvList)
    .option(
      '--include-cluster-resources [bool]',
      'include cluster-scoped resources (true/false; unset: only when all namespaces are backed up)',
      optionalBool('--include-cluster-resources'),
    )
    .option('-l, --selector <selector>', 'only back up objects matching this label selector')
    .option('--or-selector <selectors>', 'back up objects matching any of these selectors ("a=b or c=d")')
    .option('--ttl <duration>', 'how long to keep the backup (default 720h0m0s)')
    .option('--storage-location <name>', 'the backup storage location (default: the default location)')
    .option('--volume-snapshot-locations <list>', 'volume snapshot locations', csvList)
    .option(
      '--ordered-resources <mapping>',
      'order of named objects: pods=ns1/p1,ns1/p2;persistentvolumeclaims=ns1/c',
      orderedResources,
    )
    .option('--csi-snapshot-timeout <duration>', 'how long to wait for CSI snapshots')
    .option('--item-operation-timeout <duration>', 'how long asynchronous plugin operations may take')
    .option('--snapshot-volumes [bool]', 'snapshot persistent volumes', optionalBool('--snapshot-volumes'))
    .option(
      '--snapshot-move-data [bool]',
      'move snapshot data into the storage location',
      optionalBool('--snapshot-move-data'),
    )
    .option(
      '--default-volumes-to-fs-backup [bool]',
      'back up all pod volumes by file-system backup',
      optionalBool('--default-volumes-to-fs-backup'),
    )
    .option('--resource-policies-configmap <name>', 'a ConfigMap of resource policies')
    .option('--data-mover <name>', 'the data mover for snapshot data')
    .option(
      '--parallel-files-upload <n>',
      'files uploaded in parallel per volume',
      positiveInt('--parallel-files-upload'),
    )
    .option('--labels <pairs>', 'labels on the backup (k=v,k2=v2)', keyValueMap('--labels'))
    .option('--annotations <pairs>', 'annotations on the backup (k=v,k2=v2)', keyValueMap('--annotations'))
    .option('--from-schedule <name>', "create a backup from a schedule's template")
    .option('-w, --wait', 'wait for the backup to finish, showing progress')
    .option(
      '--dry-run',
      'list what would be backed up (counts by resource and namespace); nothing is written',
    )
    .addOption(
      new Option(
        '-o, --output <format>',
        'print the backup (table|json|yaml) instead of creating it',
      ).argParser(parseOutputFormat),
    )
    .action((nameArg: string | undefined, flags: BackupCreateFlags, command: Command) =>
      runBackupCreate(nameArg, flags, command, runtime),
    );
}

async function runBackupCreate(
  nameArg: string | undefined,
  flags: BackupCreateFlags,
  command: Command,
  runtime: CliRuntime,
): Promise<void> {
  // Flags are checked before the cluster is contacted; a schedule's template needs the cluster first.
  if (!flags.fromSchedule) {
    if (!nameArg)
      throw new UsageError(
        'a backup name is required (lifeboat backup create NAME), unless --from-schedule is given',
      );
    const backup = checkResource('Backup', buildBackup(nameArg, flags), BACKUP_FLAG_OF_FIELD);
    if (flags.output) return printBackup(runtime, flags.output, backup);
  }
  const session = await openSession(command, runtime);
  const template = flags.fromSchedule ? await scheduleTemplate(session, flags.fromSchedule) : undefined;
  const name = nameArg ?? timestampedName(flags.fromSchedule ?? '', runtime.clock.now());
  const backup = checkResource('Backup', buildBackup(name, flags, template), BACKUP_FLAG_OF_FIELD);
  if (flags.output) return printBackup(runtime, flags.output, backup);
  // As Velero: a location that does not exist is reported now rather than as FailedValidation later.
  const location = backup.spec.storageLocation;
  if (location && !(await session.client.get('BackupStorageLocation', location)))
    throw new LifeboatError(
      'NotFound',
      `backup storage location "${location}" not found in namespace ${session.namespace}`,
    );
  await session.client.create('Backup', backup);
  if (flags.dryRun) {
    const done = await waitForBackup(session.client, name, runtime);
    printDryRun(runtime, done);
    if (done.status?.phase !== 'Completed') throw new CliExit(1);
    return;
  }
  runtime.stdout.write(`Backup request "${name}" submitted successfully.\n`);
  if (!flags.wait) {
    runtime.stdout.write(
      `Run \`lifeboat backup describe ${name}\` or \`lifeboat backup logs ${name}\` for more details.\n`,
    );
    return;
  }
  runtime.stdout.write(
    'Waiting for backup to complete. You may safely press ctrl-c to stop waiting - your backup will continue in the background.\n',
  );
  const done = await waitForBackup(session.client, name, runtime);
  const phase = done.status?.phase ?? 'Unknown';
  runtime.stdout.write(
    `Backup completed with status: ${phase}. You may check for more information using the commands \`lifeboat backup describe ${name}\` and \`lifeboat backup logs ${name}\`.\n`,
  );
  if (phase !== 'Completed') throw new CliExit(1);
}

async function scheduleTemplate(session: Session, schedule: string): Promise<Backup['spec']> {
  const found = await session.client.get('Schedule', schedule);
  if (!found)
    throw new LifeboatError('NotFound', `schedule "${schedule}" not found in namespace ${session.namespace}`);
  return found.spec.template as Backup['spec'];
}

/** `-o` on create: the backup as it would be sent, not sent (as Velero). */
function printBackup(runtime: CliRuntime, format: OutputFormat, backup: Backup): void {
  if (!printStructured(runtime.stdout, format, [backup], true))
    runtime.stdout.write(backupTable([backup], runtime.clock.now()));
}

/** Waits until the backup has finished, with the progress display on stderr. */
export function waitForBackup(client: Session['client'], name: string, runtime: CliRuntime): Promise<Backup> {
  return waitForResource(client, 'Backup', name, {
    clock: runtime.clock,
    display: new ProgressDisplay({ stream: runtime.stderr }),
    finished: (b) => (BACKUP_FINISHED_PHASES as readonly string[]).includes(b.status?.phase ?? ''),
    line: (b) =>
      statusLine(
        'Backup',
        name,
        b.status?.phase,
        b.status?.progress?.itemsBackedUp,
        b.status?.progress?.totalItems,
      ),
  });
}

function printDryRun(runtime: CliRuntime, backup: Backup): void {
  const name = backup.metadata.name;
  const summary = backup.status?.dryRunSummary;
  if (backup.status?.phase !== 'Completed' || !summary) {
    runtime.stdout.write(
      `Dry run of backup "${name}" ended ${backup.status?.phase ?? 'without a result'}.\n`,
    );
    for (const problem of [
      ...(backup.status?.validationErrors ?? []),
      ...(backup.status?.failureReason ? [backup.status.failureReason] : []),
    ])
      runtime.stdout.write(`  ${problem}\n`);
    return;
  }
  runtime.stdout.write(
    `Dry run of backup "${name}": ${summary.totalItems} items would be backed up. Nothing was written to storage.\n\n`,
  );
  const byCount = (m: Record<string, number> | undefined) =>
    Object.entries(m ?? {}).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  runtime.stdout.write(
    renderColumns(
      [{ header: 'RESOURCE' }, { header: 'ITEMS', align: 'right' }],
      byCount(summary.resources).map(([r, n]) => [r, String(n)]),
    ),
  );
  runtime.stdout.write('\n');
  runtime.stdout.write(
    renderColumns(
      [{ header: 'NAMESPACE' }, { header: 'ITEMS', align: 'right' }],
      byCount(summary.namespaces).map(([ns, n]) => [ns === '' ? '<cluster-scoped>' : ns, String(n)]),
    ),
  );
  runtime.stdout.write(
    `\nThe Backup "${name}" records this summary; remove it with \`lifeboat backup delete ${name}\`.\n`,
  );
}
