import type { Command } from 'commander';
import type { Restore } from '../../../api/index.ts';
import type { LifeboatClient } from '../../kube/lifeboat-client.ts';
import { openSession } from '../../kube/session.ts';
import { DescribeText } from '../../output/describe.ts';
import { formatTimestamp, listOrNone, mapOrNone } from '../../output/resources.ts';
import type { CliRuntime } from '../../runtime.ts';
import { newestFirst, selectorText } from '../backup/table.ts';
import { describeMetadata, describeResults, downloadJson, resourceListLines } from '../details.ts';
import { selectObjects } from '../select.ts';

const bool = (value: boolean | null | undefined, unset = 'auto') =>
  value === true ? 'true' : value === false ? 'false' : unset;

/** Velero's `restore describe` text for one restore, without the parts that need a download. */
export function describeRestore(restore: Restore): DescribeText {
  const { spec, status } = restore;
  const d = new DescribeText();
  describeMetadata(d, restore.metadata);
  d.blank();
  const progress = status?.progress;
  d.group([
    ['Phase', status?.phase ?? 'New'],
    ['Total items to be restored', progress ? String(progress.totalItems ?? 0) : undefined],
    ['Items restored', progress ? String(progress.itemsRestored ?? 0) : undefined],
  ]).blank();
  if (status?.validationErrors?.length)
    d.lines(['Validation errors:']).lines(status.validationErrors, 2).blank();
  if (status?.failureReason) d.group([['Failure reason', status.failureReason]]).blank();
  d.group([
    ['Started', formatTimestamp(status?.startTimestamp)],
    ['Completed', formatTimestamp(status?.completionTimestamp)],
  ]).blank();
  d.group([
    ['Errors', String(status?.errors ?? 0)],
    ['Warnings', String(status?.warnings ?? 0)],
  ]).blank();
  d.group([spec.scheduleName ? ['Schedule', spec.scheduleName] : ['Backup', spec.backupName ?? '']]).blank();
  describeRestoreFilters(d, restore);
  const summary = status?.dryRunSummary;
  if (spec.dryRun)
    d.group([
      [
        'Dry run',
        summary
          ? `${summary.create} to create, ${summary.update} to update, ${summary.conflict} in conflict, ${summary.skip} to skip`
          : 'pending',
      ],
    ]).blank();
  return d;
}

function describeRestoreFilters(d: DescribeText, restore: Restore): void {
  const { spec } = restore;
  d.section('Namespaces', [
    ['Included', listOrNone(spec.includedNamespaces, 'all namespaces found in the backup')],
    ['Excluded', listOrNone(spec.excludedNamespaces)],
  ]).blank();
  d.section('Resources', [
    ['Included', listOrNone(spec.includedResources, '*')],
    ['Excluded', listOrNone(spec.excludedResources)],
    ['Cluster-scoped', bool(spec.includeClusterResources)],
  ]).blank();
  d.group([['Namespace mappings', mapOrNone(spec.namespaceMapping).replaceAll('=', ':')]]).blank();
  d.group([['Label selector', selectorText(spec.labelSelector)]]).blank();
  d.group([
    [
      'Or label selector',
      spec.orLabelSelectors?.length ? spec.orLabelSelectors.map(selectorText).join(' or ') : '<none>',
    ],
  ]).blank();
  d.group([['Restore PVs', bool(spec.restorePVs)]]).blank();
  if (spec.restoreStatus)
    d.section('Restore status', [
      ['Included', listOrNone(spec.restoreStatus.includedResources)],
      ['Excluded', listOrNone(spec.restoreStatus.excludedResources)],
    ]).blank();
  d.group([
    ['Existing Resource Policy', spec.existingResourcePolicy ?? '<none>'],
    ['ItemOperationTimeout', spec.itemOperationTimeout || '<server default>'],
  ]).blank();
  d.group([['Preserve Service NodePorts', bool(spec.preserveNodePorts)]]).blank();
  if (spec.resourceModifier)
    d.group([['Resource modifier', `${spec.resourceModifier.kind}/${spec.resourceModifier.name}`]]).blank();
}

/** `--details`: the restored resource list and every error and warning. */
async function describeRestoreDetails(
  d: DescribeText,
  client: LifeboatClient,
  restore: Restore,
  runtime: CliRuntime,
): Promise<void> {
  const name = restore.metadata.name ?? '';
  const options = { clock: runtime.clock, timeoutMs: 60_000 };
  if ((restore.status?.errors ?? 0) + (restore.status?.warnings ?? 0) > 0)
    describeResults(d, await downloadJson(client, 'RestoreResults', name, options));
  const list = await downloadJson(client, 'RestoreResourceList', name, options);
  if ('problem' in list)
    d.group([['Resource List', `<error getting restore resource list: ${list.problem}>`]]).blank();
  else d.lines(['Resource List:']).lines(resourceListLines(list.value), 2).blank();
}

export function registerRestoreDescribe(restore: Command, runtime: CliRuntime): void {
  restore
    .command('describe')
    .argument('[NAMES...]', 'restores to describe (default: all)')
    .description('describe restores')
    .option('-l, --selector <selector>', 'only restores whose labels match')
    .option('--details', 'also show the resource list and each error and warning (downloads them)')
    .action(async (names: string[], flags: { selector?: string; details?: boolean }, command: Command) => {
      const { client } = await openSession(command, runtime);
      const restores = newestFirst(
        await selectObjects(client, 'Restore', names, { selector: flags.selector }),
      );
      const texts: string[] = [];
      for (const r of restores) {
        const d = describeRestore(r);
        if (flags.details) await describeRestoreDetails(d, client, r, runtime);
        texts.push(d.toString());
      }
      runtime.stdout.write(texts.join('\n'));
    });
}
