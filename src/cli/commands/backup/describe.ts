import type { Command } from 'commander';
import type { Backup } from '../../../api/index.ts';
import type { LifeboatClient } from '../../kube/lifeboat-client.ts';
import { openSession } from '../../kube/session.ts';
import { DescribeText } from '../../output/describe.ts';
import { formatTimestamp, listOrNone } from '../../output/resources.ts';
import type { CliRuntime } from '../../runtime.ts';
import { describeMetadata, describeResults, downloadJson, resourceListLines } from '../details.ts';
import { selectObjects } from '../select.ts';
import { newestFirst, selectorText } from './table.ts';

const bool = (value: boolean | null | undefined, unset = 'auto') =>
  value === true ? 'true' : value === false ? 'false' : unset;

/** Velero's `backup describe` text for one backup, without the parts that need a download. */
export function describeBackup(backup: Backup): DescribeText {
  const { spec, status } = backup;
  const d = new DescribeText();
  describeMetadata(d, backup.metadata);
  d.blank()
    .group([['Phase', status?.phase ?? 'New']])
    .blank();
  if (status?.validationErrors?.length)
    d.lines(['Validation errors:']).lines(status.validationErrors, 2).blank();
  if (status?.failureReason) d.group([['Failure reason', status.failureReason]]).blank();
  d.group([
    ['Errors', String(status?.errors ?? 0)],
    ['Warnings', String(status?.warnings ?? 0)],
  ]).blank();
  d.section('Namespaces', [
    ['Included', listOrNone(spec.includedNamespaces, '*')],
    ['Excluded', listOrNone(spec.excludedNamespaces)],
  ]).blank();
  describeFilters(d, spec);
  describeSettings(d, spec);
  describeProgress(d, backup);
  return d;
}

function describeFilters(d: DescribeText, spec: Backup['spec']): void {
  const scoped =
    (spec.includedClusterScopedResources?.length ?? 0) +
      (spec.excludedClusterScopedResources?.length ?? 0) +
      (spec.includedNamespaceScopedResources?.length ?? 0) +
      (spec.excludedNamespaceScopedResources?.length ?? 0) >
    0;
  if (scoped)
    d.section('Resources', [
      ['Included cluster-scoped', listOrNone(spec.includedClusterScopedResources)],
      ['Excluded cluster-scoped', listOrNone(spec.excludedClusterScopedResources)],
      ['Included namespace-scoped', listOrNone(spec.includedNamespaceScopedResources, '*')],
      ['Excluded namespace-scoped', listOrNone(spec.excludedNamespaceScopedResources)],
    ]).blank();
  else
    d.section('Resources', [
      ['Included', listOrNone(spec.includedResources, '*')],
      ['Excluded', listOrNone(spec.excludedResources)],
      ['Cluster-scoped', bool(spec.includeClusterResources)],
    ]).blank();
  d.group([['Label selector', selectorText(spec.labelSelector)]]).blank();
  d.group([
    [
      'Or label selector',
      spec.orLabelSelectors?.length ? spec.orLabelSelectors.map(selectorText).join(' or ') : '<none>',
    ],
  ]).blank();
}

function describeSettings(d: DescribeText, spec: Backup['spec']): void {
  d.group([['Storage Location', spec.storageLocation || '<default>']]).blank();
  if (spec.orderedResources && Object.keys(spec.orderedResources).length > 0)
    d.lines(['Ordered resources:'])
      .lines(
        Object.entries(spec.orderedResources).map(([r, items]) => `${r}: ${items}`),
        2,
      )
      .blank();
  d.group([
    ['Snapshot PVs', bool(spec.snapshotVolumes)],
    ['File system backup by default', bool(spec.defaultVolumesToFsBackup)],
    ['Snapshot move data', bool(spec.snapshotMoveData)],
  ]).blank();
  d.group([['TTL', spec.ttl || '<server default>']]).blank();
  d.group([
    ['CSISnapshotTimeout', spec.csiSnapshotTimeout || '<server default>'],
    ['ItemOperationTimeout', spec.itemOperationTimeout || '<server default>'],
  ]).blank();
  d.group([
    ['Hooks', spec.hooks?.resources?.length ? `${spec.hooks.resources.length} hook specs` : '<none>'],
  ]).blank();
  if (spec.dryRun) d.group([['Dry run', 'true (nothing is written to storage)']]).blank();
}

function describeProgress(d: DescribeText, backup: Backup): void {
  const status = backup.status;
  d.group([['Backup Format Version', status?.formatVersion ?? '<n/a>']]).blank();
  d.group([
    ['Started', formatTimestamp(status?.startTimestamp)],
    ['Completed', formatTimestamp(status?.completionTimestamp)],
  ]).blank();
  d.group([['Expiration', formatTimestamp(status?.expiration)]]).blank();
  const progress = status?.progress;
  if (progress)
    d.group([
      [
        status?.phase === 'InProgress'
          ? 'Estimated total items to be backed up'
          : 'Total items to be backed up',
        String(progress.totalItems ?? 0),
      ],
      ['Items backed up', String(progress.itemsBackedUp ?? 0)],
    ]).blank();
  const summary = status?.dryRunSummary;
  if (summary) {
    d.group([['Dry run: items that would be backed up', String(summary.totalItems)]]);
    d.lines(
      Object.entries(summary.resources ?? {})
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([r, n]) => `${r}: ${n}`),
      2,
    ).blank();
  }
  if (status?.copies?.length)
    d.lines(['Copies:'])
      .lines(
        status.copies.map((c) => `${c.location}: ${c.phase}${c.message ? ` (${c.message})` : ''}`),
        2,
      )
      .blank();
}

/** Adds what `--details` downloads: the resource list and the errors and warnings by namespace. */
export async function describeBackupDetails(
  d: DescribeText,
  client: LifeboatClient,
  backup: Backup,
  runtime: CliRuntime,
): Promise<void> {
  const name = backup.metadata.name ?? '';
  const options = { clock: runtime.clock, timeoutMs: 60_000 };
  const list = await downloadJson(client, 'BackupResourceList', name, options);
  if ('problem' in list)
    d.group([['Resource List', `<error getting backup resource list: ${list.problem}>`]]).blank();
  else d.lines(['Resource List:']).lines(resourceListLines(list.value), 2).blank();
  if ((backup.status?.errors ?? 0) + (backup.status?.warnings ?? 0) > 0)
    describeResults(d, await downloadJson(client, 'BackupResults', name, options));
}

export function registerBackupDescribe(backup: Command, runtime: CliRuntime): void {
  backup
    .command('describe')
    .argument('[NAMES...]', 'backups to describe (default: all)')
    .description('describe backups')
    .option('-l, --selector <selector>', 'only backups whose labels match')
    .option('--details', 'also show the resource list and each error and warning (downloads them)')
    .action(async (names: string[], flags: { selector?: string; details?: boolean }, command: Command) => {
      const { client } = await openSession(command, runtime);
      const backups = newestFirst(await selectObjects(client, 'Backup', names, { selector: flags.selector }));
      const texts: string[] = [];
      for (const b of backups) {
        const d = describeBackup(b);
        if (flags.details) await describeBackupDetails(d, client, b, runtime);
        texts.push(d.toString());
      }
      runtime.stdout.write(texts.join('\n'));
    });
}
